"""IP addresses are kept only as long as the abuse defences need them, sent emails' recipients
only a while, and user agents never."""

from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import serializers
from django.utils import timezone

from tests.conftest import HOSTILE, signature_request
from undeu.core.periodic import PERIODIC_JOBS
from undeu.defence.models import Alert
from undeu.mail.models import OutgoingEmail
from undeu.mail.outbox import digest_of
from undeu.privacy.addresses import (
    erase_alert_addresses,
    erase_expired,
    erase_old_addresses,
    forget_sent_emails,
)
from undeu.privacy.models import ErasureProgress
from undeu.signatures.models import Signature
from undeu.signatures.signing import Origin, sign

pytestmark = pytest.mark.django_db


def sign_from(petition, n: int, ip: str = "203.0.113.7"):
    sign(
        petition.pk,
        signature_request(f"s{n}@example.com"),
        base_url="http://testserver",
        origin=Origin(ip, "203.0.113.0/24"),
    )
    return Signature.objects.latest("pk")


def addresses():
    return list(Signature.objects.order_by("pk").values_list("ip_address", "network"))


def test_addresses_are_erased_after_the_setting_and_not_before(petition, settings):
    settings.UNDEU_IP_RETENTION_DAYS = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_from(petition, 1)
    with time_machine.travel(start + timedelta(days=10), tick=False):
        sign_from(petition, 2, ip="2001:db8::1")
    with time_machine.travel(start + timedelta(days=29, hours=23), tick=False):
        assert erase_old_addresses() == 0
        assert addresses()[0] == ("203.0.113.7", "203.0.113.0/24")
    with time_machine.travel(start + timedelta(days=30, seconds=1), tick=False):
        assert erase_old_addresses() == 1
        assert addresses() == [(None, ""), ("2001:db8::1", "203.0.113.0/24")]
        assert erase_old_addresses() == 0  # again: nothing to do
    with time_machine.travel(start + timedelta(days=41), tick=False):
        assert erase_expired() == 1
        assert addresses() == [(None, ""), (None, "")]
    # Only the addresses go: the signatures and what they say stay.
    kept = Signature.objects.filter(country="KZ")
    assert [s.full_name for s in kept].count("Айгерім Сапарова") == 2


def test_the_walk_goes_in_batches_and_resumes_where_it_stopped(petition, settings, no_limits):
    settings.UNDEU_IP_RETENTION_DAYS = 1
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(5):
            sign_from(petition, n)
    with time_machine.travel(start + timedelta(days=2), tick=False):
        sign_from(petition, 99)  # not due yet
        assert erase_old_addresses(batch=2) == 5
        last = Signature.objects.order_by("pk").last()
        assert ErasureProgress.objects.get().last_id == last.pk - 1
        assert last.ip_address == "203.0.113.7"
    with time_machine.travel(start + timedelta(days=3, seconds=1), tick=False):
        assert erase_old_addresses(batch=2) == 1
        assert ErasureProgress.objects.get().last_id == last.pk
    assert all(ip is None for ip, _network in addresses())


def test_a_due_signature_behind_one_not_due_waits_for_the_next_run(petition, settings):
    """Ids and times may disagree by a moment: the walk never steps over a row not yet due."""
    settings.UNDEU_IP_RETENTION_DAYS = 1
    start = timezone.now()
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        later = sign_from(petition, 1)
    with time_machine.travel(start, tick=False):
        earlier = sign_from(petition, 2)  # a higher id, signed earlier
    with time_machine.travel(start + timedelta(days=1, minutes=1), tick=False):
        assert erase_old_addresses() == 0
    with time_machine.travel(start + timedelta(days=1, hours=2), tick=False):
        assert erase_old_addresses() == 2
    assert {later.pk, earlier.pk} == set(Signature.objects.values_list("pk", flat=True))
    assert addresses() == [(None, ""), (None, "")]


def test_sent_emails_are_deleted_after_the_setting(petition, settings):
    settings.UNDEU_SENT_EMAIL_DAYS = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_from(petition, 1)
        sign_from(petition, 2)
    OutgoingEmail.objects.filter(recipient_digest=digest_of("s1@example.com")).update(
        state=OutgoingEmail.State.SENT
    )
    assert OutgoingEmail.objects.count() == 2
    with time_machine.travel(start + timedelta(days=29), tick=False):
        assert forget_sent_emails() == 0
    with time_machine.travel(start + timedelta(days=31), tick=False):
        assert forget_sent_emails(batch=1) == 1
    # An email still waiting to go out is never deleted.
    assert list(OutgoingEmail.objects.values_list("to", flat=True)) == ["s2@example.com"]


def test_an_alert_about_one_address_keeps_only_its_network(petition, settings):
    settings.UNDEU_IP_RETENTION_DAYS = 30
    start = timezone.now()
    common = {"petition": petition, "signatures": 50, "expected": 2.0, "total": 60}
    with time_machine.travel(start, tick=False):
        alert = Alert.objects.create(
            dimension=Alert.Dimension.IP,
            value="203.0.113.9",
            evidence={"criteria": {"network": "203.0.113.9"}, "share": 0.8},
            **common,
        )
        v6 = Alert.objects.create(
            dimension=Alert.Dimension.IP, value="2001:db8::9", evidence={}, **common
        )
        domain = Alert.objects.create(
            dimension=Alert.Dimension.DOMAIN, value="bots.example", evidence={}, **common
        )
    with time_machine.travel(start + timedelta(days=29), tick=False):
        assert erase_alert_addresses() == 0
    with time_machine.travel(start + timedelta(days=31), tick=False):
        assert erase_alert_addresses() == 2
        assert erase_alert_addresses() == 0
    alert.refresh_from_db()
    assert alert.value == "203.0.113.0/24"
    assert alert.evidence == {"criteria": {"network": "203.0.113.0/24"}, "share": 0.8}
    v6.refresh_from_db()
    assert v6.value == "2001:db8::/64"
    domain.refresh_from_db()
    assert domain.value == "bots.example"


def test_the_jobs_are_periodic():
    jobs = {job.name: job for job in PERIODIC_JOBS}
    assert jobs["erase-addresses"].run is erase_expired
    assert jobs["erase-addresses"].every_seconds <= 24 * 3600


def test_no_table_keeps_the_user_agent(client, petition, django_user_model):
    """Sign, confirm and sign in with a user agent nobody else has; no row anywhere has it."""
    agent = f"UndeuTestAgent/7.3 {HOSTILE} Кириллица"
    response = client.post(
        f"/kk/p/{petition.slug}/sign/",
        {"full_name": "Айгерім Сапарова", "email": "ua@example.com", "country": "KZ"},
        HTTP_USER_AGENT=agent,
    )
    assert response.status_code == 303
    django_user_model.objects.create_user("ua-user", "ua-user@example.com", "a long password 1")
    client.post(
        "/kk/accounts/login/",
        {"login": "ua-user@example.com", "password": "a long password 1"},
        HTTP_USER_AGENT=agent,
    )
    client.get(f"/kk/p/{petition.slug}/", HTTP_USER_AGENT=agent)
    for model in apps.get_models():
        dump = serializers.serialize("json", model._default_manager.all())
        assert "UndeuTestAgent" not in dump, model._meta.label
    # Sessions are stored encoded: read what they hold.
    assert Session.objects.exists()
    for session in Session.objects.all():
        assert "UndeuTestAgent" not in str(session.get_decoded())
