"""A small world for the public API and the open data: a petition in every state, confirmed
signers whose personal data must never come out, and hostile strings everywhere."""

from dataclasses import dataclass

from django.utils import timezone

from tests.conftest import HOSTILE, signature_request
from undeu.delivery.thresholds import record_thresholds
from undeu.petitions.models import Outcome, Petition, PetitionState, PetitionVersion
from undeu.signatures.confirming import confirm
from undeu.signatures.counting import refresh_sort_counts
from undeu.signatures.models import Signature
from undeu.signatures.signing import sign
from undeu.stats import tallying

# What the signers typed: none of it may appear in any answer of the API or in the open data.
SIGNERS = [
    ("Маржан Ахметова", "marzhan.akhmetova@example.com", "Қарағанды", "KZ", "KZ-75"),
    ("Nurlan Bekov", "nurlan.bekov@example.org", "Moscow <b>city</b>", "RU", ""),
    ("Зарина Ержанова", "zarina@example.net", "Талдықорған", "KZ", "KZ-19"),
]


def personal_strings() -> list[str]:
    """Every name, email, city and address of the signers of the world, and the public form of
    their names ("Маржан А.") a petition's page would show."""
    found = []
    for signature in Signature.objects.all():
        found += [signature.full_name, signature.email, signature.public_name, signature.city]
        found += [signature.email.split("@")[0]]
        if signature.ip_address:
            found.append(signature.ip_address)
    return [value for value in found if value and len(value) > 3]


@dataclass
class ApiWorld:
    open: Petition
    closed: Petition
    hostile: Petition
    draft: Petition
    submitted: Petition
    rejected: Petition
    removed: Petition


def make_api_world(make_petition, settings) -> ApiWorld:
    settings.UNDEU_THRESHOLDS = [(2, "response"), (1000, "debate")]
    now = timezone.now()
    park = make_petition("park", languages=("kk", "ru", "en"))
    closed = make_petition(
        "river",
        languages=("ru",),
        state=PetitionState.CLOSED,
        closed_at=now - timezone.timedelta(days=1),
        delivered_at=now - timezone.timedelta(hours=20),
        outcome=Outcome.VICTORY,
        outcome_text=f"Акимат согласился {HOSTILE}",
        outcome_at=now - timezone.timedelta(hours=10),
    )
    hostile = make_petition("formula", languages=("en",))
    for version in PetitionVersion.objects.filter(petition=hostile):
        version.title = '=HYPERLINK("http://evil.example","x")'
        version.demand = "+1 @SUM(1+1) -2"
        version.save()
    draft = make_petition("secret-draft", state=PetitionState.DRAFT)
    submitted = make_petition("waiting", state=PetitionState.SUBMITTED)
    rejected = make_petition("refused", state=PetitionState.REJECTED, moderation_reason="spam")
    removed = make_petition("taken-down", state=PetitionState.REMOVED, moderation_reason="spam")
    for petition in (draft, submitted, rejected, removed):
        PetitionVersion.objects.filter(petition=petition).update(title=f"Hidden {petition.slug}")

    for index, (name, email, city, country, region) in enumerate(SIGNERS):
        for petition in (park, closed)[: 2 if index < 2 else 1]:
            request = signature_request(
                email, full_name=name, city=city, country=country, region=region, show_name=True
            )
            sign(petition.pk, request, base_url="http://testserver")
            # Before the petition closed, as it would have been.
            Petition.objects.filter(pk=closed.pk).update(state=PetitionState.OPEN)
            confirm(Signature.objects.for_email(email).get(petition=petition))
            Petition.objects.filter(pk=closed.pk).update(state=PetitionState.CLOSED)
    record_thresholds()
    refresh_sort_counts()
    tallying.catch_up()
    return ApiWorld(park, closed, hostile, draft, submitted, rejected, removed)
