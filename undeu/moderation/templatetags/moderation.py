from django import template

from undeu.moderation.audit_views import action_label as _action_label
from undeu.moderation.backlog import review_backlog as _review_backlog
from undeu.moderation.models import RejectionReason

register = template.Library()


@register.filter
def reason_label(code):
    """A stored moderation reason code as its label in the reader's language."""
    return RejectionReason.label_for_code(str(code or ""))


@register.filter
def action_label(action):
    return _action_label(str(action))


@register.simple_tag
def review_backlog():
    return _review_backlog()
