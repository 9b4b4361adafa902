"""The steps of writing a petition, in order, and where to resume a draft."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from undeu.petitions.models import Petition

STEPS = (
    ("what", _("What you ask")),
    ("why", _("Why")),
    ("targets", _("Decision-makers")),
    ("versions", _("Languages")),
    ("image", _("Image")),
    ("details", _("Video and deadline")),
    ("review", _("Review and submit")),
)


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    url: str
    done: bool
    current: bool


def _done(petition: Petition) -> dict[str, bool]:
    versions = list(petition.versions.all())
    primary = next((v for v in versions if v.language == petition.primary_language), None)
    return {
        "what": primary is not None and bool(primary.title and primary.demand),
        "why": primary is not None and bool(primary.body),
        "targets": bool(petition.targets.all()),
        "versions": bool(versions) and all(v.title and v.demand and v.body for v in versions),
        "image": bool(petition.image),
        "details": bool(petition.video_url or petition.deadline),
        "review": False,
    }


def wizard_steps(petition: Petition | None, current: str) -> list[Step]:
    if petition is None:
        start = reverse("starting:start")
        return [
            Step(name, str(label), start if name == "what" else "", False, name == current)
            for name, label in STEPS
        ]
    done = _done(petition)
    return [
        Step(
            name,
            str(label),
            reverse(f"starting:{name}", args=[petition.pk]),
            done[name],
            name == current,
        )
        for name, label in STEPS
    ]


def resume_url(petition: Petition) -> str:
    """The first required step still to do, else the review."""
    done = _done(petition)
    for name in ("what", "why", "targets"):
        if not done[name]:
            return reverse(f"starting:{name}", args=[petition.pk])
    return reverse("starting:review", args=[petition.pk])
