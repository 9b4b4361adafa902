"""The admin's changelist search is bounded for every model admin (core/admin_site.py): a
search too long for the database (SQLite refuses a LIKE pattern over 50,000 bytes) was a 500."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib import admin
from django.test import Client

from undeu.core.admin_site import MAX_SEARCH_LENGTH, UndeuAdminSite

pytestmark = pytest.mark.django_db

# Ours, allauth's and Django's own: the rule is the site's, not a model admin's.
CHANGELISTS = ["/admin/signatures/signature/", "/admin/account/emailaddress/", "/admin/auth/user/"]
MESSAGES = {
    "en": "A search can be at most 200 characters long.",
    "ru": "Поисковый запрос может содержать не более 200 символов.",
    "kk": "Іздеу сөзі 200 таңбадан аспауы керек.",
}


@pytest.fixture
def staff(django_user_model) -> Client:
    user = django_user_model.objects.create_superuser("root", "root@example.com", None)
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_is_the_bounded_site():
    assert isinstance(admin.site, UndeuAdminSite)


@pytest.mark.parametrize("path", CHANGELISTS)
def test_a_search_up_to_the_limit_is_searched(staff, path):
    response = staff.get(path, {"q": "ә" * MAX_SEARCH_LENGTH})
    assert response.status_code == 200


@pytest.mark.parametrize("path", CHANGELISTS)
@pytest.mark.parametrize("length", [MAX_SEARCH_LENGTH + 1, 60_000, 1_000_000])
def test_a_longer_search_is_a_400_that_says_why(staff, path, length):
    response = staff.get(path, {"q": "a" * length}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.content.decode() == MESSAGES["en"]


@pytest.mark.parametrize("language", MESSAGES)
def test_the_message_is_in_the_moderators_language(staff, language):
    response = staff.get(CHANGELISTS[0], {"q": "я" * 60_000}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.content.decode() == MESSAGES[language]


def test_who_may_not_see_the_admin_is_sent_to_sign_in_first():
    response = Client().get(CHANGELISTS[0], {"q": "a" * (MAX_SEARCH_LENGTH + 1)})
    assert response.status_code == 302


def test_a_sign_in_address_too_long_to_redirect_to_is_a_400():
    # Django's own answer to a redirect over 16,384 characters (the search in its ?next=).
    client = Client(raise_request_exception=False)
    assert client.get(CHANGELISTS[0], {"q": "a" * 60_000}).status_code == 400
