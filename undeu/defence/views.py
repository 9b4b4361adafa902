"""The moderators' defence pages: alerts, a petition's flagged signatures and its "under attack"
switch, bulk actions with a preview, progress, cancel and undo, and the site-wide switch.

Pages for logged-in moderators with two factors: Django's CSRF token protects the forms and
nothing here is cached. A preview is a GET (criteria in the query string) and changes nothing.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from undeu.audit.log import record
from undeu.defence import bulk, criteria, modes
from undeu.defence.forms import CriteriaForm, ModeForm, RunForm
from undeu.defence.models import Alert, BulkAction
from undeu.moderation.access import moderator_required
from undeu.moderation.views import see_other
from undeu.petitions.models import PUBLIC_STATES, Petition
from undeu.privacy.access import can_view_signer_data, log_view
from undeu.signatures.models import Signature, SignatureState
from undeu.signatures.transitions import accept_flagged

PER_PAGE = 50
FLAGGED_SHOWN = 50


def _public_petition(slug: str) -> Petition:
    return get_object_or_404(
        Petition.objects.filter(state__in=PUBLIC_STATES).prefetch_related("versions"), slug=slug
    )


@require_GET
@moderator_required
def alerts(request):
    open_first = Case(
        When(status=Alert.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    listed = (
        Alert.objects.annotate(open_first=open_first)
        .select_related("petition", "handled_by")
        .prefetch_related("petition__versions")
        .order_by("open_first", "-created_at", "-pk")
    )
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "defence/alerts.html",
        {
            "page": page,
            "open_count": Alert.objects.filter(status=Alert.Status.OPEN).count(),
            "site_mode": modes.site_mode(),
        },
    )


@require_GET
@moderator_required
def alert(request, alert_id):
    found = get_object_or_404(
        Alert.objects.select_related("petition", "handled_by").prefetch_related(
            "petition__versions"
        ),
        pk=alert_id,
    )
    query = urlencode({**found.evidence.get("criteria", {}), "alert": found.pk})
    return render(
        request,
        "defence/alert.html",
        {
            "alert": found,
            "by_hour": found.evidence.get("by_hour", []),
            "states": _state_labels(found.evidence.get("states", {})),
            "related": found.evidence.get("related", []),
            "bulk_url": reverse("defence:bulk", kwargs={"slug": found.petition.slug}) + f"?{query}",
        },
    )


def _state_labels(states: dict) -> list[tuple[str, int]]:
    labels = dict(SignatureState.choices)
    return [(labels.get(state, state), n) for state, n in sorted(states.items())]


@require_POST
@moderator_required
def dismiss_alert(request, alert_id):
    found = get_object_or_404(Alert.objects.select_related("petition"), pk=alert_id)
    with transaction.atomic():
        dismissed = Alert.objects.filter(pk=found.pk, status=Alert.Status.OPEN).update(
            status=Alert.Status.DISMISSED, handled_by=request.user, handled_at=timezone.now()
        )
        if dismissed:
            record(
                "defence.alert_dismissed",
                actor=request.user,
                petition=found.petition,
                alert=found.pk,
                dimension=found.dimension,
                value=found.value,
            )
    if dismissed:
        messages.success(request, _("The alert was dismissed."))
    else:
        messages.info(request, _("Another moderator handled this alert already."))
    return see_other(reverse("defence:alerts"))


@require_http_methods(["GET", "POST"])
@moderator_required
def petition_defence(request, slug):
    """A petition's flagged signatures, its bulk actions and its "under attack" switch."""
    petition = _public_petition(slug)
    form = ModeForm(request.POST or None, initial={"mode": petition.defence}, prefix="mode")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if modes.set_petition_mode(
            petition, data["mode"], actor=request.user, reason=data["reason"]
        ):
            messages.success(request, _("The petition’s mode was changed."))
        return see_other(request.path)
    flagged = Signature.objects.filter(petition=petition, state=SignatureState.FLAGGED)
    shown = list(flagged.order_by("-pk")[:FLAGGED_SHOWN])
    return render(
        request,
        "defence/petition.html",
        {
            "petition": petition,
            "mode_form": form,
            "site_mode": modes.site_mode(),
            "effective_mode": modes.effective_mode(petition.defence),
            "flagged_count": flagged.count(),
            "flagged": shown,
            "show_signer_data": _signer_data_shown(request, "defence.petition", petition, shown),
            "actions": petition.bulk_actions.select_related("created_by")[:20],
            "alerts": petition.alerts.filter(status=Alert.Status.OPEN)[:20],
        },
        status=400 if form.is_bound else 200,
    )


def _signer_data_shown(request, page: str, petition, signatures) -> bool:
    """Whether this moderator sees signers' names and emails (logged when they do) or only
    their initials and email domains."""
    if not can_view_signer_data(request.user):
        return False
    if signatures:
        log_view(
            request.user,
            what=page,
            petition=petition,
            signature_ids=[signature.pk for signature in signatures],
        )
    return True


@require_POST
@moderator_required
def accept_signature(request, slug, signature_id):
    petition = _public_petition(slug)
    signature = get_object_or_404(
        Signature, pk=signature_id, petition=petition, state=SignatureState.FLAGGED
    )
    with transaction.atomic():
        if accept_flagged(petition.pk, [signature.pk]):
            record(
                "signature.accepted", actor=request.user, petition=petition, signature=signature.pk
            )
    messages.success(request, _("The signature was accepted."))
    return see_other(reverse("defence:petition", kwargs={"slug": petition.slug}))


@require_GET
@moderator_required
def bulk_page(request, slug):
    """The criteria form; with criteria given, what they match (a preview) and the run form."""
    petition = _public_petition(slug)
    form = CriteriaForm(request.GET or None)
    context = {"petition": petition, "form": form, "alert_id": _alert_id(request.GET)}
    status = 200
    if form.is_bound and form.is_valid():
        chosen = form.criteria()
        if chosen:
            kind = (
                BulkAction.Kind.ACCEPT if chosen.get("flagged_only") else BulkAction.Kind.INVALIDATE
            )
            sample = criteria.sample(
                petition.pk, chosen, states=bulk.STATES[BulkAction.Kind.INVALIDATE]
            )
            context.update(
                criteria=chosen,
                preview=bulk.preview(petition, BulkAction.Kind.INVALIDATE, chosen),
                flagged_preview=bulk.preview(petition, BulkAction.Kind.ACCEPT, chosen),
                sample=sample,
                show_signer_data=_signer_data_shown(request, "defence.bulk", petition, sample),
                run_form=RunForm(initial={"kind": kind}),
                query=request.GET.urlencode(),
            )
        else:
            context["no_criteria"] = True
    elif form.is_bound:
        status = 400
    return render(request, "defence/bulk.html", context, status=status)


def _alert_id(data) -> int | None:
    value = data.get("alert", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


@require_POST
@moderator_required
def bulk_start(request, slug):
    petition = _public_petition(slug)
    form = CriteriaForm(request.GET)
    run_form = RunForm(request.POST)
    if not (form.is_valid() and form.criteria()) or not run_form.is_valid():
        context = {"petition": petition, "form": form, "run_form": run_form, "error": True}
        if form.is_valid() and form.criteria():
            chosen = form.criteria()
            context.update(
                criteria=chosen,
                preview=bulk.preview(petition, BulkAction.Kind.INVALIDATE, chosen),
                flagged_preview=bulk.preview(petition, BulkAction.Kind.ACCEPT, chosen),
                query=request.GET.urlencode(),
            )
        return render(request, "defence/bulk.html", context, status=400)
    alert_id = _alert_id(request.GET)
    with transaction.atomic():
        action = bulk.start(
            petition,
            run_form.cleaned_data["kind"],
            form.criteria(),
            actor=request.user,
            reason=run_form.cleaned_data["reason"],
        )
        if alert_id is not None:
            Alert.objects.filter(pk=alert_id, petition=petition, status=Alert.Status.OPEN).update(
                status=Alert.Status.ACTED, handled_by=request.user, handled_at=timezone.now()
            )
    return see_other(reverse("defence:action", kwargs={"action_id": action.pk}))


def _action(action_id: int) -> BulkAction:
    return get_object_or_404(
        BulkAction.objects.select_related("petition", "created_by", "undone_by").prefetch_related(
            "petition__versions"
        ),
        pk=action_id,
    )


@require_GET
@moderator_required
def action_page(request, action_id):
    action = _action(action_id)
    done = action.restored if action.state in ("undoing", "undone") else action.examined
    total = action.changed if action.state in ("undoing", "undone") else action.expected
    return render(
        request,
        "defence/action.html",
        {
            "action": action,
            "progress_done": min(done, total),
            "progress_total": max(total, 1),
        },
    )


@require_POST
@moderator_required
def action_cancel(request, action_id):
    action = _action(action_id)
    if bulk.cancel(action, actor=request.user):
        messages.success(request, _("The action will stop after the batch it is doing."))
    else:
        messages.info(request, _("The action is not running any more."))
    return see_other(reverse("defence:action", kwargs={"action_id": action.pk}))


@require_POST
@moderator_required
def action_undo(request, action_id):
    action = _action(action_id)
    if bulk.undo(action, actor=request.user):
        messages.success(request, _("Undoing: every signature changed is being put back."))
    else:
        messages.info(request, _("This action cannot be undone now."))
    return see_other(reverse("defence:action", kwargs={"action_id": action.pk}))


@require_http_methods(["GET", "POST"])
@moderator_required
def site_defence(request):
    """The whole site's "under attack" switch."""
    form = ModeForm(request.POST or None, initial={"mode": modes.stored_site_mode()}, prefix="mode")
    if request.method == "POST" and form.is_valid():
        modes.set_site_mode(
            form.cleaned_data["mode"], actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The site-wide mode was changed."))
        return see_other(request.path)
    return render(
        request,
        "defence/site.html",
        {"form": form, "site_mode": modes.site_mode()},
        status=400 if form.is_bound else 200,
    )
