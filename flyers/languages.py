"""Languages: from a BCP 47 tag to everything a page needs about it.

Names, direction and script come from CLDR through Babel, so "العربية" is
spelled by people who know, not by us.  Languages CLDR lacks (Dari, Mam...)
take explicit data from ``[locales.TAG]`` in campaign.toml instead of crashing.
No global locale is ever set: each value is computed for the tag asked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_interval, format_time, get_day_names, get_time_format

from .campaign import Campaign, LocaleData
from .errors import ConfigError

RTL_SCRIPTS = {"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm"}


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

    def format_date(self, value: dt.date) -> str:
        """A long date in this language ("6 de febrero de 2026")."""
        return format_date(value, format="long", locale=self.formatting_locale)

    def weekday(self, day: str, width: str = "wide") -> str:
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
        """A short clock time in this language's convention ("9:00 AM", "09:00")."""
        return format_time(value, format="short", locale=self.formatting_locale)


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
    return name[:1].upper() + name[1:] if locale.script in (None, "Latn", "Cyrl", "Grek") else name


def resolve_all(campaign: Campaign) -> dict[str, Language]:
    """Every language of the campaign, in campaign order."""
    return {tag: resolve(tag, campaign) for tag in campaign.languages}
