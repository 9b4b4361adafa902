"""Staff see signers' names and emails only with privacy.view_signer_data, and every view of
them is audit-logged without the data itself; without it they see masked values."""

import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils.html import escape

from tests.conftest import HOSTILE, signature_request
from undeu.audit.models import AuditEntry
from undeu.mail.models import OutgoingEmail
from undeu.mail.outbox import digest_of
from undeu.privacy.access import VIEWED, mask_email, mask_ip, mask_name
from undeu.signatures.models import Signature
from undeu.signatures.signing import Origin, sign

pytestmark = pytest.mark.django_db
NAME = f"Бауыржан Момышұлы {HOSTILE}"
EMAIL = "baurzhan.secret@example.com"


def staff_client(user) -> Client:
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def moderator(django_user_model):
    return django_user_model.objects.create_user("mod", "mod@example.com", None, is_staff=True)


@pytest.fixture
def privileged(django_user_model):
    user = django_user_model.objects.create_user("dpo", "dpo@example.com", None, is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_signer_data", content_type__app_label="privacy")
    )
    return user


@pytest.fixture
def flagged(petition):
    sign(
        petition.pk,
        signature_request(EMAIL, full_name=NAME),
        base_url="http://testserver",
        origin=Origin("203.0.113.9", "203.0.113.0/24"),
        flags=["honeypot"],
    )
    return Signature.objects.get()


def defence_pages(petition):
    return [
        f"/en/moderation/defence/p/{petition.slug}/",
        f"/en/moderation/defence/p/{petition.slug}/bulk/?network=203.0.113.0/24",
    ]


def assert_no_personal_data(text: str):
    for secret in ("Бауыржан", "Момышұлы", "baurzhan", "secret@", "203.0.113.9"):
        assert secret not in text


def test_without_the_permission_moderators_see_masked_values_and_nothing_is_logged(
    moderator, petition, flagged
):
    client = staff_client(moderator)
    for path in defence_pages(petition):
        page = client.get(path).content.decode()
        assert "Б… М. &lt;." in page
        assert_no_personal_data(page)
    assert not AuditEntry.objects.filter(action=VIEWED).exists()


def test_with_the_permission_names_and_emails_show_and_each_view_is_logged(
    privileged, petition, flagged
):
    client = staff_client(privileged)
    for path in defence_pages(petition):
        page = client.get(path).content.decode()
        assert escape(NAME) in page and EMAIL in page
        assert HOSTILE not in page
    entries = list(AuditEntry.objects.filter(action=VIEWED).order_by("pk"))
    assert [entry.data["what"] for entry in entries] == ["defence.petition", "defence.bulk"]
    for entry in entries:
        assert entry.actor == privileged and entry.petition == petition
        assert entry.data["signatures"] == [flagged.pk] and entry.data["count"] == 1
        assert_no_personal_data(json.dumps(entry.data, ensure_ascii=False) + entry.note)


def test_a_page_without_signatures_logs_nothing(privileged, petition):
    client = staff_client(privileged)
    assert client.get(defence_pages(petition)[0]).status_code == 200
    assert not AuditEntry.objects.filter(action=VIEWED).exists()


def test_the_admin_masks_a_signature_without_the_permission(moderator, petition, flagged):
    moderator.is_superuser = False
    moderator.save()
    moderator.user_permissions.add(*Permission.objects.filter(codename="view_signature"))
    client = staff_client(moderator)
    response = client.get(f"/admin/signatures/signature/{flagged.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "b…@example.com" in page and "203.0.113.0/24" in page
    assert_no_personal_data(page)
    assert not AuditEntry.objects.filter(action=VIEWED).exists()


def test_the_admin_shows_and_logs_with_the_permission(privileged, petition, flagged):
    privileged.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_signature", "view_outgoingemail"])
    )
    client = staff_client(privileged)
    page = client.get(f"/admin/signatures/signature/{flagged.pk}/change/").content.decode()
    assert escape(NAME) in page and EMAIL in page and "203.0.113.9" in page
    message = OutgoingEmail.objects.get(recipient_digest=digest_of(EMAIL))
    page = client.get(f"/admin/mail/outgoingemail/{message.pk}/change/").content.decode()
    assert EMAIL in page
    entries = list(AuditEntry.objects.filter(action=VIEWED).order_by("pk"))
    assert [entry.data["what"] for entry in entries] == ["admin.signature", "admin.outgoing_email"]
    assert entries[0].data["signatures"] == [flagged.pk]
    assert entries[1].data["outgoing_email"] == message.pk
    # The list pages show no personal data, so they log nothing.
    page = client.get("/admin/signatures/signature/").content.decode()
    assert_no_personal_data(page)
    assert AuditEntry.objects.filter(action=VIEWED).count() == 2


def test_the_outbox_admin_masks_the_recipient_without_the_permission(moderator, petition, flagged):
    moderator.user_permissions.add(*Permission.objects.filter(codename="view_outgoingemail"))
    client = staff_client(moderator)
    message = OutgoingEmail.objects.get(recipient_digest=digest_of(EMAIL))
    page = client.get(f"/admin/mail/outgoingemail/{message.pk}/change/").content.decode()
    assert "b…@example.com" in page
    assert_no_personal_data(page)


def test_a_superuser_holds_the_permission_and_is_logged_too(django_user_model, petition, flagged):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", None)
    client = staff_client(admin)
    page = client.get(defence_pages(petition)[0]).content.decode()
    assert EMAIL in page
    assert AuditEntry.objects.get(action=VIEWED).actor == admin


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Айгерім Сапарова", "А… С."),
        ("Бауыржан", "Б…"),
        ("  ", ""),
        ("", ""),
        ("a\x00b c", "a… c."),
        (f"{HOSTILE} x", "<… x."),
        ("Ərkin Ñoño Ли", "Ə… Ñ. Л."),
    ],
)
def test_names_are_masked_to_initials(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("aigerim@example.com", "a…@example.com"),
        ("@example.com", "…@example.com"),
        ("", ""),
        ("no-at-sign", "…"),
        ("айгерім@мысал.қаз", "а…@мысал.қаз"),
    ],
)
def test_emails_are_masked_to_their_first_letter_and_domain(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("203.0.113.9", "203.0.113.0/24"),
        ("2001:db8:1:2::9", "2001:db8:1::/48"),
        (None, ""),
        ("not an address", "…"),
    ],
)
def test_addresses_are_masked_to_their_network(address, masked):
    assert mask_ip(address) == masked
