"""What the abuse defences say about one signature as it arrives: where it comes from, and the
reasons, if any, to flag it (left out of the count until a moderator accepts it).

Nothing here refuses a signature or changes what its signer sees: a bot that filled the hidden
field or went over a limit gets the same pages and emails as anyone, and so learns nothing.
"""

from dataclasses import dataclass

from django.conf import settings

from undeu.defence.client import client_ip, network_of
from undeu.defence.limits import count_over, windows
from undeu.petitions.models import DefenceMode
from undeu.signatures.identity import mailbox_domain
from undeu.signatures.signing import Origin, SignatureRequest

# A field people never see (hidden by the stylesheet, skipped by keyboard and screen readers)
# and bots that fill in every field do.
HONEYPOT_FIELD = "website"
HONEYPOT = "honeypot"


def origin_of(request) -> Origin:
    ip = client_ip(request)
    return Origin(ip_address=ip, network=network_of(ip))


@dataclass(frozen=True)
class Screening:
    """What is known of a signature before it is counted against the limits."""

    flags: tuple[str, ...]  # found without counting (the honeypot)
    windows: list  # the limits' windows it counts in (limits.windows)
    tight: bool

    def count(self) -> list[str]:
        """Count it (a write, in the signature's transaction on SQLite): every reason to flag."""
        return [*self.flags, *count_over(self.windows, tight=self.tight)]


def screen(
    request, petition_id: int, signature: SignatureRequest, mode: str, origin: Origin
) -> Screening:
    """Everything the defences look at, worked out before any write."""
    domain = mailbox_domain(signature.email)
    values = {
        "ip": origin.ip_address or "",
        "network": origin.network,
        "domain": "" if domain in settings.UNDEU_COMMON_EMAIL_DOMAINS else domain,
    }
    return Screening(
        flags=(HONEYPOT,) if request.POST.get(HONEYPOT_FIELD, "") else (),
        windows=windows(petition_id, values),
        tight=mode == DefenceMode.TIGHT,
    )
