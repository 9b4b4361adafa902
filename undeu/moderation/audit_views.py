"""The audit log for moderators: who did what, when and why; latest first."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from undeu.audit.models import AuditEntry
from undeu.moderation.access import moderator_required

PER_PAGE = 50
ACTION_LABELS = {
    "petition.submit": _("Submitted for review"),
    "petition.approve": _("Approved"),
    "petition.reject": _("Rejected"),
    "petition.restore": _("Put back in the queue"),
    "petition.take_down": _("Taken down"),
    "petition.close": _("Closed"),
    "abuse_report.dismiss": _("Abuse report dismissed"),
    "abuse_report.acted": _("Abuse reports acted on"),
    "datarights.link_requested": _("A signer asked for a link to their signatures"),
    "datarights.link_opened": _("A signer opened the link to their signatures"),
    "datarights.downloaded": _("A signer downloaded their data"),
    "datarights.withdrawn": _("A signer withdrew their signature"),
    "datarights.emails_stopped": _("A signer stopped all emails"),
    "datarights.emails_allowed": _("A signer allowed emails again"),
    "datarights.erased": _("A signer erased their data"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@require_GET
@moderator_required
def audit_log(request):
    slug = request.GET.get("petition", "").strip()[:80]
    entries = AuditEntry.objects.select_related("actor", "petition")
    if slug:
        entries = entries.filter(petition__slug=slug)
    page = Paginator(entries.order_by("-at", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    for entry in page:
        entry.action_label = action_label(entry.action)
    return render(request, "moderation/audit_log.html", {"page": page, "slug": slug})
