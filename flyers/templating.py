"""Templates + catalog + campaign -> the HTML of one page (Jinja2 and gettext).

One Jinja2 Environment per language (no global locale); translator text is
untrusted, so our gettext callables sanitise it with nh3 and check its
placeholders before Jinja formats it, and never fall back to the English.
The values a template sees are plain data formatted per language here (dates,
times, names as each catalog spells them).  Line-breaking fixes CSS cannot
express in WeasyPrint (ties, Korean word breaks) are applied to the HTML.
Nothing here lays out or draws: that is :mod:`flyers.layout`.
"""

from __future__ import annotations

import re
from typing import Any

import jinja2
import nh3
from markupsafe import Markup

from .campaign import Campaign, Format, source_date
from .catalogs import PLACEHOLDER_RE, LoadedCatalog, core_templates_dir, stray_percent
from .errors import CatalogError, RenderError
from .fontstack import FontBook
from .languages import SpokenLanguage, default_spoken
from .model import PrintOptions
from .readability import indefinite_article

ALLOWED_TAGS = {"strong", "em", "br"}
SMALL_RATIO = 0.75


def cmyk_css(values: tuple[float, float, float, float]) -> str:
    """CMYK percentages as a CSS ``device-cmyk()`` value."""
    return "device-cmyk(" + " ".join(f"{v / 100:.3g}" for v in values) + ")"


class StrictGettext:
    """Gettext callables for one language that never fall back to English.

    Jinja's new-style gettext marks the returned string safe and then
    %-formats it with the (escaped) variables, so what we return must already
    be safe HTML: nh3 keeps only <strong>, <em> and <br>.
    """

    def __init__(self, catalog: LoadedCatalog) -> None:
        self.catalog = catalog
        self.used: list[str] = []

    def gettext(self, msgid: str) -> str:
        text = self.catalog.gettext(msgid)
        if text is None:
            raise CatalogError(f"{self.catalog.where(msgid)}: no usable translation (missing or fuzzy) for {msgid!r}")
        wanted = sorted(PLACEHOLDER_RE.findall(msgid))
        if sorted(PLACEHOLDER_RE.findall(text)) != wanted or stray_percent(text):
            raise CatalogError(
                f"{self.catalog.where(msgid)}: translation of {msgid!r} must use exactly the "
                f"placeholders {', '.join('%(' + w + ')s' for w in wanted) or '(none)'}"
            )
        self.used.append(msgid)
        return nh3.clean(text, tags=ALLOWED_TAGS, attributes={}, url_schemes=set())

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept in memory and shared by every language's Environment.

    Compiling the templates took a sixth of each master's render time, once per
    layout.  The compiled code does not depend on the language (``_()`` looks up
    the Environment's gettext when it runs), and Jinja checks each entry against
    a checksum of the template's source, so an edited template is recompiled.
    """

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self._store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()  # per process; holds code, never language or locale state


def make_environment(campaign: Campaign, catalog: LoadedCatalog) -> tuple[jinja2.Environment, StrictGettext]:
    """A fresh sandbox-free but autoescaping Environment bound to one language."""
    env = jinja2.Environment(
        # The workspace's templates first (a campaign may override any), then the engine's core text.
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(campaign.templates_dir),
                                    jinja2.FileSystemLoader(core_templates_dir())]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
        bytecode_cache=_COMPILED,
    )
    strict = StrictGettext(catalog)
    env.install_gettext_callables(strict.gettext, strict.ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env, strict


def context(campaign: Campaign, fmt: Format, catalog: LoadedCatalog, fonts: FontBook,
            options: PrintOptions, font_size_pt: float, spoken: SpokenLanguage | None = None) -> dict[str, Any]:
    """Everything a template may use; values are plain data, formatted per language.

    ``spoken`` is the spoken language the interpreter card and the wallet card's
    back name; by default the written language's own (its campaign [spoken] entry).
    """
    language = catalog.language
    contacts = _contacts(campaign, catalog)
    # The piece's own code on its version line: a spoken language's card says "yo",
    # not the "en" of the English catalog it is written from (a print shop sorts by it).
    piece_tag = spoken.tag if spoken is not None else language.tag
    spoken = spoken or default_spoken(campaign, language)
    return {
        "campaign": campaign,
        "spoken": spoken,
        "piece": {"tag": piece_tag},
        "english": {"article": indefinite_article(spoken.english_name)},
        "language": {
            "tag": language.tag,
            "direction": language.direction,
            "script": language.script,
            "endonym": language.endonym,
            "english_name": language.english_name,
            "font_stack": Markup(fonts.css_stack(language)),
        },
        "format": {
            "name": fmt.name,
            "width": fmt.width.css,
            "height": fmt.height.css,
            "margin": fmt.margin.css,
            "font_size": f"{font_size_pt:g}pt",
            "small_size": f"{small_size(fmt, font_size_pt):g}pt",
            "qr_size": fmt.qr_size.css if fmt.qr_size else "0",
            "content_height": f"{fmt.height.pt - 2 * fmt.margin.pt:.2f}pt",
            "sections": fmt.sections,
        },
        "print": {
            "bleed": f"{options.bleed_in:g}in",
            "profile": options.profile.resolve().as_uri() if options.profile else "",
        },
        "colours": {
            "accent": Markup(cmyk_css(campaign.colours["accent"])),
            "tint": Markup(cmyk_css(campaign.colours["tint"])),
            "paper": Markup(cmyk_css(campaign.colours["paper"])),
            "text": Markup(cmyk_css((0, 0, 0, 100))),
        },
        "facts": _facts(campaign, catalog),
        "contacts": contacts,
        "contact_list": [c for key, c in contacts.items() if key != "card"],
        "qr": {"display": campaign.qr.display},
        "review": {"draft": not catalog.source and catalog.review.status != "reviewed"},
        "build": {"date": build_date(campaign)},
    }


TIME_CLASS = "time"
# A sentence's full stop right after a time that already ends in one ("6:00 μ.μ." + ".").
_DOUBLED_STOP = re.compile(r'(<span class="time">[^<]*\.</span>)\.')


def time_markup(text: str) -> Markup:
    """A formatted time, marked so that the sentence's full stop after it can be dropped."""
    return Markup('<span class="{}">{}</span>').format(TIME_CLASS, text)


def drop_doubled_stops(html: str) -> str:
    """"μ.μ.." -> "μ.μ.": Greek, Albanian and others abbreviate the time of day with a
    full stop, and the sentence ends with its own; print one, as a typesetter would."""
    return _DOUBLED_STOP.sub(r"\1", html)


def small_size(fmt: Format, font_size_pt: float) -> float:
    """Small print (notices, captions): three quarters of the body, never under the
    format's min_font_size -- the layout check holds every text run to it."""
    return round(max(SMALL_RATIO * font_size_pt, fmt.min_font_size.pt), 2)


def _facts(campaign: Campaign, catalog: LoadedCatalog) -> dict[str, str]:
    facts = campaign.facts
    if facts is None:  # only sections that use [facts] read it, and those require it
        return {}
    return {"signed": catalog.language.format_date(facts.signed),
            "mayor": catalog.name("[facts] mayor", facts.mayor), "number": facts.order_number}


def _contacts(campaign: Campaign, catalog: LoadedCatalog) -> dict[str, dict[str, str]]:
    """Each [contacts.*] table as the language prints it: its name as the local
    catalog spells it, times in the language's clock, opening days by CLDR's
    weekday names.  ``card`` is the line the wallet card prints: ``legal`` if
    there is one, else the first contact with a phone."""
    language = catalog.language
    shown: dict[str, dict[str, str]] = {}
    for key, c in campaign.contacts.items():
        shown[key] = {
            "key": key, "name": catalog.name(f"[contacts.{key}] name", c.name), "phone": c.phone, "url": c.url,
            "opens": time_markup(language.format_time(c.opens)) if c.opens else "",
            "closes": time_markup(language.format_time(c.closes)) if c.closes else "",
            "first_day": language.weekday(c.days[0]), "last_day": language.weekday(c.days[1]),
            "hours": language.format_hours(c.days, c.opens, c.closes) if c.opens and c.closes else "",
        }
    card = shown.get("legal") or next((c for c in shown.values() if c["phone"]), None)
    if card is not None:
        shown["card"] = card
    return shown


def build_date(campaign: Campaign) -> str:
    """The date written into PDF metadata (see :func:`campaign.source_date`)."""
    return source_date(campaign).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_template(env: jinja2.Environment, name: str, values: dict[str, Any], needed_by: str) -> str:
    """Render one template, turning Jinja's errors into messages that name the file."""
    try:
        return drop_doubled_stops(env.get_template(name).render(values))
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"templates/{exc.name}: template not found ({needed_by} needs it)") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"templates/{exc.name}:{exc.lineno}: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise RenderError(f"templates/{name}: {exc.message}") from None


def render_html(campaign: Campaign, fmt: Format, catalog: LoadedCatalog, fonts: FontBook,
                options: PrintOptions, font_size_pt: float, spoken: SpokenLanguage | None = None) -> str:
    """The HTML of one (language, format) at one body type size."""
    env, _ = make_environment(campaign, catalog)
    values = context(campaign, fmt, catalog, fonts, options, font_size_pt, spoken)
    return typeset(render_template(env, fmt.template, values, f"format {fmt.name}"), catalog.language.script)


# Scripts written without spaces between words: no tie before the last word there.
UNSPACED_SCRIPTS = {"Hans", "Hant", "Jpan", "Thai", "Laoo", "Khmr", "Mymr", "Tibt"}
# The last two words of a block: a word, one space, then the last word (inline tags
# around it allowed), then the block's end tag.
_LAST_SPACE = re.compile(
    r"(?:(?<=[^\s<>])|(?<=</b>)|(?<=</bdi>)|(?<=</strong>)|(?<=</em>)|(?<=</span>))"
    r"[ ](?=(?:<[^>]+>)*[^\s<>]{1,16}(?:<[^>]+>)*\s*</(?:li|p|h1|h2|h3|figcaption)>)"
)
_HANGUL_PAIR = re.compile(r"(?<=[\uac00-\ud7a3])(?=[\uac00-\ud7a3])")
# Chinese and Japanese: full-width punctuation carries its own space, so a space a
# translator typed after it shows as a gap; and a block's last line is never one
# character ("す。" alone): its last three characters are joined.
HAN_SCRIPTS = {"Hans", "Hant", "Jpan"}
_SPACE_AFTER_FULL_STOP = re.compile(r"(?<=[。！？：；、，])[ ]+(?=[^\s<])")
_HAN_LAST = re.compile(r"(?<=[^\s<>])(?=[^\s<>]{1,2}(?:<[^>]+>)*\s*</(?:li|p|h1|h2|h3|figcaption)>)")


def typeset(html: str, script: str) -> str:
    """Line-breaking fixes for print that CSS cannot express in WeasyPrint.

    * A paragraph or bullet never ends on one word alone: the space before its
      last word becomes a no-break space (not where words are not space-separated).
    * Korean breaks only between words (CSS ``word-break: keep-all``, which
      WeasyPrint lacks): a WORD JOINER between Hangul syllables.
    * Chinese and Japanese: no space after full-width punctuation, and a WORD
      JOINER between a block's last three characters, so no line holds one alone.
    The joiners are invisible in the PDF's text.
    """
    head, sep, body = html.partition("<body")
    if script not in UNSPACED_SCRIPTS:
        body = _LAST_SPACE.sub("\u00a0", body)
    if script == "Kore":
        body = _HANGUL_PAIR.sub("\u2060", body)
    if script in HAN_SCRIPTS:
        body = _HAN_LAST.sub("\u2060", _SPACE_AFTER_FULL_STOP.sub("", body))
    return head + sep + body


def visible_text(html: str) -> str:
    """Rough visible text of an HTML page (for coverage checks), tags stripped."""
    body = html.split("<body", 1)[-1]
    text = re.sub(r"<[^>]+>", " ", body)
    return Markup(text).unescape()
