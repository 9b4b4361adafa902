"""Dates, numbers and country names in the reader's language, from CLDR (Babel).

Django has no date formats for Kazakh and django-countries no Kazakh names; CLDR has both.
"""

from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_decimal
from django.utils import timezone
from django.utils.translation import get_language
from django_countries import countries


def _locale_name() -> str:
    return (get_language() or "en").split("-")[0]


def localised_date(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return format_date(value, format="long", locale=_locale_name())


def localised_short_date(value) -> str:
    """Day and month, abbreviated ("9 мар.", "Mar 9"): for a chart's axis."""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return format_skeleton("MMMd", value, locale=_locale_name())


def localised_hour(value) -> str:
    """An hour by its day and time in the current time zone ("9 марта, 20:00")."""
    value = timezone.localtime(value)
    locale = _locale_name()
    day = format_skeleton("MMMMd", value, locale=locale)
    return f"{day}, {format_time(value, 'short', tzinfo=value.tzinfo, locale=locale)}"


def localised_number(value) -> str:
    return format_decimal(value, locale=_locale_name())


@lru_cache(maxsize=8)
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    territories = Locale.parse(language).territories
    named = [(code, territories.get(code, name)) for code, name in countries]
    return tuple(sorted(named, key=lambda item: item[1].casefold()))


def country_name(code: str) -> str:
    return Locale.parse(_locale_name()).territories.get(str(code), str(code))
