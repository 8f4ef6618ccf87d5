"""Languages: from a BCP 47 tag to everything a page needs about it.

Names, direction and script come from CLDR through Babel, so "العربية" is
spelled by people who know, not by us.  Languages CLDR lacks (Dari, Mam...)
take explicit data from ``[locales.TAG]`` in campaign.toml instead of crashing.
No global locale is ever set: each value is computed for the tag asked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import tomllib
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_interval, format_skeleton, get_day_names, get_time_format

from .campaign import Campaign, LocaleData
from .errors import ConfigError

RTL_SCRIPTS = {"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm"}
DATA_DIR = Path(__file__).parent / "data"
SPOKEN_FILE = DATA_DIR / "spoken_languages.toml"
OVERRIDES_FILE = DATA_DIR / "locale_overrides.toml"
# Scripts whose language names take a capital at the start of a heading or menu
# item (CLDR writes many of them lower case, as a sentence needs them).
CASED_SCRIPTS = {"Latn", "Cyrl", "Grek", "Armn"}
ENGLISH_AM_PM_RE = re.compile(r"(?<![A-Za-z])[AaPp]\.?\s?[Mm]\.?(?![A-Za-z])")


@dataclass(frozen=True)
class Language:
    """One language of a campaign, resolved."""

    tag: str  # BCP 47, as written in campaign.toml: "zh-Hans"
    locale_id: str  # gettext folder name: "zh_Hans"
    english_name: str
    endonym: str
    direction: str  # "ltr" | "rtl"
    script: str  # ISO 15924: "Latn", "Arab", "Hans"...
    formatting_locale: str  # Babel locale used for dates and times
    sentence_name: str = ""  # its own name inside a sentence ("español"); the endonym is a heading's
    source: str = "CLDR"  # where its names come from: "CLDR", or "campaign" ([locales.TAG])

    def format_date(self, value: dt.date) -> str:
        """A long date in this language ("6 de febrero de 2026"; "6 fevriye 2026" from overrides)."""
        override = _overrides().get(self.tag) or _overrides().get(self.tag.split("-")[0])
        if override and "months" in override:
            return str(override["date"]).format(day=value.day, month=override["months"][value.month - 1],
                                                year=value.year)
        return format_date(value, format="long", locale=self.formatting_locale)

    def weekday(self, day: str, width: Literal["abbreviated", "wide"] = "wide") -> str:
        """A weekday ("mon".."sun") by its CLDR name in this language ("lunes", or "lun")."""
        index = ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(day)
        return str(get_day_names(width, locale=self.formatting_locale)[index])

    def format_hours(self, days: tuple[str, str], opens: dt.time, closes: dt.time) -> str:
        """Opening hours as signs write them, needing no translation: CLDR's abbreviated
        weekday names and its time-interval pattern ("lun–vie 9:00–18:00", "пн–пт 09:00—18:00")."""
        pattern = str(get_time_format("short", locale=self.formatting_locale).pattern)
        skeleton = "hm" if "h" in pattern else "Hm"
        first, last = (self.weekday(day, "abbreviated") for day in days)
        span = first if first == last else f"{first}–{last}"
        return f"{span} {format_interval(opens, closes, skeleton, locale=self.formatting_locale)}"

    def format_time(self, value: dt.time) -> str:
        """A clock time as US texts in this language write it: the 12-hour clock.

        CLDR's 12-hour pattern ("6:00 p. m.", "下午6:00") where CLDR has the
        language's own AM/PM words; where it only borrows the English "AM"
        (Urdu, Russian, Bengali...), the language's day periods instead
        ("6:00 вечера", "شام 6:00"): an English AM inside Arabic script even
        reads backwards ("AM 9:00").
        """
        twelve = format_skeleton("hm", value, locale=self.formatting_locale)
        if self.script == "Latn" or not ENGLISH_AM_PM_RE.search(twelve):
            return twelve
        return format_skeleton("Bhm", value, locale=self.formatting_locale)


def locale_id(tag: str) -> str:
    """BCP 47 tag to the gettext folder name Babel uses: "pt-BR" -> "pt_BR"."""
    return tag.replace("-", "_")


def resolve(tag: str, campaign: Campaign) -> Language:
    """Resolve ``tag`` with CLDR, or with the campaign's explicit ``[locales]`` data."""
    explicit = campaign.locales.get(tag)
    if explicit is not None:
        return _from_explicit(tag, explicit)
    try:
        locale = Locale.parse(locale_id(tag))
    except (UnknownLocaleError, ValueError):
        raise ConfigError(
            f"campaign.toml: languages: {tag!r} is not in CLDR; add a [locales.{tag}] table "
            "with english_name, endonym, script, direction and formatting_locale"
        ) from None
    script = _script(locale)
    return Language(
        tag=tag,
        locale_id=locale_id(tag),
        english_name=_english_name(locale),
        endonym=_endonym(locale),
        direction="rtl" if locale.text_direction == "rtl" else "ltr",
        script=script,
        formatting_locale=str(locale),
        sentence_name=locale.get_display_name(locale) or locale.language,
    )


def _from_explicit(tag: str, data: LocaleData) -> Language:
    try:
        Locale.parse(locale_id(data.formatting_locale))
    except (UnknownLocaleError, ValueError):
        raise ConfigError(
            f"campaign.toml: [locales.{tag}] formatting_locale: {data.formatting_locale!r} is not in CLDR"
        ) from None
    return Language(
        tag=tag,
        locale_id=locale_id(tag),
        english_name=data.english_name,
        endonym=data.endonym,
        direction=data.direction,
        script=data.script,
        formatting_locale=locale_id(data.formatting_locale),
        sentence_name=data.endonym,
        source="campaign",
    )


def _script(locale: Locale) -> str:
    """The script a language is written in, from CLDR likely subtags when not explicit."""
    if locale.script:
        return locale.script
    likely = get_global("likely_subtags").get(locale.language, "")
    parts = likely.split("_")
    return parts[1] if len(parts) > 1 and len(parts[1]) == 4 else "Latn"


def _english_name(locale: Locale) -> str:
    """English name without regional noise for the common case ("Chinese (Simplified)")."""
    return locale.get_display_name("en") or locale.language


def _endonym(locale: Locale) -> str:
    """The language's own name, capitalised as a menu item would show it."""
    name = locale.get_display_name(locale) or locale.language
    return _menu_form(name, _script(locale))


def _menu_form(name: str, script: str) -> str:
    """A language name as a heading or menu item shows it: capitalised where the script has case."""
    return name[:1].upper() + name[1:] if script in CASED_SCRIPTS else name


def resolve_all(campaign: Campaign) -> dict[str, Language]:
    """Every language of the campaign, in campaign order."""
    return {tag: resolve(tag, campaign) for tag in campaign.languages}



@functools.lru_cache(maxsize=1)
def _overrides() -> dict[str, dict[str, Any]]:
    with OVERRIDES_FILE.open("rb") as handle:
        return tomllib.load(handle)


# --- spoken languages -----------------------------------------------------------------


@dataclass(frozen=True)
class SpokenLanguage:
    """A language as an interpreter speaks it, and the written language its readers use.

    Flyers are per written language (a catalog); interpreter cards and the wallet
    card's back are per spoken language: Cantonese and Taishanese readers both
    read Traditional Chinese, Mam and K'iche' speakers who read, read Spanish.
    """

    tag: str  # BCP 47: "yue", "cmn", "mam", "yue-x-taishan"
    english_name: str  # what an agency's interpreter line calls it: "Cantonese"
    endonym: str  # its own name as a heading shows it ("" when it has no written name)
    endonym_sentence: str  # its own name inside a sentence ("español")
    script: str  # of the endonym
    direction: str  # of the endonym
    source: str  # where the names come from (CLDR, or the data file's source)
    written: str  # the catalog tag its readers use, or "" (an English-only card)
    name_in_written: str  # its name inside a sentence of the written language ("cantonés"; "" without one)

    @property
    def base(self) -> str:
        return self.tag.split("-")[0]


@functools.lru_cache(maxsize=1)
def spoken_data() -> dict[str, dict[str, Any]]:
    """The engine's sourced names for spoken languages CLDR lacks (flyers/data)."""
    with SPOKEN_FILE.open("rb") as handle:
        return tomllib.load(handle)


def _cldr(tag: str) -> Locale | None:
    if "-x-" in tag:
        return None
    try:
        return Locale.parse(locale_id(tag))
    except (UnknownLocaleError, ValueError):
        return None


def resolve_spoken(campaign: Campaign, languages: dict[str, Language]) -> dict[str, SpokenLanguage]:
    """Every spoken language of ``campaign.spoken``, with names from CLDR or the data file."""
    problems: list[str] = []
    resolved: dict[str, SpokenLanguage] = {}
    for tag, written in campaign.spoken.items():
        spoken = _resolve_one(tag, written, languages, problems)
        if spoken is not None:
            resolved[tag] = spoken
    if problems:
        raise ConfigError(f"campaign.toml [spoken]: {len(problems)} problem(s)", problems)
    return resolved


def _resolve_one(tag: str, written: str, languages: dict[str, Language], problems: list[str]) -> SpokenLanguage | None:
    data = spoken_data().get(tag, {})
    locale = _cldr(tag)
    english = data.get("english") or (Locale("en").languages.get(tag.split("-")[0]) if locale else None)
    own = data.get("endonym")
    if own is None and locale is not None:
        own = locale.get_display_name(locale) or ""
    if tag in languages and languages[tag].source == "campaign" and not data:  # from [locales.TAG]
        explicit = languages[tag]
        english, own = explicit.english_name, explicit.sentence_name or explicit.endonym
        data = {"script": explicit.script, "endonym": own, "source": f"campaign.toml [locales.{tag}]"}
        locale = None
    if not english or own is None:
        problems.append(f"{tag}: CLDR has no names for it; add it to {SPOKEN_FILE.name} with its source")
        return None
    if written and written not in languages:
        problems.append(f"{tag} = {written!r}: {written} is not one of the campaign's languages "
                        f"({', '.join(languages)}); use \"\" for an English-only card")
        return None
    script = data.get("script") or (_script(locale) if locale else "Latn")
    source = data.get("source") or "CLDR (Babel)"
    if "endonym" not in data:
        source = "CLDR (Babel)" if "source" not in data else f"{source}; own name from CLDR"
    return SpokenLanguage(
        tag=tag, english_name=english, endonym=_menu_form(own, script), endonym_sentence=own,
        script=script, direction="rtl" if script in RTL_SCRIPTS else "ltr", source=source, written=written,
        name_in_written=_name_in(tag, own, script, languages.get(written), data) if written else "",
    )


def _name_in(tag: str, own: str, script: str, written: Language | None, data: dict[str, Any]) -> str:
    """The spoken language's name inside a sentence of its written language."""
    if written is None:
        return ""
    given = (data.get("names") or {}).get(written.tag)
    if given:
        return str(given)
    base = tag.split("-")[0]
    if base == written.tag.split("-")[0] and written.source == "campaign":  # [locales.TAG] names win
        return written.sentence_name or written.endonym
    for candidate in (written.locale_id, written.formatting_locale):
        locale = _cldr(candidate.replace("_", "-"))
        name = locale.languages.get(base) if locale else None
        if name:
            return str(name)
    if base == written.tag.split("-")[0]:
        return written.sentence_name or written.endonym
    return own if script == written.script else ""


def primary_tag(campaign: Campaign, written: str) -> str | None:
    """The spoken language a written language's own cards name.

    The spoken language with the written language's own code (es for es, pt for
    pt-BR), else the first one campaign.toml [spoken] lists for it (yue for
    zh-Hant), else none.
    """
    candidates = [tag for tag, reads in campaign.spoken.items() if reads == written]
    own = [tag for tag in candidates if tag.split("-")[0] == written.split("-")[0]]
    found = own or candidates
    return found[0] if found else None


def primary_spoken(campaign: Campaign, spoken: dict[str, SpokenLanguage]) -> dict[str, str]:
    """Written language tag -> the spoken language its own cards name (see :func:`primary_tag`)."""
    written = {item.written for item in spoken.values() if item.written}
    return {tag: primary for tag in sorted(written) if (primary := primary_tag(campaign, tag))}


def default_spoken(campaign: Campaign, language: Language) -> SpokenLanguage:
    """The spoken language a written language's own interpreter and wallet cards name."""
    tag = primary_tag(campaign, language.tag)
    if tag is None:
        return spoken_for(language)
    problems: list[str] = []
    found = _resolve_one(tag, language.tag, {language.tag: language}, problems)
    if found is None:
        raise ConfigError(f"campaign.toml [spoken] {tag}: {problems[0] if problems else 'cannot be resolved'}")
    return found


def spoken_for(language: Language) -> SpokenLanguage:
    """A written language taken as its own spoken language (when a campaign names none)."""
    return SpokenLanguage(
        tag=language.tag, english_name=language.english_name, endonym=language.endonym,
        endonym_sentence=language.sentence_name or language.endonym, script=language.script,
        direction=language.direction, source="CLDR (Babel)", written=language.tag,
        name_in_written=language.sentence_name or language.endonym,
    )


Names = tuple[dict[str, Language], dict[str, SpokenLanguage]]


def resolve_names(campaign: Campaign) -> Names:
    """The campaign's written and spoken languages, resolved (see :func:`resolve_apart`)."""
    languages = resolve_all(campaign)
    return languages, resolve_spoken(campaign, languages)


@contextlib.contextmanager
def resolve_apart(campaign: Campaign) -> Iterator[Future[Names]]:
    """:func:`resolve_names` in a child process, started now, its result to be asked for
    inside the ``with`` block.

    Babel keeps every locale's CLDR data it has read for the life of the process
    (a module-level cache with no public way out): the names of a campaign's 140
    written and spoken languages cost 70 MB that a national batch would carry to
    its end.  A child reads them and hands back the few strings the batch needs.
    Leaving the block (a bad orders file, say) waits for the child: exiting while it
    still ran could print a traceback from the executor's shutdown under the error.
    """
    from .workers import process_context

    executor = ProcessPoolExecutor(max_workers=1, mp_context=process_context())
    try:
        yield executor.submit(resolve_names, campaign)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
