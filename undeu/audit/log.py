from undeu.audit.models import AuditEntry


def record(action: str, *, actor=None, petition=None, reason: str = "", note: str = "", **data):
    """Append an audit entry. Call inside the transaction that made the change."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEntry.objects.create(
        action=action, actor=actor, petition=petition, reason=reason, note=note, data=data
    )
