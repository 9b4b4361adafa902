"""Email domains that cannot receive mail: a mistyped or invented domain makes a signature no one
can ever confirm, and a stream of them is a cheap way to fill a petition with pending rows.

Checked only when the instance sets UNDEU_CHECK_EMAIL_DNS, since it makes signing wait on a
resolver. A domain receives mail if it has an MX record other than RFC 7505's null MX (`MX 0 .`,
"this domain never receives mail") or, with no MX at all, an A or AAAA record (RFC 5321 section
5.1: the domain itself is then the mail host). A domain that does not exist, or has none of
these, is refused. A timeout or a failing resolver is not the signer's fault: they are accepted.

Answers are kept per process, so a surge of signers from one domain costs one lookup, and
signers arriving while their domain is being looked up wait for that lookup instead of
repeating it.
"""

import threading
from collections import OrderedDict
from functools import lru_cache
from time import monotonic

import dns.exception
import dns.name
import dns.nameserver
import dns.resolver
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Long enough that a surge asks once, short enough that a domain fixed by its owner is soon
# accepted. A resolver that did not answer may be back soon; until then no signer waits on it.
KEEP_SECONDS = 300
KEEP_UNANSWERED_SECONDS = 30
# A few hundred bytes each: a bound against a flood of invented domains, not a memory concern.
MAX_DOMAINS = 10_000

_answers: OrderedDict[str, tuple[bool, float]] = OrderedDict()  # domain: (receives, until)
_in_flight: dict[str, threading.Lock] = {}
_lock = threading.Lock()


def refuse_undeliverable(normalised_email: str) -> str:
    if settings.UNDEU_CHECK_EMAIL_DNS and not can_receive_mail(normalised_email.rpartition("@")[2]):
        raise ValidationError(
            _("This email domain cannot receive email. Check the address."),
            code="undeliverable",
        )
    return normalised_email


def can_receive_mail(domain: str) -> bool:
    """Whether DNS lets the domain receive mail; True when DNS does not say."""
    receives = _remembered(domain)
    if receives is not None:
        return receives
    with _lock:
        lookup = _in_flight.setdefault(domain, threading.Lock())
    try:
        with lookup:
            receives = _remembered(domain)  # found by the lookup this thread waited for
            if receives is None:
                found = look_up(domain)
                receives = found is not False
                keep = KEEP_SECONDS if found is not None else KEEP_UNANSWERED_SECONDS
                _remember(domain, receives, keep)
    finally:
        with _lock:
            _in_flight.pop(domain, None)
    return receives


def look_up(domain: str) -> bool | None:
    """True if the domain receives mail, False if DNS says it cannot, None if DNS did not say.

    One deadline for the whole lookup (MX, then A and AAAA when there is no MX), so a signer
    waits at most UNDEU_DNS_TIMEOUT_SECONDS."""
    deadline = monotonic() + settings.UNDEU_DNS_TIMEOUT_SECONDS

    def records(rdtype: str) -> dns.resolver.Answer:
        # Past the deadline this raises LifetimeTimeout without asking.
        return resolver.resolve(name, rdtype, lifetime=deadline - monotonic(), search=False)

    try:
        # The address passed email-validator, which uses IDNA 2008: so must the lookup.
        name = dns.name.from_text(domain, idna_codec=dns.name.IDNA_2008_Practical)
        resolver = _resolver(tuple(settings.UNDEU_DNS_SERVERS))
        try:
            exchanges = records("MX")
        except dns.resolver.NoAnswer:
            pass
        else:
            # A null MX points at the root, which no mail can be delivered to.
            return any(mx.exchange != dns.name.root for mx in exchanges)
        for rdtype in ("A", "AAAA"):
            try:
                records(rdtype)
            except dns.resolver.NoAnswer:
                continue
            return True
        return False
    except dns.resolver.NXDOMAIN:
        return False
    except (dns.exception.DNSException, OSError):
        # Timeouts, SERVFAIL from every server (NoNameservers), no resolver configured, no
        # network: none of them says anything about the signer's domain.
        return None


def forget_answers() -> None:
    """Forget every kept answer (tests; an operator's shell after a domain was fixed)."""
    with _lock:
        _answers.clear()


@lru_cache(maxsize=4)
def _resolver(servers: tuple[tuple[str, int], ...]) -> dns.resolver.Resolver:
    """A resolver per configuration: reading resolv.conf once per process, not per lookup."""
    if not servers:
        return dns.resolver.Resolver()
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver(host, port) for host, port in servers]
    return resolver


def _remembered(domain: str) -> bool | None:
    with _lock:
        answer = _answers.get(domain)
        if answer is None:
            return None
        receives, until = answer
        if until <= monotonic():
            del _answers[domain]
            return None
        _answers.move_to_end(domain)
        return receives


def _remember(domain: str, receives: bool, keep_seconds: float) -> None:
    with _lock:
        _answers[domain] = (receives, monotonic() + keep_seconds)
        _answers.move_to_end(domain)
        while len(_answers) > MAX_DOMAINS:
            _answers.popitem(last=False)
