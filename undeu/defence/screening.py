"""What the abuse defences say about one signature as it arrives: where it comes from, and the
reasons, if any, to flag it (left out of the count until a moderator accepts it).

Nothing here refuses a signature or changes what its signer sees: a bot that filled the hidden
field or went over a limit gets the same pages and emails as anyone, and so learns nothing.
"""

from django.conf import settings

from undeu.defence.client import client_ip, network_of
from undeu.defence.limits import over_limits
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


def screen(
    request, petition_id: int, signature: SignatureRequest, mode: str, origin: Origin
) -> list[str]:
    """The reasons to flag this signature; counts it against the rate limits (a write)."""
    ip = origin.ip_address
    flags = []
    if request.POST.get(HONEYPOT_FIELD, ""):
        flags.append(HONEYPOT)
    domain = mailbox_domain(signature.email)
    values = {
        "ip": ip or "",
        "network": origin.network,
        "domain": "" if domain in settings.UNDEU_COMMON_EMAIL_DOMAINS else domain,
    }
    flags += over_limits(petition_id, values, tight=mode == DefenceMode.TIGHT)
    return flags
