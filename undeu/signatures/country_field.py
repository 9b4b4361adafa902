"""The signing form's country list: 250 localised names, built once per language.

Django's Select renders each option through a template (about 9 ms for 250 options) and
ChoiceField normalises its choices on every form; the signing form is on every petition page
and in every signing POST, so both are done once per language here and reused.
"""

from functools import lru_cache

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django_countries import countries

from undeu.core.l10n import country_choices

NO_COUNTRY = ("", "—")


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in countries)


@lru_cache(maxsize=8)
def _options_html(language: str) -> str:
    return "".join(
        f'<option value="{escape(code)}">{escape(name)}</option>'
        for code, name in [NO_COUNTRY, *country_choices(language)]
    )


def options_html(language: str, selected: str) -> str:
    options = _options_html(language)
    if selected not in country_codes():
        return options
    marker = f'<option value="{selected}">'
    return options.replace(marker, f'<option value="{selected}" selected>', 1)


class CountrySelect(forms.Select):
    """A <select> of every country, named in the form's language."""

    def __init__(self, *args, language: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        self.language = language

    def render(self, name, value, attrs=None, renderer=None):
        attributes = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = value if isinstance(value, str) else ""
        return mark_safe(  # noqa: S308 - every name and value is escaped above  # nosec B308 B703
            f"<select{flatatt(attributes)}>{options_html(self.language, selected)}</select>"
        )


class CountryField(forms.ChoiceField):
    """A country code; the choices shown are the widget's, validation is a set lookup."""

    widget = CountrySelect

    def __init__(self, *, language: str = "en", **kwargs):
        super().__init__(choices=(), **kwargs)
        self.set_language(language)

    def set_language(self, language: str) -> None:
        self.widget.language = language

    def valid_value(self, value) -> bool:
        return value in country_codes()
