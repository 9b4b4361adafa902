"""The updates shown on a petition page: newest first, in the reader's language."""

from undeu.petitions.models import Petition
from undeu.updates.models import Update, UpdateText

SHOWN = 20


def updates_for_page(petition: Petition, language: str) -> list[UpdateText]:
    """One text per update (the reader's language, else the primary one, else any), newest
    first, in one query."""
    newest = Update.objects.filter(petition=petition).order_by("-created_at", "-id")[:SHOWN]
    texts = (
        UpdateText.objects.filter(update_id__in=newest.values("id"))
        .select_related("update")
        .order_by("-update__created_at", "-update_id", "language")
    )
    by_update: dict[int, dict[str, UpdateText]] = {}
    for text in texts:
        by_update.setdefault(text.update_id, {})[text.language] = text
    return [
        versions.get(language)
        or versions.get(petition.primary_language)
        or next(iter(versions.values()))
        for versions in by_update.values()
    ]
