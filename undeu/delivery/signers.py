"""Who signed, as the delivery package may tell it: counts for everyone, names only with consent.

A signer who ticked "show my name" is named as the petition page names them (first name and
initial); nobody else is named, and no email address ever leaves the site in a package.
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count

from undeu.petitions.models import Petition
from undeu.petitions.text import fold
from undeu.signatures.models import Signature, SignatureState


def confirmed(petition: Petition):
    return Signature.objects.filter(petition=petition, state=SignatureState.CONFIRMED)


def shown_name(signature: Signature) -> str:
    """The name a signer agreed to show (as on the petition page), or "" without consent."""
    return signature.public_name if signature.show_name else ""


@dataclass(frozen=True)
class PlaceCount:
    country: str
    city: str  # "" when not given
    count: int


@dataclass(frozen=True)
class SignerSummary:
    total: int
    named_count: int
    by_country: list[tuple[str, int]]  # (country code, count), most first
    by_city: list[PlaceCount]  # most first

    @property
    def unnamed_count(self) -> int:
        return self.total - self.named_count


def summarise(petition: Petition) -> SignerSummary:
    """Counts by country and by city in two grouped queries. Cities are typed by signers, so
    spellings that differ only in case or spacing are one place, under its commonest spelling."""
    rows = (
        confirmed(petition)
        .values("country", "city", "show_name")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_country: Counter[str] = Counter()
    places: dict[tuple[str, str], Counter[str]] = {}
    named = 0
    for row in rows:
        country, city, n = str(row["country"]), row["city"].strip(), row["n"]
        by_country[country] += n
        places.setdefault((country, fold(" ".join(city.split()))), Counter())[city] += n
        if row["show_name"]:
            named += n
    by_city = [
        PlaceCount(country, spellings.most_common(1)[0][0], sum(spellings.values()))
        for (country, _), spellings in places.items()
    ]
    by_city.sort(key=lambda place: (-place.count, place.country, place.city))
    return SignerSummary(
        total=sum(by_country.values()),
        named_count=named,
        by_country=sorted(by_country.items(), key=lambda item: (-item[1], item[0])),
        by_city=by_city,
    )


def named_signers(petition: Petition) -> Iterator[tuple[str, str]]:
    """(name, city) of the signers who agreed to be named, in the order they confirmed."""
    signatures = (
        confirmed(petition)
        .filter(show_name__in=[True])  # an equality SQLite can use in the index (petitions/page)
        .order_by("confirmed_at", "id")
        .only("full_name", "city", "show_name")
    )
    for signature in signatures.iterator(chunk_size=2000):
        yield shown_name(signature), signature.city.strip()


def all_signers(petition: Petition) -> Iterator[Signature]:
    """Every confirmed signature in the order they confirmed, without what a package must not
    carry (emails)."""
    return (
        confirmed(petition)
        .order_by("confirmed_at", "id")
        .only("full_name", "city", "country", "show_name", "confirmed_at")
        .iterator(chunk_size=2000)
    )
