"""Petitions as the public API and the open data show them: what a petition's page shows
everyone, and aggregate counts. Nothing here reads a signature row: counts come from the count
shards (signatures/counting.py) and the tallies (stats/tallies.py), so a petition costs the same
at 10 million signatures as at 10.
"""

from django.db.models import Prefetch

from undeu.delivery.thresholds import configured, standing_thresholds
from undeu.petitions.goals import next_goal, progress_percent
from undeu.petitions.models import Petition, PetitionVersion, Target
from undeu.petitions.views import matching_petitions
from undeu.signatures.counting import current_count, current_counts
from undeu.stats.tallies import by_country, by_region

SORTS = {
    "popular": ("-signature_count", "-published_at", "-id"),
    "newest": ("-published_at", "-id"),
}


def with_versions(petitions):
    """Versions and targets in two queries for a whole page, without the rendered bodies a list
    does not show."""
    return petitions.prefetch_related(
        Prefetch(
            "versions",
            queryset=PetitionVersion.objects.only("petition_id", "language", "title", "demand"),
        ),
        "targets",
    )


def filtered(*, state=None, language=None, target=None, outcome=None, q=None, sort="popular"):
    """The public petitions matching the API's filters (each already validated), in order."""
    petitions = Petition.objects.public()
    if state:
        petitions = petitions.filter(state=state)
    if language:
        petitions = petitions.filter(
            pk__in=PetitionVersion.objects.filter(language=language).values("petition_id")
        )
    if target:
        petitions = petitions.filter(
            pk__in=Target.objects.filter(name__icontains=target).values("petition_id")
        )
    if outcome:
        petitions = petitions.filter(outcome=outcome)
    if q is not None and q.strip():
        petitions = matching_petitions(petitions, q)
    return petitions.order_by(*SORTS[sort])


def page_url(petition: Petition, base_url: str) -> str:
    return f"{base_url}/{petition.primary_language}/p/{petition.slug}/"


def _versions(petition: Petition) -> list:
    # Primary first, then the others in a stable order.
    return sorted(
        petition.versions.all(),
        key=lambda v: (v.language != petition.primary_language, v.language),
    )


def summary(petition: Petition, count: int, base_url: str) -> dict:
    versions = _versions(petition)
    return {
        "id": petition.pk,
        "slug": petition.slug,
        "url": page_url(petition, base_url),
        "state": petition.state,
        "primary_language": petition.primary_language,
        "languages": [v.language for v in versions],
        "versions": [
            {"language": v.language, "title": v.title, "demand": v.demand} for v in versions
        ],
        "count": count,
        "published_at": petition.published_at,
        "closed_at": petition.closed_at,
        "deadline": petition.deadline,
        "outcome": petition.outcome or None,
    }


def summaries(petitions, base_url: str) -> list[dict]:
    """Summaries of a page of petitions: their counts in one cache round trip."""
    petitions = list(with_versions(petitions))
    counts = current_counts(p.pk for p in petitions)
    return [summary(p, counts[p.pk], base_url) for p in petitions]


def thresholds(petition: Petition, count: int) -> list[dict]:
    standing = standing_thresholds(petition) if configured() else {}
    return [
        {
            "name": threshold.name,
            "signatures": threshold.signatures,
            "reached": count >= threshold.signatures,
            "reached_at": standing[threshold.name].reached_at
            if threshold.name in standing
            else None,
        }
        for threshold in configured()
    ]


def detail(petition: Petition, base_url: str, *, count: int | None = None) -> dict:
    """Everything public about one petition, with addresses under `base_url` (the site's
    origin). `count` is given by a caller that has it."""
    if count is None:
        count = current_count(petition.pk)
    versions = _versions(petition)
    data = summary(petition, count, base_url)
    data["versions"] = [
        {
            "language": v.language,
            "title": v.title,
            "demand": v.demand,
            "body": v.body,
            "body_html": v.body_html,
        }
        for v in versions
    ]
    data.update(
        {
            "starter_name": petition.starter_name,
            "targets": [
                {"name": t.name, "role": t.role, "language": t.language}
                for t in petition.targets.all()
            ],
            "image_url": f"{base_url}{petition.image.url}" if petition.image else None,
            "video_url": petition.video_url or None,
            "created_at": petition.created_at,
            "updated_at": petition.updated_at,
            "counts_by_country": by_country(petition.pk),
            "counts_by_region": by_region(petition.pk),
            "goal": next_goal(count),
            "progress": progress_percent(count),
            "thresholds": thresholds(petition, count),
            "result": {
                "result": petition.outcome or None,
                "text": petition.outcome_text,
                "recorded_at": petition.outcome_at,
                "delivered_at": petition.delivered_at,
            },
        }
    )
    return data


def count_only(petition_id: int) -> dict:
    count = current_count(petition_id)
    return {"count": count, "goal": next_goal(count), "progress": progress_percent(count)}
