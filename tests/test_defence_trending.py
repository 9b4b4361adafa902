"""The trending job: unusual signing found from the evidence, moderators alerted once."""

import random
import secrets
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from undeu.defence import trending
from undeu.defence.models import Alert
from undeu.mail.compose import compose
from undeu.mail.models import OutgoingEmail
from undeu.signatures.models import Signature, SignatureState

pytestmark = pytest.mark.django_db
D = Alert.Dimension
COMMON = ["gmail.com", "mail.ru", "yandex.ru", "inbox.ru"]


def rows(petition, n, *, start, hours, domain=None, network=None, country="KZ", ip=None):
    """`n` confirmed signatures spread evenly over `hours` from `start`, each from its own
    address in its own network unless told otherwise."""
    made = []
    for i in range(n):
        a, b = divmod(Signature.objects.count() + len(made) + 1, 250)
        address = ip or (f"{network.rsplit('.', 2)[0]}.{b}.7" if network else f"10.{a}.{b}.7")
        made.append(
            Signature(
                petition=petition,
                full_name="Айгерім Сапарова",
                email=f"s{secrets.token_hex(6)}@{domain or random.choice(COMMON)}",
                email_digest=secrets.token_hex(32),
                email_domain=domain or random.choice(COMMON),
                country=country,
                state=SignatureState.CONFIRMED,
                token_digest=secrets.token_hex(32),
                created_at=start + timedelta(hours=hours * i / n),
                ip_address=address,
                network=f"{address.rsplit('.', 1)[0]}.0/24",
                language="kk",
            )
        )
    Signature.objects.bulk_create(made)


@pytest.fixture
def honest(petition):
    """A week of honest signing before the window, and honest signing in it."""
    random.seed(7)
    now = timezone.now()
    rows(petition, 350, start=now - timedelta(days=8), hours=24 * 7)
    rows(petition, 150, start=now - timedelta(hours=24), hours=24)
    return now


@pytest.fixture
def moderators(django_user_model):
    staff = django_user_model.objects.create_user("staff", "staff@example.com", None, is_staff=True)
    moderator = django_user_model.objects.create_user("mod", "mod@example.com", None)
    moderator.user_permissions.add(Permission.objects.get(codename="moderate"))
    django_user_model.objects.create_user("starter", "starter@example.com", None)
    return [staff, moderator]


def found(now):
    return {(f.dimension, f.value) for f in trending.find_unusual(now)}


def test_honest_signing_alerts_nobody(petition, honest):
    assert found(honest) == set()


def test_a_slow_attack_from_one_domain_is_found(petition, honest, moderators, settings):
    # 60 signatures over a day, two or three an hour, each from its own network: under every
    # rate limit, and one domain a tenth of the petition's signers where there were none.
    rows(petition, 60, start=honest - timedelta(hours=24), hours=24, domain="kazmail.example")
    assert found(honest) == {(D.DOMAIN, "kazmail.example")}

    [alert] = trending.raise_alerts(honest)
    assert (alert.signatures, alert.total, alert.status) == (60, 210, Alert.Status.OPEN)
    assert alert.expected == pytest.approx(210 * 0.02)
    evidence = alert.evidence
    assert evidence["share"] == round(60 / 210, 4) and evidence["baseline_share"] == 0
    assert sum(n for _hour, n in evidence["by_hour"]) == 60
    assert evidence["states"] == {"confirmed": 60}
    assert evidence["criteria"] == {"domain": "kazmail.example"}

    # The moderators (staff, and holders of the permission) are emailed, in the site's language.
    emails = OutgoingEmail.objects.filter(kind="defence_alert")
    assert sorted(emails.values_list("to", flat=True)) == ["mod@example.com", "staff@example.com"]
    message = compose(emails.first())
    assert emails.first().language == settings.LANGUAGE_CODE == "kk"
    assert "kazmail.example" in message.subject
    assert petition.version_for("kk").title in message.subject
    assert f"/kk/moderation/defence/alerts/{alert.pk}/" in message.body

    # Seen again: the open alert gets fresh evidence, nobody is emailed twice.
    rows(petition, 5, start=honest - timedelta(hours=2), hours=1, domain="kazmail.example")
    assert trending.raise_alerts(honest) == []
    alert.refresh_from_db()
    assert alert.signatures == 65
    assert emails.count() == 2


def test_a_dismissed_alert_comes_back_only_if_it_doubles(petition, honest, moderators):
    rows(petition, 40, start=honest - timedelta(hours=24), hours=24, domain="kazmail.example")
    [alert] = trending.raise_alerts(honest)
    Alert.objects.filter(pk=alert.pk).update(status=Alert.Status.DISMISSED)
    rows(petition, 30, start=honest - timedelta(hours=12), hours=10, domain="kazmail.example")
    assert trending.raise_alerts(honest) == []
    rows(petition, 20, start=honest - timedelta(hours=11), hours=10, domain="kazmail.example")
    [again] = trending.raise_alerts(honest)
    assert again.pk != alert.pk and again.signatures == 90


def test_a_country_nobody_signs_from_is_found_and_the_instances_own_is_not(petition, honest):
    rows(petition, 30, start=honest - timedelta(hours=20), hours=20, country="VA")
    assert (D.COUNTRY, "VA") in found(honest)
    assert (D.COUNTRY, "KZ") not in found(honest)


def test_one_address_or_network_signing_many_times_is_found(petition, honest):
    rows(petition, 25, start=honest - timedelta(hours=10), hours=10, ip="203.0.113.9")
    assert {(D.IP, "203.0.113.9"), (D.NETWORK, "203.0.113.0/24")} <= found(honest)


def test_an_hour_far_above_the_petitions_usual_rate_is_found(petition, honest):
    spike = honest.replace(minute=0, second=0, microsecond=0) - timedelta(hours=5)
    rows(petition, 40, start=spike + timedelta(minutes=5), hours=0.5)
    hours = {value for dimension, value in found(honest) if dimension == D.HOUR}
    assert hours == {spike.isoformat()}


def test_the_big_providers_are_never_unusual_by_themselves(petition):
    now = timezone.now()
    rows(petition, 100, start=now - timedelta(hours=5), hours=5, domain="gmail.com")
    assert (D.DOMAIN, "gmail.com") not in found(now)


def test_the_alert_pages_show_the_evidence_in_each_language(petition, honest, moderators, client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    rows(petition, 60, start=honest - timedelta(hours=24), hours=24, domain="kazmail.example")
    [alert] = trending.raise_alerts(honest)
    TOTP.activate(moderators[0], generate_totp_secret())
    client.force_login(moderators[0])
    for language in ("kk", "ru", "en"):
        listing = client.get(f"/{language}/moderation/defence/")
        assert listing.status_code == 200
        assert "kazmail.example" in listing.content.decode()
        page = client.get(f"/{language}/moderation/defence/alerts/{alert.pk}/")
        html = page.content.decode()
        assert page.status_code == 200
        with translation.override(language):
            assert translation.gettext("Email domain") in html
        assert f"/{language}/moderation/defence/p/park/bulk/?domain=kazmail.example" in html


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner")
def test_the_job_reads_each_petition_by_time_from_the_index(petition):
    """Its cost follows what was signed in the window, not the whole table."""
    now = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        trending.find_unusual(now)
    window = next(q["sql"] for q in queries.captured_queries if "COUNT" in q["sql"].upper())
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + window)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "signature_by_time (petition_id=? AND created_at>? AND created_at<?)" in plan, plan
