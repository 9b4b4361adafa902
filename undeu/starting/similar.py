"""Public petitions that look like the one being written, shown before it is submitted so a
starter can join an existing petition instead of splitting the signatures.

It uses the site's search (the folded `search_text` of each version, matched with `contains`, as
the petition list does), but sharing two of the title's words is enough; the more, the higher.
Words are cut to their first letters, so Kazakh and Russian endings ("парк", "парка", "парке";
"саябақ", "саябақты") still match; short words ("и", "для", "мен") are left out.
"""

from django.db.models import Case, Q, Value, When

from undeu.petitions.models import PUBLIC_STATES, Petition, PetitionVersion
from undeu.petitions.text import search_terms

MAX_SHOWN = 5
MIN_WORD = 4
STEM = 6
MAX_CANDIDATES = 20


def _stems(texts) -> list[str]:
    stems = []
    for text in texts:
        for term in search_terms(text, limit=20):
            if len(term) >= MIN_WORD and term[:STEM] not in stems:
                stems.append(term[:STEM])
    return stems[:10]


def similar_petitions(petition: Petition) -> list[Petition]:
    """Up to MAX_SHOWN public petitions sharing at least two title words (or the only one)."""
    stems = _stems(version.title for version in petition.versions.all())
    if not stems:
        return []
    needed = min(2, len(stems))
    any_stem = Q()
    score = Value(0)
    for stem in stems:
        any_stem |= Q(search_text__contains=stem)
        score += Case(When(search_text__contains=stem, then=Value(1)), default=Value(0))
    ranked = (
        PetitionVersion.objects.filter(any_stem, petition__state__in=PUBLIC_STATES)
        .exclude(petition=petition)
        .annotate(score=score)
        .filter(score__gte=needed)
        .order_by("-score", "-petition__signature_count", "petition_id")
        .values_list("petition_id", "score")[:MAX_CANDIDATES]
    )
    scores: dict[int, int] = {}
    for petition_id, version_score in ranked:
        scores[petition_id] = max(version_score, scores.get(petition_id, 0))
    petitions = Petition.objects.filter(pk__in=scores).prefetch_related("versions")
    return sorted(petitions, key=lambda p: (-scores[p.pk], -p.signature_count, p.pk))[:MAX_SHOWN]
