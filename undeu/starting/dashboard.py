"""What a starter sees about each of their petitions: its state, its count, signatures per day,
where signers are, and what to do next."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from undeu.core.l10n import country_name
from undeu.petitions.models import PUBLIC_STATES, Petition, PetitionState
from undeu.petitions.text import fold
from undeu.signatures.counting import current_count
from undeu.signatures.models import Signature, SignatureState
from undeu.starting.chart import Chart, bar_chart
from undeu.starting.deadlines import end_of_day
from undeu.starting.steps import resume_url

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
    chart: Chart | None = None
    countries: list[tuple[str, int]] = field(default_factory=list)
    cities: list[tuple[str, int]] = field(default_factory=list)
    next_steps: list[NextStep] = field(default_factory=list)


def _confirmed(petition: Petition):
    return Signature.objects.filter(petition=petition, state=SignatureState.CONFIRMED)


def signatures_per_day(petition: Petition, *, days: int = CHART_DAYS) -> list[tuple]:
    """Confirmed signatures by day (in the site's time zone) over the petition's last `days`
    days: up to today, or up to the day it closed."""
    zone = timezone.get_current_timezone()
    end = timezone.localdate(petition.closed_at) if petition.closed_at else timezone.localdate()
    start = end - datetime.timedelta(days=days - 1)
    if petition.published_at:
        start = max(start, min(end, timezone.localdate(petition.published_at)))
    rows = (
        _confirmed(petition)
        .filter(confirmed_at__gte=end_of_day(start - datetime.timedelta(days=1)))
        .annotate(day=TruncDate("confirmed_at", tzinfo=zone))
        .filter(day__gte=start, day__lte=end)
        .values("day")
        .annotate(n=Count("id"))
    )
    counts = {row["day"]: row["n"] for row in rows}
    span = (end - start).days + 1
    return [
        (day, counts.get(day, 0))
        for day in (start + datetime.timedelta(days=i) for i in range(span))
    ]


def signatures_by_country(petition: Petition) -> list[tuple[str, int]]:
    rows = (
        _confirmed(petition)
        .values("country")
        .annotate(n=Count("id"))
        .order_by("-n", "country")[:PLACES_SHOWN]
    )
    return [(country_name(row["country"]), row["n"]) for row in rows]


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
        summary.chart = bar_chart(signatures_per_day(petition))
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
