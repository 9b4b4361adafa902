"""Which signatures a bulk action is about: a moderator's criteria, as stored on the action, and
the query and name test they become.

Every criterion is optional, but an action needs at least one. The name pattern is matched in
Python, not in SQL, so it keeps working when names are encrypted at rest.
"""

import fnmatch
import ipaddress
import re
from datetime import datetime

from django.db.models import Count, QuerySet

from undeu.defence.client import IPV4_PREFIX, IPV6_PREFIX
from undeu.signatures.models import Signature, SignatureState

# The widest network a criterion may name: 256 of the networks signatures are stored by.
WIDEST_IPV4, WIDEST_IPV6 = 16, 56
FIELDS = ("network", "domain", "after", "before", "country", "name", "flagged_only")


def networks_in(value: str) -> tuple[str | None, list[str]]:
    """A single address, or the stored /24s or /64s that make up a network from /16 to /24
    (IPv4) or /56 to /64 (IPv6). Raises ValueError for anything else."""
    network = ipaddress.ip_network(value.strip(), strict=False)
    widest, stored = (
        (WIDEST_IPV4, IPV4_PREFIX) if network.version == 4 else (WIDEST_IPV6, IPV6_PREFIX)
    )
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address), []
    if not widest <= network.prefixlen <= stored:
        raise ValueError(value)
    return None, [str(subnet) for subnet in network.subnets(new_prefix=stored)]


def name_matcher(pattern: str):
    """A case-insensitive test of a whole name against a pattern with * and ? wildcards."""
    regex = re.compile(fnmatch.translate(" ".join(pattern.casefold().split())), re.DOTALL)
    return lambda name: bool(regex.match(" ".join(name.casefold().split())))


def matching(petition_id: int, criteria: dict, *, states) -> QuerySet:
    """The petition's signatures in `states` that match every criterion except the name."""
    signatures = Signature.objects.filter(petition_id=petition_id, state__in=list(states))
    if criteria.get("network"):
        address, networks = networks_in(criteria["network"])
        signatures = (
            signatures.filter(ip_address=address)
            if address
            else signatures.filter(network__in=networks)
        )
    if criteria.get("domain"):
        signatures = signatures.filter(email_domain=criteria["domain"])
    if criteria.get("after"):
        signatures = signatures.filter(created_at__gte=datetime.fromisoformat(criteria["after"]))
    if criteria.get("before"):
        signatures = signatures.filter(created_at__lt=datetime.fromisoformat(criteria["before"]))
    if criteria.get("country"):
        signatures = signatures.filter(country=criteria["country"])
    if criteria.get("flagged_only"):
        signatures = signatures.filter(state=SignatureState.FLAGGED)
    return signatures


def count_matching(petition_id: int, criteria: dict, *, states, until_id=None) -> dict:
    """How many match, and how many of them are counted now: what a preview shows."""
    signatures = matching(petition_id, criteria, states=states)
    if until_id is not None:
        signatures = signatures.filter(pk__lte=until_id)
    if not criteria.get("name"):
        by_state = dict(signatures.values_list("state").annotate(n=Count("id")).order_by())
    else:
        matches = name_matcher(criteria["name"])
        by_state = {}
        for name, state in signatures.values_list("full_name", "state").iterator(2000):
            if matches(name):
                by_state[state] = by_state.get(state, 0) + 1
    return {
        "total": sum(by_state.values()),
        "counted": by_state.get(SignatureState.CONFIRMED, 0),
        "flagged": by_state.get(SignatureState.FLAGGED, 0),
        "pending": by_state.get(SignatureState.PENDING, 0),
    }


def sample(petition_id: int, criteria: dict, *, states, limit: int = 20) -> list[Signature]:
    """The latest few that match, for the moderator to see what the criteria catch."""
    signatures = matching(petition_id, criteria, states=states).order_by("-pk")
    if not criteria.get("name"):
        return list(signatures[:limit])
    matches = name_matcher(criteria["name"])
    found = []
    for signature in signatures.iterator(500):
        if matches(signature.full_name):
            found.append(signature)
            if len(found) == limit:
                break
    return found
