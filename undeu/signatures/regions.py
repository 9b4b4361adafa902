"""Kazakhstan's regions, for the signing form and the counts by region.

The codes are ISO 3166-2:KZ as they stand since the 2022 reform: seventeen oblasts (Abai, Jetisu
and Ulytau were made in 2022) and the three cities of republican significance. Codes, not names,
are stored, so a renamed region keeps its signatures. When the country changes its regions,
change this list (the tests check it has every current code once).
"""

from functools import lru_cache

from django.utils.translation import override, pgettext_lazy

# The country whose regions these are: the form offers them only to its signers.
COUNTRY = "KZ"

REGIONS = [
    ("KZ-10", pgettext_lazy("region", "Abai Region")),
    ("KZ-11", pgettext_lazy("region", "Akmola Region")),
    ("KZ-15", pgettext_lazy("region", "Aktobe Region")),
    ("KZ-19", pgettext_lazy("region", "Almaty Region")),
    ("KZ-23", pgettext_lazy("region", "Atyrau Region")),
    ("KZ-27", pgettext_lazy("region", "West Kazakhstan Region")),
    ("KZ-31", pgettext_lazy("region", "Jambyl Region")),
    ("KZ-33", pgettext_lazy("region", "Jetisu Region")),
    ("KZ-35", pgettext_lazy("region", "Karaganda Region")),
    ("KZ-39", pgettext_lazy("region", "Kostanay Region")),
    ("KZ-43", pgettext_lazy("region", "Kyzylorda Region")),
    ("KZ-47", pgettext_lazy("region", "Mangystau Region")),
    ("KZ-55", pgettext_lazy("region", "Pavlodar Region")),
    ("KZ-59", pgettext_lazy("region", "North Kazakhstan Region")),
    ("KZ-61", pgettext_lazy("region", "Turkistan Region")),
    ("KZ-62", pgettext_lazy("region", "Ulytau Region")),
    ("KZ-63", pgettext_lazy("region", "East Kazakhstan Region")),
    ("KZ-71", pgettext_lazy("region", "Astana")),
    ("KZ-75", pgettext_lazy("region", "Almaty")),
    ("KZ-79", pgettext_lazy("region", "Shymkent")),
]
CODES = frozenset(code for code, _name in REGIONS)
# The longest code, for the column.
MAX_LENGTH = max(len(code) for code in CODES)


@lru_cache(maxsize=8)
def region_choices(language: str) -> tuple[tuple[str, str], ...]:
    """The regions named in `language`, in the order of that language's alphabet."""
    with override(language):
        named = [(code, str(name)) for code, name in REGIONS]
    return tuple(sorted(named, key=lambda choice: choice[1].casefold()))


def region_name(code: str, language: str) -> str:
    """The region's name in `language`, or "" for no region or a code no longer in the list."""
    return dict(region_choices(language)).get(code, "")
