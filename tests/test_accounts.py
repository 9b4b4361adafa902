"""Accounts for starters, moderators and staff: django-allauth, by email, with the outbox and
two-factor authentication for staff pages."""

import re
import time
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.conftest import HOSTILE
from undeu.accounts.middleware import TWO_FACTOR_REQUIRED
from undeu.accounts.verification import has_verified_email
from undeu.mail.compose import PRERENDERED
from undeu.mail.models import OutgoingEmail
from undeu.mail.outbox import deliver, queue_email

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Жасыл-саябақ-2025!"
LINK = re.compile(r"https?://\S+")


def url(name, language="en", **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def make_user(email="starter@example.com", *, verified=True, **fields):
    user = User.objects.create_user(
        username=email.split("@")[0], email=email, password=PASSWORD, **fields
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


def totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def html(response) -> str:
    return response.content.decode()


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def reauthenticate(client, language="en"):
    """Confirm the password again, as allauth asks before setting up two-factor authentication."""
    response = client.post(url("account_reauthenticate", language), {"password": PASSWORD})
    assert response.status_code == 302


def sign_in(client, email, password=PASSWORD, language="en"):
    return client.post(url("account_login", language), {"login": email, "password": password})


@pytest.fixture
def frozen_clock():
    """TOTP codes change every 30 seconds: a test computes and checks them at one instant."""
    with time_machine.travel(datetime(2025, 5, 1, 9, 0, 5, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def staff():
    return make_user("moderator@example.com", is_staff=True)


# --- Sign-up and the verification email -----------------------------------------------------


def signup(client, email="aigerim@example.com", language="en", password2=PASSWORD):
    return client.post(
        url("account_signup", language),
        {"email": email, "password1": PASSWORD, "password2": password2},
    )


def test_signup_queues_one_email_that_the_task_delivers_and_whose_link_verifies(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = signup(client)
        # Queued in the request, not sent in it.
        assert mail.outbox == []
    assert response.status_code == 302
    assert response["Location"] == url("account_email_verification_sent")
    message = OutgoingEmail.objects.get()
    assert (message.kind, message.to, message.language) == (
        PRERENDERED,
        "aigerim@example.com",
        "en",
    )
    assert message.state == OutgoingEmail.State.PENDING

    for callback in callbacks:  # what commit would run: the delivery task
        callback()
    message.refresh_from_db()
    assert message.state == OutgoingEmail.State.SENT
    assert message.context == {}  # the verification key is not kept
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["aigerim@example.com"]
    assert sent.subject == "[Undeu] Please Confirm Your Email Address"
    assert "Hello from Undeu!" in sent.body
    assert sent.alternatives == []  # allauth's messages are plain text
    assert sent.extra_headers["Content-Language"] == "en"

    user = User.objects.get(email="aigerim@example.com")
    assert not has_verified_email(user)
    (link,) = [found for found in LINK.findall(sent.body) if "/confirm-email/" in found]
    assert link.startswith("http://testserver/en/accounts/confirm-email/")
    path = link.removeprefix("http://testserver")

    # A link scanner's GET changes nothing: the page shows a button.
    page = client.get(path)
    assert page.status_code == 200
    assert b'method="post"' in page.content
    assert not has_verified_email(user)

    assert client.post(path).status_code == 302
    assert has_verified_email(user)


def test_the_email_is_in_the_language_of_the_page(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, language="ru")
    message = OutgoingEmail.objects.get()
    assert message.language == "ru"
    (sent,) = mail.outbox
    assert "подтвердите" in sent.subject
    assert "/ru/accounts/confirm-email/" in sent.body


def test_links_in_emails_use_the_configured_site_url(
    client, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://petitions.example.org"
    make_user()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("account_reset_password"), {"email": "starter@example.com"})
    (sent,) = mail.outbox
    assert "https://petitions.example.org/en/accounts/password/reset/key/" in sent.body
    assert "testserver" not in sent.body


def test_a_password_reset_email_goes_through_the_outbox(client, django_capture_on_commit_callbacks):
    make_user()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url("account_reset_password"), {"email": "starter@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []
    assert OutgoingEmail.objects.get().kind == PRERENDERED
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1


def test_signup_asks_for_email_and_password_twice_only(client):
    page = client.get(url("account_signup"))
    names = set(re.findall(rb'name="([^"]+)"', page.content))
    assert {b"email", b"password1", b"password2"} <= names
    assert b"username" not in names


def test_passwords_are_hashed_with_argon2(client):
    signup(client)
    user = User.objects.get()
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)


def test_an_email_cannot_sign_up_twice(client, django_capture_on_commit_callbacks):
    make_user("aigerim@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, email="Aigerim@Example.com")
    # The same answer as a new sign-up, so nobody learns who has an account; the owner is told.
    assert response.status_code == 302
    assert User.objects.count() == 1
    (sent,) = mail.outbox
    assert sent.to == ["aigerim@example.com"]


def test_mismatched_passwords_are_refused_with_a_linked_error(client):
    response = signup(client, password2=PASSWORD + "x")
    assert response.status_code == 200
    assert not User.objects.exists()
    page = html(response)
    assert 'id="id_password2_error"' in page
    (field,) = re.findall(r'<input[^>]*name="password2"[^>]*>', page)
    assert 'aria-invalid="true"' in field
    assert re.search(r'aria-describedby="[^"]*id_password2_error', field)


@pytest.mark.parametrize(
    "email",
    [HOSTILE, "айгерім@пример", "a" * 300 + "@example.com", "aigerim@example.com\u200b", ""],
)
def test_hostile_emails_are_refused_with_a_message(client, email):
    response = signup(client, email=email)
    assert response.status_code == 200
    assert not User.objects.exists()
    assert b'id="id_email_error"' in response.content
    assert b"<script>alert" not in response.content


# --- Signing in ------------------------------------------------------------------------------


def test_a_verified_user_signs_in_by_email(client):
    make_user()
    response = sign_in(client, "Starter@Example.com")
    assert response.status_code == 302
    assert response["Location"] == url("accounts:home")
    assert is_signed_in(client)
    page = client.get(response["Location"])
    assert b"starter@example.com" in page.content


def test_an_unverified_user_cannot_sign_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client)
    client.logout()
    response = sign_in(client, "aigerim@example.com")
    assert not is_signed_in(client)
    assert response["Location"] == url("account_email_verification_sent")


def test_a_wrong_password_is_refused(client):
    make_user()
    response = sign_in(client, "starter@example.com", password="wrong-password")
    assert response.status_code == 200
    assert not is_signed_in(client)
    assert b'class="errors" role="alert"' in response.content


def test_an_unknown_email_is_refused_like_a_wrong_password(client):
    make_user()
    unknown = sign_in(client, "nobody@example.com").content.decode()
    wrong = sign_in(client, "starter@example.com", password="wrong-password").content.decode()
    error = re.compile(r'<div class="errors" role="alert">.*?</div>', re.S)
    assert error.search(unknown).group() == error.search(wrong).group()


def test_repeated_failed_sign_ins_are_refused(client):
    make_user()
    for _ in range(5):
        sign_in(client, "starter@example.com", password="guess")
    # Even the right password is refused now, and says why.
    response = sign_in(client, "starter@example.com")
    assert response.status_code == 200
    assert not is_signed_in(client)
    assert b"Too many failed login attempts" in response.content


def test_too_many_requests_get_a_translated_page(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login": "2/m/ip"}
    for _ in range(2):
        sign_in(client, "nobody@example.com", language="ru")
    response = sign_in(client, "nobody@example.com", language="ru")
    assert response.status_code == 429
    assert b'<html lang="ru">' in response.content
    assert b"<h1>" in response.content


def test_sign_out_is_a_post_form_with_a_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    page = client.get(url("accounts:home")).content.decode()
    form = re.search(
        r'<form method="post" action="' + re.escape(url("account_logout")) + r'".*?</form>',
        page,
        re.S,
    )
    assert form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group()).group(1)

    assert client.post(url("account_logout")).status_code == 403  # forged: no token
    assert is_signed_in(client)
    response = client.post(url("account_logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert not is_signed_in(client)


def test_the_account_link_sends_visitors_to_sign_in(client):
    response = client.get(url("accounts:home", "kk"))
    assert response.status_code == 302
    assert response["Location"] == url("account_login", "kk") + "?next=/kk/accounts/"


# --- Verified email, for the starter's path ------------------------------------------------


def test_has_verified_email():
    from django.contrib.auth.models import AnonymousUser

    assert not has_verified_email(AnonymousUser())
    assert not has_verified_email(make_user("new@example.com", verified=False))
    assert has_verified_email(make_user("known@example.com"))
    other = make_user("other@example.com", verified=False)
    EmailAddress.objects.create(user=other, email="second@example.com", verified=True)
    assert not has_verified_email(other)  # only the primary address counts


# --- Two-factor authentication for staff ----------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/auth/user/", "/en/moderation/", "/ru/moderation/queue/"]
)
def test_staff_without_an_authenticator_are_sent_to_set_one_up(client, staff, path):
    client.force_login(staff)
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 302
    language = "en" if path.startswith("/en/") else "ru"
    assert response["Location"] == url("mfa_activate_totp", language)


def test_the_setup_page_explains_why_in_the_visitors_language(client, staff, frozen_clock):
    sign_in(client, staff.email, language="ru")
    response = client.get("/ru/moderation/", follow=True)
    # allauth asks for the password again first, then for the authenticator.
    assert response.redirect_chain[0][0] == url("mfa_activate_totp", "ru")
    assert response.redirect_chain[-1][0].startswith(url("account_reauthenticate", "ru"))
    assert response.status_code == 200
    with translation.override("ru"):
        explanation = str(TWO_FACTOR_REQUIRED)
    messages = re.search(r'<div class="account-messages" role="status">.*?</div>', html(response))
    assert f"<p>{explanation}</p>" in messages.group()


def test_moderators_who_are_not_staff_need_an_authenticator_too(client):
    moderator = make_user("moderator@example.com")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate"))
    client.force_login(moderator)
    assert client.get("/en/moderation/")["Location"] == url("mfa_activate_totp")
    TOTP.activate(moderator, generate_totp_secret())
    assert client.get("/en/moderation/").get("Location") != url("mfa_activate_totp")


def test_recovery_codes_alone_are_not_a_second_factor(client, staff):
    RecoveryCodes.activate(staff)
    client.force_login(staff)
    assert client.get("/admin/")["Location"] == url("mfa_activate_totp", "kk")


def test_other_users_are_not_asked_for_an_authenticator(client):
    client.force_login(make_user())
    response = client.get("/en/moderation/")
    assert response.get("Location") != url("mfa_activate_totp")
    assert client.get(url("petitions:home")).status_code == 200


def test_staff_with_an_authenticator_reach_the_admin(client, staff):
    TOTP.activate(staff, generate_totp_secret())
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


def test_staff_set_up_an_authenticator_through_the_form_and_then_reach_the_admin(
    client, staff, frozen_clock
):
    sign_in(client, staff.email)
    assert client.get("/admin/")["Location"] == url("mfa_activate_totp", "kk")
    assert client.get(url("mfa_activate_totp"))["Location"].startswith(
        url("account_reauthenticate")
    )
    reauthenticate(client)
    page = client.get(url("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]

    wrong = client.post(url("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=staff).exists()

    response = client.post(url("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert client.get("/admin/").status_code == 200


def test_staff_with_an_authenticator_are_asked_for_the_code_at_sign_in(client, staff, frozen_clock):
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)

    response = client.post(
        url("account_login") + "?next=/admin/", {"login": staff.email, "password": PASSWORD}
    )
    assert response["Location"] == url("mfa_authenticate")
    assert not is_signed_in(client)  # the password alone is not enough
    assert client.get("/admin/").status_code == 302

    wrong = client.post(url("mfa_authenticate"), {"code": "123456"})
    assert wrong.status_code == 200
    assert not is_signed_in(client)

    response = client.post(url("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert is_signed_in(client)
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_is_allauths(client):
    response = client.get("/admin/login/?next=/admin/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 302
    assert response["Location"] == url("account_login", "ru") + "?next=%2Fadmin%2F"
    # Posting a password to the admin's own form does not sign anyone in.
    make_user("admin@example.com", is_staff=True, is_superuser=True)
    client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert not is_signed_in(client)


def test_users_who_are_not_staff_are_refused_the_admin(client):
    client.force_login(make_user())
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


# --- Pages: our layout, accessible, in three languages ---------------------------------------


class PageAudit(HTMLParser):
    """Collects what the accessibility checks below need from a page."""

    def __init__(self):
        super().__init__()
        self.h1 = 0
        self.labels = set()
        self.inputs = []
        self.inline_scripts = 0
        self.site_header = False
        self.html_lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h1":
            self.h1 += 1
        elif tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        elif tag in {"input", "select", "textarea"}:
            if attrs.get("type") not in {"hidden", "submit"}:
                self.inputs.append(attrs)
        elif tag == "script" and not attrs.get("src") and attrs.get("type") != "application/json":
            self.inline_scripts += 1
        elif tag == "header" and "site-header" in (attrs.get("class") or ""):
            self.site_header = True


def audit(response) -> PageAudit:
    page = PageAudit()
    page.feed(response.content.decode())
    return page


ANONYMOUS_PAGES = ["account_login", "account_signup", "account_reset_password"]
SIGNED_IN_PAGES = [
    "accounts:home",
    "account_logout",
    "account_reauthenticate",
    "account_email",
    "account_change_password",
    "mfa_index",
    "mfa_activate_totp",
]


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_account_pages_use_the_site_layout_and_are_accessible(client, language, frozen_clock):
    def check(name):
        response = client.get(url(name, language))
        assert response.status_code == 200, name
        page = audit(response)
        assert page.site_header, name
        assert page.html_lang == language, name
        assert page.h1 == 1, name
        assert page.inline_scripts == 0, name
        for field in page.inputs:
            assert field.get("id") in page.labels, (name, field)
        return response

    for name in ANONYMOUS_PAGES:
        check(name)
    if language == "ru":  # allauth's own Russian
        assert "Войти" in html(client.get(url("account_login", "ru")))
    user = make_user()
    sign_in(client, user.email, language=language)
    reauthenticate(client, language)  # setting up two-factor authentication asks for it
    for name in SIGNED_IN_PAGES:
        check(name)


def test_the_authenticator_page_shows_the_qr_code_as_an_image_the_csp_allows(
    client, staff, frozen_clock
):
    sign_in(client, staff.email)
    reauthenticate(client)
    response = client.get(url("mfa_activate_totp"))
    assert b'src="data:image/svg+xml' in response.content
    assert "data:" in response["Content-Security-Policy"]


def test_the_two_factor_step_renders_in_our_layout(client, staff, frozen_clock):
    TOTP.activate(staff, generate_totp_secret())
    sign_in(client, staff.email, language="kk")
    response = client.get(url("mfa_authenticate", "kk"))
    page = audit(response)
    assert page.site_header
    assert page.h1 == 1
    assert all(field.get("id") in page.labels for field in page.inputs)


# --- The shared header and cacheable anonymous pages ------------------------------------------


def test_anonymous_petition_pages_set_no_cookies_and_stay_cacheable(client, petition):
    response = client.get(url("petitions:detail", "kk", slug=petition.slug))
    assert response.status_code == 200
    assert response.cookies == {}
    assert "public" in response["Cache-Control"]
    assert f'href="{url("accounts:home", "kk")}"'.encode() in response.content


def test_the_header_is_the_same_for_signed_in_people(client, petition):
    anonymous = client.get(url("petitions:detail", "kk", slug=petition.slug)).content
    client.force_login(make_user())
    signed_in = client.get(url("petitions:detail", "kk", slug=petition.slug)).content

    def header(content):
        return re.search(rb'<header class="site-header">.*?</header>', content, re.S).group()

    assert header(anonymous) == header(signed_in)
    assert b"starter@example.com" not in signed_in


# --- The outbox's prerendered kind -----------------------------------------------------------


def test_a_prerendered_message_is_sent_as_it_was_rendered(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        text_only = queue_email(
            PRERENDERED,
            to="a@example.com",
            language="kk",
            context={"subject": "Сәлем\nжол", "text": "Мәтін", "html": ""},
        )
        with_html = queue_email(
            PRERENDERED,
            to="b@example.com",
            language="ru",
            context={"subject": "Привет", "text": "Текст", "html": "<p>Текст</p>"},
        )
    assert deliver(text_only) and deliver(with_html)
    first, second = mail.outbox
    assert (first.subject, first.body, first.alternatives) == ("Сәлем жол", "Мәтін", [])
    assert second.alternatives[0][0] == "<p>Текст</p>"
    assert OutgoingEmail.objects.get(pk=with_html).context == {}
