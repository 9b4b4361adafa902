import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from tests.conftest import signature_request
from undeu.signatures.counting import current_count
from undeu.signatures.models import Signature, SignatureEvent, SignatureState
from undeu.signatures.signing import sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirm_path(petition, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign(petition.pk, signature_request(language="kk"), base_url="http://testserver")
    return re.search(r"http://testserver(/kk/confirm/[^/\s]+/)", mail.outbox[-1].body).group(1)


def test_opening_the_link_changes_nothing(client, petition, confirm_path):
    for _ in range(3):  # a corporate link scanner may fetch it several times
        response = client.get(confirm_path)
        assert response.status_code == 200
        assert b'<form method="post"' in response.content
    assert Signature.objects.get().state == SignatureState.PENDING
    assert current_count(petition.pk) == 0
    assert "no-store" in response["Cache-Control"]


def test_pressing_the_button_confirms_and_shows_the_new_count(client, petition, confirm_path):
    response = client.post(confirm_path)
    assert response.status_code == 303
    assert response["Location"] == confirm_path
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert Signature.objects.get().state == SignatureState.CONFIRMED
    assert current_count(petition.pk) == 1
    text = page.content.decode()
    assert 'value="1"' in text  # the progress bar
    assert f"http://testserver/kk/p/{petition.slug}/" in text  # the link to share
    assert "https://t.me/share/url?url=" in text
    assert SignatureEvent.objects.filter(kind="confirmed").count() == 1


def test_the_page_after_confirming_counts_the_signer_whatever_another_process_kept(
    client, petition, confirm_path
):
    # Another web process read the count a moment ago and keeps it (without a shared cache,
    # confirming makes only the process that confirmed forget it).
    cache.set(f"count:{petition.pk}", 0)
    client.post(confirm_path)
    page = client.get(confirm_path)
    assert 'value="1"' in page.content.decode()
    assert current_count(petition.pk) == 1


def test_confirming_twice_counts_once(client, petition, confirm_path):
    client.post(confirm_path)
    second = client.post(confirm_path)
    assert second.status_code == 303
    assert current_count(petition.pk) == 1
    assert SignatureEvent.objects.count() == 1


def test_an_unknown_token_is_a_translated_404(client, petition, confirm_path):
    response = client.get("/ru/confirm/not-a-real-token/")
    assert response.status_code == 404
    assert response.content.decode().count("<h1>") == 1
    assert client.post("/ru/confirm/not-a-real-token/").status_code == 404


def test_confirmations_are_accepted_for_a_day_after_closing(client, petition, confirm_path):
    petition.state = "closed"
    petition.closed_at = timezone.now()
    petition.save()
    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        assert client.post(confirm_path).status_code == 303
    assert current_count(petition.pk) == 1


def test_confirmations_are_refused_after_the_grace_period(client, petition, confirm_path):
    petition.state = "closed"
    petition.closed_at = timezone.now()
    petition.save()
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        response = client.post(confirm_path)
    assert response.status_code == 410
    assert Signature.objects.get().state == SignatureState.PENDING
    assert current_count(petition.pk) == 0


def test_a_post_from_another_site_is_refused(client, petition, confirm_path):
    response = client.post(confirm_path, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    response = client.post(confirm_path, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert Signature.objects.get().state == SignatureState.PENDING
    same_site = client.post(
        confirm_path,
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
    )
    assert same_site.status_code == 303


def test_a_link_scanners_head_request_changes_nothing(client, petition, confirm_path):
    assert client.head(confirm_path).status_code == 200
    assert Signature.objects.get().state == SignatureState.PENDING
