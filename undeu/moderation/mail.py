"""What the starter's emails about a moderation decision are rendered from.

The outbox row holds the reason's code and the moderator's note; the label is looked up when the
message is composed, in the language of the message (the petition's primary language).
"""

from undeu.mail.compose import _petition_context, register_context_builder
from undeu.moderation.models import RejectionReason

KINDS = ("petition_approved", "petition_rejected", "petition_removed", "petition_restored")


def decision_context(message) -> dict:
    context = _petition_context(message)
    context["reason_label"] = RejectionReason.label_for_code(
        message.context.get("reason", ""), message.language
    )
    context["note"] = message.context.get("note", "")
    return context


def register() -> None:
    for kind in KINDS:
        register_context_builder(kind, decision_context)
