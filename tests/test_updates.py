"""Updates: a starter posts them, the page shows them, opted-in signers get them by email in
batches, exactly once each, with a one-click unsubscribe that keeps their signature."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tests.conftest import HOSTILE
from undeu.audit.models import AuditEntry
from undeu.mail.models import OutgoingEmail
from undeu.signatures.counting import current_count, stored_count
from undeu.signatures.models import Signature, SignatureState
from undeu.updates import mailing as mailing_module
from undeu.updates.mailing import resume_stalled_mailings, send_batch
from undeu.updates.models import Mailing, Update
from undeu.updates.posting import post_update
from undeu.updates.unsubscribe import signature_for_token, unsubscribe_token

pytestmark = pytest.mark.django_db

TEXTS = {
    "kk": ("Әкімдік жауап берді", f"Жиналыс **сейсенбіде**. {HOSTILE}"),
    "ru": ("Акимат ответил", f"Встреча во **вторник**. {HOSTILE}"),
}


@pytest.fixture
def owned(make_petition, starter):
    return make_petition("park", starter=starter)


@pytest.fixture
def signers(owned, sign_and_confirm):
    """Five confirmed signers who want emails (three in Kazakh, two in Russian), two who do not,
    and one who wants them but never confirmed."""
    wanted = [
        sign_and_confirm(owned, f"yes{i}@example.com", wants_updates=True, language=language)
        for i, language in enumerate(["kk", "ru", "kk", "ru", "kk"])
    ]
    for i in range(2):
        sign_and_confirm(owned, f"no{i}@example.com", wants_updates=False, language="ru")
    pending = sign_and_confirm(owned, "pending@example.com", wants_updates=True)
    Signature.objects.filter(pk=pending.pk).update(state=SignatureState.PENDING)
    return wanted


def post_as(client, user, petition, data, language="kk"):
    client.force_login(user)
    return client.post(f"/{language}/p/{petition.slug}/updates/new/", data)


def form_data(texts=TEXTS):
    data = {}
    for language, (title, body) in texts.items():
        data[f"title_{language}"] = title
        data[f"body_{language}"] = body
    return data


# --- who may post -------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_log_in(client, owned):
    response = client.get(f"/kk/p/{owned.slug}/updates/new/")
    assert response.status_code == 302
    with translation.override("kk"):
        assert response.url.startswith(resolve_url(settings.LOGIN_URL) + "?next=")
    assert client.post(f"/kk/p/{owned.slug}/updates/new/", form_data()).status_code == 302
    assert not Update.objects.exists()


def test_someone_else_cannot_post_an_update(client, owned, stranger):
    client.force_login(stranger)
    assert client.get(f"/kk/p/{owned.slug}/updates/new/").status_code == 404
    assert post_as(client, stranger, owned, form_data()).status_code == 404
    assert not Update.objects.exists()


@pytest.mark.parametrize("state", ["draft", "submitted", "rejected", "removed"])
def test_updates_are_only_for_public_petitions(client, make_petition, starter, state):
    petition = make_petition("hidden", state=state, starter=starter)
    assert post_as(client, starter, petition, form_data()).status_code == 404


def test_the_form_needs_a_title_and_a_text_in_some_language(client, owned, starter):
    client.force_login(starter)
    page = client.get(f"/kk/p/{owned.slug}/updates/new/")
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in page.content.decode()
    assert "Cache-Control" in page and "no-cache" in page["Cache-Control"]

    empty = post_as(client, starter, owned, {"title_kk": "", "body_kk": ""})
    assert empty.status_code == 400
    assert 'role="alert"' in empty.content.decode()

    half = post_as(client, starter, owned, {"title_kk": "Тақырып", "body_kk": ""})
    assert half.status_code == 400
    html = half.content.decode()
    assert 'id="id_body_kk_error"' in html
    assert 'aria-describedby="id_body_kk_helptext id_body_kk_error"' in html
    assert not Update.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"title_kk": "a\x00b", "body_kk": "text"},
        {"title_kk": "x" * 5000, "body_kk": "text"},
        {"title_kk": "Тақырып", "body_kk": "y" * 30000},
        {"title_xx": "unknown language", "body_xx": "ignored"},
    ],
)
def test_hostile_input_is_a_400_not_a_500(client, owned, starter, data):
    assert post_as(client, starter, owned, data).status_code == 400
    assert not Update.objects.exists()


def test_the_starter_needs_the_csrf_token(owned, starter):
    client = Client(enforce_csrf_checks=True)
    client.force_login(starter)
    assert client.post(f"/kk/p/{owned.slug}/updates/new/", form_data()).status_code == 403
    assert not Update.objects.exists()


# --- on the page --------------------------------------------------------------------------


def test_updates_show_on_the_page_newest_first_in_the_readers_language(
    client, owned, starter, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=1), tick=False):
        response = post_as(client, starter, owned, form_data())
    assert response.status_code == 303
    assert response.url == f"/kk/p/{owned.slug}/manage/"
    post_as(client, starter, owned, {"title_kk": "Екінші жаңалық", "body_kk": "Мәтін"})
    client.logout()

    kk = client.get(f"/kk/p/{owned.slug}/").content.decode()
    assert kk.index("Екінші жаңалық") < kk.index("Әкімдік жауап берді")
    assert "<strong>сейсенбіде</strong>" in kk
    assert "<script>alert" not in kk
    ru = client.get(f"/ru/p/{owned.slug}/").content.decode()
    assert "Акимат ответил" in ru and "Әкімдік жауап берді" not in ru
    # Not written in Russian: shown in the petition's primary language.
    assert '<article class="update" lang="kk">' in ru and "Екінші жаңалық" in ru
    en = client.get(f"/en/p/{owned.slug}/").content.decode()
    assert "Әкімдік жауап берді" in en  # no English text: the primary (Kazakh) one

    entry = AuditEntry.objects.filter(action="petition.update_posted").order_by("id").first()
    assert entry.actor == starter and entry.data["languages"] == ["kk", "ru"]


def test_updates_cost_the_page_one_query(client, owned, starter, sign_and_confirm, site_mode_read):
    sign_and_confirm(owned)
    for i in range(3):
        post_update(
            owned, author=starter, texts={"kk": (f"Жаңалық {i}", "Мәтін")}, base_url="http://x"
        )
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/kk/p/{owned.slug}/").content.decode()
    assert "Жаңалық 2" in page
    # The petition, its versions, count, targets, recent signers, the daily chart's tallies
    # and the updates.
    assert len(queries.captured_queries) <= 7
    assert sum("updates_updatetext" in q["sql"] for q in queries.captured_queries) == 1


# --- emailing -----------------------------------------------------------------------------


def test_an_update_is_emailed_once_to_each_opted_in_signer_in_their_language(
    client, owned, starter, signers, settings, django_capture_on_commit_callbacks
):
    settings.UNDEU_MAILING_BATCH = 2
    with django_capture_on_commit_callbacks(execute=True):
        assert post_as(client, starter, owned, form_data()).status_code == 303

    sent = {message.to[0]: message for message in mail.outbox}
    assert sorted(sent) == sorted(s.email for s in signers)
    for signature in signers:
        message = sent[signature.email]
        title, _ = TEXTS[signature.language]
        assert title in message.subject
        assert message.extra_headers["Content-Language"] == signature.language
        unsubscribe = message.extra_headers["List-Unsubscribe"]
        assert re.fullmatch(
            rf"<http://testserver/{signature.language}/unsubscribe/[^/>]+/>", unsubscribe
        )
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = unsubscribe.strip("<>")
        assert link in message.body
        assert link in message.alternatives[0].content
        assert "<script>alert" not in message.alternatives[0].content
        assert signature_for_token(link.rstrip("/").rsplit("/", 1)[1]) == signature

    mailing = Mailing.objects.get()
    assert mailing.finished_at is not None and mailing.queued == 5
    assert mailing.last_signature_id == signers[-1].pk
    assert Update.objects.get().emailed_at is not None
    # Five emails in batches of two: three batches, then one that finds nothing and finishes.
    assert OutgoingEmail.objects.filter(kind="petition_update").count() == 5
    # One of many: sent after every email a person is waiting for.
    assert set(
        OutgoingEmail.objects.filter(kind="petition_update").values_list("priority", flat=True)
    ) == {OutgoingEmail.Priority.BULK}

    manage = client.get(f"/en/p/{owned.slug}/manage/").content.decode()
    assert "Акимат ответил" not in manage and "Әкімдік жауап берді" in manage
    assert "emailed to 5 signers" in manage

    # Running the task again, from the start or the end, sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert not send_batch(mailing.pk, 0)
        assert not send_batch(mailing.pk, mailing.last_signature_id)
    assert len(mail.outbox) == 5


def test_two_workers_on_the_same_batch_queue_it_once(owned, starter, signers, settings):
    settings.UNDEU_MAILING_BATCH = 2
    update = post_update(owned, author=starter, texts={"kk": TEXTS["kk"]}, base_url="http://x")
    mailing = Mailing.objects.get(update=update)
    assert send_batch(mailing.pk, 0)
    assert not send_batch(mailing.pk, 0)  # the second worker finds the progress moved
    assert OutgoingEmail.objects.filter(kind="petition_update").count() == 2


def test_a_crash_in_a_batch_loses_nothing_and_sends_nothing_twice(
    owned, starter, signers, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.UNDEU_MAILING_BATCH = 2
    update = post_update(owned, author=starter, texts={"kk": TEXTS["kk"]}, base_url="http://x")
    mailing = Mailing.objects.get(update=update)
    real_queue_email = mailing_module.queue_email
    calls = []

    def crash_on_the_second(*args, **kwargs):
        calls.append(kwargs["to"])
        if len(calls) == 2:
            raise ConnectionError("worker died")
        return real_queue_email(*args, **kwargs)

    monkeypatch.setattr(mailing_module, "queue_email", crash_on_the_second)
    with pytest.raises(ConnectionError):
        send_batch(mailing.pk, 0)
    mailing.refresh_from_db()
    assert mailing.last_signature_id == 0
    assert not OutgoingEmail.objects.filter(kind="petition_update").exists()

    monkeypatch.setattr(mailing_module, "queue_email", real_queue_email)
    with django_capture_on_commit_callbacks(execute=True):
        send_batch(mailing.pk, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in signers)


def test_a_mailing_whose_task_was_lost_is_resumed(
    owned, starter, signers, settings, django_capture_on_commit_callbacks
):
    settings.UNDEU_MAILING_BATCH = 2
    update = post_update(owned, author=starter, texts={"kk": TEXTS["kk"]}, base_url="http://x")
    mailing = Mailing.objects.get(update=update)
    send_batch(mailing.pk, 0)  # its after-commit enqueue of the next batch never runs
    assert resume_stalled_mailings() == 0  # not stalled yet
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=3)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert resume_stalled_mailings() == 1
        assert resume_stalled_mailings() == 0  # taken: not resumed twice
    mailing.refresh_from_db()
    assert mailing.finished_at is not None
    assert OutgoingEmail.objects.filter(kind="petition_update").count() == 5
    # The first batch's emails are still waiting for the sweep; the others were delivered.
    assert len(mail.outbox) == 3


def test_signers_who_arrive_after_the_update_are_not_emailed_it(
    owned, starter, signers, sign_and_confirm, django_capture_on_commit_callbacks
):
    update = post_update(owned, author=starter, texts={"kk": TEXTS["kk"]}, base_url="http://x")
    sign_and_confirm(owned, "late@example.com", wants_updates=True)
    with django_capture_on_commit_callbacks(execute=True):
        send_batch(Mailing.objects.get(update=update).pk, 0)
    assert "late@example.com" not in [m.to[0] for m in mail.outbox]
    assert len(mail.outbox) == 5


# --- unsubscribing ------------------------------------------------------------------------


@pytest.fixture
def unsubscribe_path(signers):
    signature = signers[1]  # a Russian signer
    return signature, f"/ru/unsubscribe/{unsubscribe_token(signature.pk)}/"


def test_one_click_unsubscribe_from_a_mail_client(
    unsubscribe_path, owned, starter, django_capture_on_commit_callbacks
):
    signature, path = unsubscribe_path
    count_before = stored_count(owned.pk)
    mail_client = Client(enforce_csrf_checks=True)  # no cookies, no token
    response = mail_client.post(
        path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
        headers={"Origin": "https://mail.example.net", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    signature.refresh_from_db()
    assert signature.wants_updates is False
    assert signature.state == SignatureState.CONFIRMED and signature.confirmed_at
    assert stored_count(owned.pk) == count_before == current_count(owned.pk)
    # Twice is fine.
    again = mail_client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert again.status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        post_update(owned, author=starter, texts={"kk": TEXTS["kk"]}, base_url="http://x")
    assert len(mail.outbox) == 4
    assert signature.email not in [m.to[0] for m in mail.outbox]


def test_opening_the_link_changes_nothing_and_offers_a_button(client, unsubscribe_path):
    signature, path = unsubscribe_path
    for method in (client.get, client.head):
        assert method(path).status_code == 200
    page = client.get(path).content.decode()
    assert f'<form method="post" action="{path}">' in page
    assert "Сохраним парк" in page  # the petition in the link's language
    signature.refresh_from_db()
    assert signature.wants_updates is True


def test_the_page_after_unsubscribing_says_the_signature_still_counts(client, unsubscribe_path):
    signature, path = unsubscribe_path
    page = client.post(path.replace("/ru/", "/en/", 1)).content.decode()
    assert "Your signature is kept and still counts." in page
    assert 'name="List-Unsubscribe"' not in page  # no button: it is done
    signature.refresh_from_db()
    assert not signature.wants_updates and signature.state == SignatureState.CONFIRMED


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "x" * 500,
        "-1.abc",
        "1.",
    ],
)
def test_bad_links_are_a_translated_404(client, signers, token):
    response = client.get(f"/ru/unsubscribe/{token}/")
    assert response.status_code == 404
    assert "Эта ссылка не работает" in response.content.decode()
    assert client.post(f"/ru/unsubscribe/{token}/").status_code in (400, 404)
    assert Signature.objects.filter(wants_updates=True).count() == 6


def test_a_token_cannot_be_moved_to_another_signature_or_be_a_confirmation_token(client, signers):
    first, second = signers[0], signers[1]
    token = unsubscribe_token(first.pk)
    forged = f"{second.pk}.{token.split('.', 1)[1]}"
    assert client.post(f"/kk/unsubscribe/{forged}/").status_code == 404
    # Another salt's signature of the same id (say, a confirmation-like token) is refused too.
    from django.core.signing import Signer

    other = Signer(salt="something-else", sep=".").sign(str(first.pk))
    assert client.post(f"/kk/unsubscribe/{other}/").status_code == 404
    assert Signature.objects.filter(wants_updates=True).count() == 6


def test_staff_can_review_updates_and_mailings_in_the_admin(rf, admin_user, owned, starter):
    from django.contrib import admin

    from undeu.delivery.models import ThresholdReached

    post_update(owned, author=starter, texts={"kk": TEXTS["kk"]}, base_url="http://x")
    for model in (Update, Mailing, ThresholdReached):
        request = rf.get("/admin/")
        request.user = admin_user
        response = admin.site._registry[model].changelist_view(request)
        response.render()
        assert response.status_code == 200
    update_admin = admin.site._registry[Update]
    request = rf.get("/admin/")
    request.user = admin_user
    response = update_admin.change_view(request, str(Update.objects.get().pk))
    response.render()
    assert "Әкімдік жауап берді" in response.content.decode()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_a_batch_queue_it_once(
    make_petition, sign_and_confirm, django_user_model, settings, monkeypatch
):
    """Both workers read the same progress and the same recipients before either writes: only
    the conditional UPDATE stops the second from queueing the batch again."""
    import threading

    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is tested on PostgreSQL")
    settings.UNDEU_MAILING_BATCH = 3
    starter = django_user_model.objects.create_user("starter", "starter@example.com")
    petition = make_petition("race", starter=starter)
    for i in range(4):
        sign_and_confirm(petition, f"race{i}@example.com", wants_updates=True)
    # The batches are run by the two workers below, not by the task queue.
    monkeypatch.setattr(mailing_module, "enqueue_batch", lambda *args, **kwargs: None)
    update = post_update(petition, author=starter, texts={"kk": TEXTS["kk"]}, base_url="http://x")
    mailing = Mailing.objects.get(update=update)

    both_have_read = threading.Barrier(2)
    real_recipients = mailing_module._recipients

    def recipients_then_wait(mailing):
        found = real_recipients(mailing)
        both_have_read.wait(timeout=10)
        return found

    monkeypatch.setattr(mailing_module, "_recipients", recipients_then_wait)
    results = [None, None]

    def worker(i):
        try:
            results[i] = send_batch(mailing.pk, 0)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, True]
    assert OutgoingEmail.objects.filter(kind="petition_update").count() == 3
