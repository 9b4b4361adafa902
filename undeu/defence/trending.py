"""The trending job: finds the addresses, networks, email domains, countries and hours that sign
a petition unusually, and alerts the moderators with the evidence.

The limits catch a burst as it happens; this catches what stays under them, such as a slow
attack spread over many addresses from one email domain, or a petition suddenly signed from a
country its signers never came from. Every UNDEU_TRENDING_SECONDS it looks at the last
UNDEU_TRENDING_HOURS of each petition signed in that time, and calls a value unusual when it
signed at least UNDEU_TRENDING_MIN_SIGNATURES times and at least FACTOR times what was expected:

- expected for an address, network, domain or country: the petition's signatures in the window
  times the value's share of the petition's signatures in the week before (its own baseline),
  and never less than a floor share (one address is seldom 1 % of a petition's signers);
- expected for an hour: the petition's mean hourly count in the week before, or, for a petition
  younger than that, in the rest of the window.

The instance's own countries (the ones its form starts with) and the large email providers are
never unusual on their own. An open alert is updated, not raised again; one a moderator closed
is raised again only if its value signs twice as much as when it was closed.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone

from undeu.defence.models import Alert
from undeu.petitions.models import Petition
from undeu.signatures.models import Signature

FACTOR = 3
BASELINE = timedelta(days=7)
D = Alert.Dimension
# The signature column each dimension is read from, and its floor share.
COLUMNS = {D.IP: "ip_address", D.NETWORK: "network", D.DOMAIN: "email_domain", D.COUNTRY: "country"}
FLOOR_SHARE = {D.IP: 0.01, D.NETWORK: 0.02, D.DOMAIN: 0.02, D.COUNTRY: 0.02}
# For the evidence: what else the unusual signatures have in common.
RELATED = {D.IP: D.DOMAIN, D.NETWORK: D.DOMAIN, D.DOMAIN: D.NETWORK, D.COUNTRY: D.NETWORK}


@dataclass(frozen=True)
class Finding:
    petition_id: int
    dimension: str
    value: str
    signatures: int
    expected: float
    total: int
    evidence: dict


def find_unusual(now=None) -> list[Finding]:
    now = now or timezone.now()
    since = now - timedelta(hours=settings.UNDEU_TRENDING_HOURS)
    findings = []
    # Petition by petition, each a range of the (petition, created_at) index: one count over
    # every signature's time would read the whole table.
    for petition_id in Petition.objects.open().values_list("pk", flat=True):
        window = Signature.objects.filter(
            petition_id=petition_id, created_at__gte=since, created_at__lte=now
        )
        total = window.count()
        if total < settings.UNDEU_TRENDING_MIN_SIGNATURES:
            continue
        before = Signature.objects.filter(
            petition_id=petition_id, created_at__gte=since - BASELINE, created_at__lt=since
        )
        for dimension in COLUMNS:
            findings += _unusual_values(petition_id, dimension, window, before, total)
        findings += _unusual_hours(petition_id, window, before, total, since, now)
    return findings


def _ignored(dimension: str) -> set[str]:
    if dimension == D.DOMAIN:
        return set(settings.UNDEU_COMMON_EMAIL_DOMAINS)
    if dimension == D.COUNTRY:
        return set(settings.UNDEU_DEFAULT_COUNTRY.values())
    return set()


def _unusual_values(petition_id, dimension, window, before, total) -> list[Finding]:
    column = COLUMNS[dimension]
    minimum = settings.UNDEU_TRENDING_MIN_SIGNATURES
    counts = (
        _known(window, column).values_list(column).annotate(n=Count("id")).filter(n__gte=minimum)
    )
    candidates = {str(value): n for value, n in counts if str(value) not in _ignored(dimension)}
    if not candidates:
        return []
    baseline_total = before.count()
    baseline = dict(
        before.filter(**{f"{column}__in": list(candidates)})
        .values_list(column)
        .annotate(n=Count("id"))
    )
    findings = []
    for value, n in candidates.items():
        share = baseline.get(value, 0) / baseline_total if baseline_total else 0.0
        expected = total * max(share, FLOOR_SHARE[dimension])
        if n >= FACTOR * expected:
            matching = window.filter(**{column: value})
            evidence = {
                "share": round(n / total, 4),
                "baseline_share": round(share, 4),
                "by_hour": _by_hour(matching),
                "states": _states(matching),
                "related": _top(matching, COLUMNS[RELATED[dimension]]),
                "criteria": {_CRITERION[dimension]: value},
            }
            findings.append(Finding(petition_id, dimension, value, n, expected, total, evidence))
    return findings


# The bulk-action criterion an alert's value fills in.
_CRITERION = {D.IP: "network", D.NETWORK: "network", D.DOMAIN: "domain", D.COUNTRY: "country"}


def _unusual_hours(petition_id, window, before, total, since, now) -> list[Finding]:
    hours = dict(_by_hour(window))
    if not hours:
        return []
    minimum = settings.UNDEU_TRENDING_MIN_SIGNATURES
    baseline_hours = BASELINE.total_seconds() / 3600
    earlier = before.count()
    findings = []
    for hour, n in hours.items():
        if n < minimum:
            continue
        if earlier:
            rate = earlier / baseline_hours
        else:
            # A young petition: the rest of the window is its only history.
            span = max(1.0, (now - since).total_seconds() / 3600 - 1)
            rate = (total - n) / span
        expected = max(rate, 1.0)
        if n >= FACTOR * expected:
            start = datetime.fromisoformat(hour)
            matching = window.filter(
                created_at__gte=start, created_at__lt=start + timedelta(hours=1)
            )
            evidence = {
                "share": round(n / total, 4),
                "baseline_rate": round(rate, 2),
                "by_hour": sorted(hours.items()),
                "states": _states(matching),
                "related": _top(matching, "network"),
                "criteria": {"after": hour, "before": (start + timedelta(hours=1)).isoformat()},
            }
            findings.append(Finding(petition_id, D.HOUR, hour, n, expected, total, evidence))
    return findings


def _known(signatures, column: str):
    """Those whose `column` is known: an address is NULL when unknown, the others empty (and an
    empty string is not an address PostgreSQL can compare)."""
    if column == "ip_address":
        return signatures.exclude(ip_address__isnull=True)
    return signatures.exclude(**{column: ""})


def _by_hour(signatures) -> list[tuple[str, int]]:
    rows = (
        signatures.annotate(hour=TruncHour("created_at", tzinfo=UTC))
        .values_list("hour")
        .annotate(n=Count("id"))
        .order_by("hour")
    )
    return [(hour.isoformat(), n) for hour, n in rows]


def _states(signatures) -> dict[str, int]:
    return dict(signatures.values_list("state").annotate(n=Count("id")).order_by())


def _top(signatures, column: str, limit: int = 5) -> list[tuple[str, int]]:
    rows = (
        _known(signatures, column)
        .values_list(column)
        .annotate(n=Count("id"))
        .order_by("-n", column)[:limit]
    )
    return [(str(value), n) for value, n in rows if value not in ("", None)]


def raise_alerts(now=None) -> list[Alert]:
    """Run the search and record what it found: new alerts (emailed to the moderators), and
    fresh evidence on the open ones. Returns the new alerts. A periodic job."""
    now = now or timezone.now()
    raised = []
    for finding in find_unusual(now):
        alert = _record(finding, now)
        if alert is not None:
            raised.append(alert)
    return raised


def _record(finding: Finding, now) -> Alert | None:
    fields = {
        "signatures": finding.signatures,
        "expected": finding.expected,
        "total": finding.total,
        "evidence": finding.evidence,
        "updated_at": now,
    }
    key = {
        "petition_id": finding.petition_id,
        "dimension": finding.dimension,
        "value": finding.value,
    }
    if Alert.objects.filter(**key, status=Alert.Status.OPEN).update(**fields):
        return None
    closed = Alert.objects.filter(**key).exclude(status=Alert.Status.OPEN).order_by("-id").first()
    if closed is not None and finding.signatures < 2 * closed.signatures:
        return None
    from undeu.defence.mail import alert_moderators

    try:
        with transaction.atomic():
            alert = Alert.objects.create(**key, **fields, created_at=now)
            alert_moderators(alert)
    except IntegrityError:
        return None  # another worker raised it at the same moment
    return alert
