"""Staff access to signers' personal data: only with an explicit permission, and every view or
export of it audit-logged (which page, which signatures, by whom; never the data itself).

Without the permission a staff page shows masked values: the initials of a name ("А… С."), the
first letter and the domain of an email address ("a…@example.com"), the network of an address.
A superuser holds every permission, this one included, and is logged like anyone else.
"""

import ipaddress
from collections.abc import Iterable

from undeu.audit.log import record

PERMISSION = "privacy.view_signer_data"
VIEWED = "privacy.signer_data_viewed"
# An audit entry lists at most this many signature ids (a page shows at most 50).
IDS_LOGGED = 200


def can_view_signer_data(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(PERMISSION))


def mask_name(name: str) -> str:
    """Each word's first letter: "Айгерім Сапарова" -> "А… С."."""
    words = name.split()
    if not words:
        return ""
    initials = [f"{word[0]}." for word in words[1:]]
    return " ".join([f"{words[0][0]}…", *initials])


def mask_email(email: str) -> str:
    local, at, domain = email.rpartition("@")
    if not at:
        return "…" if email else ""
    return f"{local[:1]}…@{domain}"


def mask_ip(address: str | None) -> str:
    """The /24 (IPv4) or /48 (IPv6) the address is in, not the address."""
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "…"
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def log_view(
    user, *, what: str, signature_ids: Iterable[int] = (), petition=None, **ids: int
) -> None:
    """Record that `user` saw signers' personal data on `what` (a page or an export): which
    signatures (or other rows, by id), never the data itself."""
    signatures = sorted({int(pk) for pk in signature_ids})
    record(
        VIEWED,
        actor=user,
        petition=petition,
        what=what,
        signatures=signatures[:IDS_LOGGED],
        count=len(signatures),
        **ids,
    )


class SignerDataAdmin:
    """For a ModelAdmin whose rows carry signers' personal data (`personal_fields`): without
    the permission they are left out of the form and shown masked (`masked_fields`, methods of
    the admin); with it they are shown read-only, and each page that shows one is logged."""

    personal_fields: tuple[str, ...] = ()
    masked_fields: tuple[str, ...] = ()
    audit_name = ""

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or ())
        if not can_view_signer_data(request.user):
            exclude += self.personal_fields
        return exclude

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if can_view_signer_data(request.user):
            return readonly + list(self.personal_fields)
        return readonly + list(self.masked_fields)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # A 200 shows the row (a saved change answers with a redirect instead).
        if response.status_code == 200 and can_view_signer_data(request.user):
            self.log_shown(request, self.get_object(request, object_id))
        return response

    def log_shown(self, request, obj) -> None:
        raise NotImplementedError
