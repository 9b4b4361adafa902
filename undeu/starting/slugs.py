"""A petition's address from its title: Kazakh and Russian Cyrillic spelled in Latin letters, so
the link reads the same in every script, messenger and SMS, and unique with a number suffix."""

import secrets

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from undeu.petitions.models import Petition

# Russian letters as in common Latin spellings (passport-style, readable), and the Kazakh letters
# as in the 2021 Kazakh Latin alphabet, without its diacritics (ä→a, ğ→g, ñ→n, ö→o, ū/ü→u, ı→i).
_CYRILLIC_TO_LATIN = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    # Kazakh
    "ә": "a",
    "ғ": "g",
    "қ": "q",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "і": "i",
}
_TABLE = str.maketrans(_CYRILLIC_TO_LATIN)
BASE_LENGTH = 60  # Petition.slug holds 80: room for a suffix
FALLBACK = "petition"


def transliterate(text: str) -> str:
    return text.lower().translate(_TABLE)


def slug_base(title: str) -> str:
    """ "Саябақты сақтайық!" -> "sayabaqty-saqtayyq"; cut at a word boundary."""
    slug = slugify(transliterate(title))
    if len(slug) > BASE_LENGTH:
        slug = slug[:BASE_LENGTH].rsplit("-", 1)[0] or slug[:BASE_LENGTH]
    return slug.strip("-") or FALLBACK


def _first_free(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def save_with_unique_slug(petition: Petition, title: str, *, update_fields=None) -> Petition:
    """Save the petition under a free slug made from `title`.

    The unique constraint is the judge: two drafts with the same title saved at once both pick
    "x-2", one insert fails, and that one tries again with what is taken now.
    """
    base = slug_base(title)
    for _attempt in range(5):
        taken = set(
            Petition.objects.filter(slug__startswith=base)
            .exclude(pk=petition.pk)
            .values_list("slug", flat=True)
        )
        petition.slug = _first_free(base, taken)
        try:
            with transaction.atomic():
                petition.save(update_fields=update_fields)
            return petition
        except IntegrityError:
            continue
    petition.slug = f"{base}-{secrets.token_hex(3)}"
    petition.save(update_fields=update_fields)
    return petition
