"""The signatures as CSV for the starter: one row per confirmed signature, names only with the
signer's consent, never an email address, and the total at the end.

What signers typed is made inert for spreadsheets: a cell that starts with = + - @ (or a tab or
carriage return) would be run as a formula by Excel or LibreOffice, so it gets a leading '.
"""

import csv
from collections.abc import Iterator

from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from undeu.core.l10n import country_name
from undeu.delivery.signers import all_signers, shown_name
from undeu.petitions.models import Petition

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel opens a UTF-8 file as a legacy code page unless it starts with a byte order mark.
BOM = "\ufeff"


def inert(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_START) else value


class _Line:
    """A file-like object that hands back what csv.writer writes, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(petition: Petition, language: str) -> Iterator[str]:
    """The CSV, line by line, with headings and country names in `language`."""
    writer = csv.writer(_Line())

    def translated(function, *args) -> str:
        # Not one override around the whole generator: it would stay active between lines.
        with translation.override(language):
            return function(*args)

    headings = [
        gettext_noop("Confirmed at"),
        gettext_noop("Name"),
        gettext_noop("City or region"),
        gettext_noop("Country"),
    ]
    yield BOM + writer.writerow([translated(gettext, heading) for heading in headings])
    countries: dict[str, str] = {}
    total = 0
    for signature in all_signers(petition):
        code = str(signature.country)
        if code not in countries:
            countries[code] = translated(country_name, code)
        yield writer.writerow(
            [
                timezone.localtime(signature.confirmed_at).isoformat(timespec="seconds"),
                inert(shown_name(signature)),
                inert(signature.city.strip()),
                countries[code],
            ]
        )
        total += 1
    yield writer.writerow([])
    yield writer.writerow([translated(gettext, gettext_noop("Total")), total])
