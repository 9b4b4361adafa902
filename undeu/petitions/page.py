"""What a petition page shows, gathered in one place for the page, the sign form's errors and
the all-versions view."""

from django.conf import settings
from django.utils.translation import get_language, ngettext

from undeu.core.l10n import localised_number
from undeu.defence.modes import SIGNING_PAUSED, effective_mode
from undeu.delivery.thresholds import threshold_context
from undeu.petitions.goals import next_goal, progress_percent
from undeu.petitions.models import DefenceMode, Petition
from undeu.petitions.video import video_embed
from undeu.signatures.counting import current_count, fresh_count
from undeu.signatures.models import Signature, SignatureState
from undeu.stats.pages import petition_summary
from undeu.updates.page import updates_for_page


def recent_signers(petition: Petition) -> list[Signature]:
    if not settings.UNDEU_RECENT_SIGNERS:
        return []
    # show_name__in, not show_name=True: on SQLite Django writes the latter as a bare
    # `"show_name"`, which SQLite cannot match to the index's third column, so it would sort
    # every confirmed signature of the petition (3 s at 10 million); `IN (1)` is an equality.
    return list(
        Signature.objects.filter(
            petition=petition, state=SignatureState.CONFIRMED, show_name__in=[True]
        )
        .order_by("-confirmed_at")
        .only("full_name", "city", "country", "confirmed_at")[: settings.UNDEU_RECENT_SIGNERS]
    )


def count_sentence(count: int, goal: int) -> str:
    return ngettext(
        "%(count)s person has signed. Let’s get to %(goal)s.",
        "%(count)s people have signed. Let’s get to %(goal)s.",
        count,
    ) % {"count": localised_number(count), "goal": localised_number(goal)}


def count_context(petition: Petition, *, fresh: bool = False) -> dict:
    count = fresh_count(petition.pk) if fresh else current_count(petition.pk)
    goal = next_goal(count)
    return {
        "count": count,
        "goal": goal,
        "progress": progress_percent(count),
        "count_text": count_sentence(count, goal),
    }


def targets_for(petition: Petition, language: str) -> list:
    targets = list(petition.targets.all())
    chosen = [t for t in targets if t.language in ("", language)]
    return chosen or [t for t in targets if t.language in ("", petition.primary_language)]


def petition_context(petition: Petition, requested_version: str | None = None) -> dict:
    language = get_language()
    versions = petition.versions_by_language
    wanted = requested_version if requested_version in versions else language
    version = petition.version_for(wanted)
    counts = count_context(petition)
    return {
        "petition": petition,
        "version": version,
        "other_versions": [v for code, v in sorted(versions.items()) if code != version.language],
        "version_is_interface_language": version.language == language,
        "targets": targets_for(petition, version.language),
        "video": video_embed(petition.video_url) if petition.video_url else None,
        "recent_signers": recent_signers(petition),
        "updates": updates_for_page(petition, language),
        # Signatures per day, small: the charts and the map are on the statistics page.
        "stats_summary": petition_summary(petition),
        # The "under attack" switch can pause signing: the page stays, the form gives way to why.
        "signing_paused": SIGNING_PAUSED
        if petition.is_open and effective_mode(petition.defence) == DefenceMode.PAUSED
        else "",
        **counts,
        **threshold_context(petition, counts["count"]),
    }
