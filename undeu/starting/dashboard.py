"""What a starter sees about each of their petitions: its state, its count, signatures per hour
and per day and by country (from the statistics' tallies), cities, and what to do next."""

from dataclasses import dataclass, field

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from undeu.core.l10n import country_name
from undeu.petitions.models import PUBLIC_STATES, Petition, PetitionState
from undeu.petitions.text import fold
from undeu.signatures.counting import current_count
from undeu.signatures.models import Signature, SignatureState
from undeu.starting.steps import resume_url
from undeu.stats import pages as stats_pages
from undeu.stats import tallies
from undeu.stats.charts import TimeChart

CHART_DAYS = 30
PLACES_SHOWN = 10


@dataclass
class NextStep:
    text: str
    url: str = ""
    link_text: str = ""


@dataclass
class PetitionSummary:
    petition: Petition
    title: str
    language: str
    count: int = 0
    charts: list[TimeChart] = field(default_factory=list)
    countries: list[tuple[str, int]] = field(default_factory=list)
    cities: list[tuple[str, int]] = field(default_factory=list)
    next_steps: list[NextStep] = field(default_factory=list)


def _confirmed(petition: Petition):
    return Signature.objects.filter(petition=petition, state=SignatureState.CONFIRMED)


def signatures_by_country(petition: Petition) -> list[tuple[str, int]]:
    """The first countries by counted signatures, from the tallies (no count of signatures)."""
    counts = list(tallies.by_country(petition.pk).items())[:PLACES_SHOWN]
    return [(country_name(code), count) for code, count in counts]


def signatures_by_city(petition: Petition) -> list[tuple[str, int]]:
    """Cities and regions as signers typed them, counted without regard to case or spacing
    (in Python: SQLite's LOWER() folds only ASCII letters); shown in their most common spelling."""
    rows = _confirmed(petition).exclude(city="").values("city").annotate(n=Count("id"))
    places: dict[str, dict[str, int]] = {}
    for row in rows:
        key = " ".join(fold(row["city"]).split())
        places.setdefault(key, {})[row["city"]] = row["n"]
    totals = [
        (max(spellings.items(), key=lambda item: (item[1], item[0]))[0], sum(spellings.values()))
        for spellings in places.values()
    ]
    return sorted(totals, key=lambda item: (-item[1], item[0]))[:PLACES_SHOWN]


def manage_url(petition: Petition) -> str:
    """The petition's management page (updates, closing, delivery), built by another app."""
    return reverse("petitions:detail", args=[petition.slug]) + "manage/"


def next_steps(petition: Petition) -> list[NextStep]:
    state = petition.state
    if state == PetitionState.DRAFT:
        return [
            NextStep(
                _("Finish your draft and submit it for review."),
                resume_url(petition),
                _("Continue writing"),
            )
        ]
    if state == PetitionState.SUBMITTED:
        return [
            NextStep(
                _(
                    "Wait for moderation. A moderator checks every petition before it is "
                    "published; we will email you when it is decided."
                )
            )
        ]
    if state == PetitionState.OPEN:
        return [
            NextStep(
                _("Share your petition: every signature starts with someone seeing the link."),
                reverse("petitions:detail", args=[petition.slug]),
                _("Open the petition page"),
            ),
            NextStep(
                _("Post an update to tell signers what is happening."),
                manage_url(petition),
                _("Manage the petition"),
            ),
            NextStep(
                _("Add or improve a language version."),
                reverse("starting:versions", args=[petition.pk]),
                _("Language versions"),
            ),
        ]
    if state == PetitionState.CLOSED:
        return [
            NextStep(
                _("Deliver the signatures to the decision-makers and record their answer."),
                manage_url(petition),
                _("Manage the petition"),
            )
        ]
    if state == PetitionState.REJECTED:
        return [NextStep(_("The moderators did not publish this petition."))]
    return [NextStep(_("The moderators took this petition down."))]


def summarise(petition: Petition) -> PetitionSummary:
    language = get_language()
    version = petition.version_for(language) if petition.versions_by_language else None
    summary = PetitionSummary(
        petition=petition,
        title=version.title if version else "",
        language=version.language if version else language,
        next_steps=next_steps(petition),
    )
    if petition.state in PUBLIC_STATES:
        summary.count = current_count(petition.pk)
        summary.charts = [
            stats_pages.hours_chart(petition, chart_id=f"hours-{petition.pk}"),
            stats_pages.days_chart(petition, chart_id=f"days-{petition.pk}", days=CHART_DAYS),
        ]
        summary.countries = signatures_by_country(petition)
        summary.cities = signatures_by_city(petition)
    return summary


def starter_petitions(user) -> list[PetitionSummary]:
    petitions = (
        Petition.objects.filter(starter=user)
        .prefetch_related("versions", "targets")
        .order_by("-created_at", "-id")
    )
    return [summarise(petition) for petition in petitions]
