"""Re-plant the bugs of issue #16 one at a time and check that a test fails on each.

Run it in a throwaway worktree, never in your checkout (it edits files and
restores them, but an interrupted run leaves a bug planted):

    git worktree add /tmp/plant HEAD && ln -s $PWD/.venv /tmp/plant/.venv
    ln -s $PWD/node_modules /tmp/plant/node_modules
    cd /tmp/plant && PYTHONPATH=. .venv/bin/python tools/planted_bugs.py [N ...]

Each line says which test caught the bug (rc=1) or that none did (rc=0: a gap
in the suite).  About 80 s for all nine on two cores.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

R = Path(__file__).resolve().parent.parent
PLANTS = [
 ("print cut without PDF/X-4 intent", "flyers/render.py",
  "pdf = write_master_pdf(document, identifier, pdfx=options.profile is not None)",
  "pdf = write_master_pdf(document, identifier, pdfx=False, edit=drop_output_intent)",
  ["tests/test_what_users_see.py::test_every_print_cut_is_pdfx4_with_a_cmyk_output_intent"]),
 ("body text at 60% K", "flyers/templating.py",
  '"text": Markup(cmyk_css((0, 0, 0, 100))),', '"text": Markup(cmyk_css((0, 0, 0, 60))),',
  ["tests/test_what_users_see.py::test_text_and_qr_are_solid_black_in_every_flyer"]),
 ("311 given the state hotline's number", "flyers/templating.py",
  '"phone": c.phone, "url": c.url,',
  '"phone": campaign.contacts["state"].phone if key == "emergency" else c.phone, "url": c.url,',
  ["tests/test_what_users_see.py", "-k", "phones_hours_and_dates_print_as_written and not every_language"]),
 ("cut-and-stack ordered by line only", "flyers/batch.py",
  "ordered = sorted(lines, key=lambda o: (order_of[o.distributor_id], o.line))",
  "ordered = sorted(lines, key=lambda o: o.line)",
  ["tests/test_what_users_see.py::test_cut_and_stack_groups_a_distributor_on_non_adjacent_lines"]),
 ("{lang} link returns the bare link", "flyers/campaign.py",
  'return self.link.replace("{lang}", tag)', 'return self.link',
  ["tests/test_what_users_see.py::test_a_lang_link_leads_each_language_to_its_own_page"]),
 ("strict gettext falls back to the English msgid", "flyers/templating.py",
  "        if text is None:\n            raise CatalogError(",
  "        if text is None:\n            text = msgid\n        if False:\n            raise CatalogError(",
  ["tests/test_what_users_see.py", "-k", "strict_gettext or extraction_misses"]),
 ("site prints the date unformatted", "flyers/site.py",
  "date = catalog.language.format_date(source_date(campaign).date())",
  "date = source_date(campaign).date().isoformat()",
  ["tests/test_site.py::test_language_pages_show_version_date_and_file_sizes"]),
 ("draft notice hidden by CSS", "templates/style.css",
  ".draft { font-style: italic; }", ".draft { font-style: italic; display: none !important; }",
  ["tests/test_languages.py::test_draft_flyers_say_so_in_their_language"]),
 ("a bare % passes", "flyers/catalogs.py",
  'return "%" in FORMAT_ESCAPES_RE.sub("", text)',
  'return False',
  ["tests/test_what_users_see.py::test_a_bare_percent_is_refused_with_catalog_and_line"]),
]


def main() -> None:
    only = sys.argv[1:]
    for i, (name, rel, old, new, tests) in enumerate(PLANTS):
        if only and str(i) not in only:
            continue
        p = R / rel
        src = p.read_text()
        assert src.count(old) == 1, (name, src.count(old))
        p.write_text(src.replace(old, new))
        try:
            env = dict(os.environ, PYTHONPATH=str(R))
            r = subprocess.run([str(R / '.venv/bin/pytest'), '-q', '-x', '-p', 'no:cacheprovider', '-n', '0', *tests],
                               cwd=R, env=env, capture_output=True, text=True, timeout=900)
            last = [line for line in r.stdout.splitlines() if line.strip()][-1:]
            failed = [line for line in r.stdout.splitlines() if line.startswith("FAILED")]
            print(f"[{i}] {name}: rc={r.returncode} {last} {failed[:2]}", flush=True)
        finally:
            p.write_text(src)


if __name__ == "__main__":
    main()
