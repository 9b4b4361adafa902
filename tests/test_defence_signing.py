"""The abuse defences on the signing path: rate limits that flag instead of refusing, the
honeypot, the flagged signer's unchanged experience, and the "under attack" switch."""

import datetime
import re
import uuid

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone, translation

from tests.conftest import outbox_to
from undeu.defence import limits, modes
from undeu.defence.models import RateWindow
from undeu.mail.models import OutgoingEmail
from undeu.mail.outbox import send_batch
from undeu.petitions.models import DefenceMode
from undeu.signatures.counting import recount, stored_count
from undeu.signatures.models import Signature, SignatureState

pytestmark = pytest.mark.django_db
S = SignatureState


@pytest.fixture(autouse=True)
def _fresh_switches():
    modes.forget_site_mode()
    yield
    modes.forget_site_mode()


def post(client, n=0, *, remote="198.51.100.20", language="kk", slug="park", **fields):
    data = {
        "full_name": "Айгерім Сапарова",
        "email": f"signer{n}@example.org",
        "country": "KZ",
        "city": "",
        **fields,
    }
    return client.post(f"/{language}/p/{slug}/sign/", data, REMOTE_ADDR=remote)


def states():
    return list(Signature.objects.order_by("pk").values_list("state", flat=True))


# --- Limits ---------------------------------------------------------------------------------


def test_beyond_the_burst_limit_of_one_address_signatures_are_flagged_not_refused(
    client, petition, settings
):
    settings.UNDEU_LIMIT_PER_IP = [(3, 60)]
    responses = [post(client, n) for n in range(5)]
    # Every signer sees the same answer: a bot learns nothing from it.
    assert {r.status_code for r in responses} == {303}
    assert {r["Location"] for r in responses} == {"/kk/p/park/check-email/"}
    assert states() == [S.PENDING] * 3 + [S.FLAGGED] * 2
    flagged = Signature.objects.filter(state=S.FLAGGED).first()
    assert flagged.flag_list == ["ip-60s"]
    assert flagged.ip_address == "198.51.100.20" and flagged.network == "198.51.100.0/24"
    # Everyone got the same confirmation email.
    assert OutgoingEmail.objects.filter(kind="confirm_signature").count() == 5


def test_a_changed_limit_applies_to_the_next_signature(client, petition, settings):
    """The rules are built once, not per signature, and built again when a limit changes."""
    settings.UNDEU_LIMIT_PER_IP = [(5, 60)]
    assert limits.rules()[0] == limits.Rule("ip", 5, 60)
    post(client, 0)
    settings.UNDEU_LIMIT_PER_IP = [(1, 60)]
    assert limits.Rule("ip", 1, 60) in limits.rules()
    assert limits.Rule("ip", 5, 60) not in limits.rules()
    post(client, 1)
    assert states() == [S.PENDING, S.FLAGGED]


def test_other_addresses_are_not_limited_by_a_busy_one(client, petition, settings):
    settings.UNDEU_LIMIT_PER_IP = [(2, 60)]
    for n in range(4):
        post(client, n, remote="203.0.113.5")
    post(client, 10, remote="192.0.2.7")
    assert Signature.objects.for_email("signer10@example.org").get().state == S.PENDING


def test_network_domain_and_petition_limits(client, petition, settings):
    settings.UNDEU_LIMIT_PER_IP = []
    settings.UNDEU_LIMIT_PER_NETWORK = [(2, 60)]
    for n in range(3):
        post(client, n, remote=f"203.0.113.{n + 1}")
    assert states()[-1] == S.FLAGGED
    assert Signature.objects.for_email("signer2@example.org").get().flag_list == ["network-60s"]

    settings.UNDEU_LIMIT_PER_NETWORK = []
    settings.UNDEU_LIMIT_PER_DOMAIN = [(1, 3600)]
    post(client, 20, remote="192.0.2.1", email="a@kazmail.example")
    post(client, 21, remote="192.0.2.2", email="b@kazmail.example")
    assert Signature.objects.for_email("b@kazmail.example").get().flag_list == ["domain-3600s"]
    # Half a country signs from the big providers: they have no domain limit.
    post(client, 22, remote="192.0.2.3", email="a@gmail.com")
    post(client, 23, remote="192.0.2.4", email="b@gmail.com")
    assert Signature.objects.for_email("b@gmail.com").get().state == S.PENDING

    settings.UNDEU_LIMIT_PER_DOMAIN = []
    settings.UNDEU_LIMIT_PER_PETITION = [(6, 60)]
    post(client, 30, remote="192.0.2.30")
    assert Signature.objects.for_email("signer30@example.org").get().flag_list == ["petition-60s"]


def test_several_limits_say_which(client, petition, settings):
    settings.UNDEU_LIMIT_PER_IP = [(1, 60), (100, 86400)]
    settings.UNDEU_LIMIT_PER_NETWORK = [(1, 60)]
    post(client, 0)
    post(client, 1)
    assert Signature.objects.for_email("signer1@example.org").get().flag_list == [
        "ip-60s",
        "network-60s",
    ]


def test_windows_are_kept_in_the_database_without_redis_and_expire(client, petition, settings):
    settings.UNDEU_LIMIT_PER_IP = [(5, 60)]
    post(client, 0)
    windows = list(RateWindow.objects.values_list("key", "hits"))
    assert any(key.endswith(":ip:198.51.100.20:60") and hits == 1 for key, hits in windows)
    # Kept until one window after theirs ends: the day's window outlives the minute's.
    assert limits.forget_expired() == 0
    minutes = sum(key.endswith(":60") for key, _hits in windows)
    assert 0 < minutes < len(windows)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2, seconds=1)):
        assert limits.forget_expired() == minutes
        assert not RateWindow.objects.filter(key__endswith=":60").exists()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2, seconds=1)):
        assert limits.forget_expired() == len(windows) - minutes
    assert not RateWindow.objects.exists()


def test_window_keys_sort_by_expiry_in_the_databases_own_order(db):
    """forget_expired compares keys as the database sorts text, in its own collation: a
    window that ends one second later, or holds any name, must sort after the cut."""
    for expiry, name in [(999, "zzz"), (1000, "0"), (1001, "-"), (10**10, "Ä"), (99, "~")]:
        RateWindow.objects.create(key=f"rl:{expiry:011d}:{name}:60", hits=1)
    with time_machine.travel(1000, tick=False):
        assert limits.forget_expired() == 2
    assert sorted(RateWindow.objects.values_list("key", flat=True)) == [
        "rl:00000001000:0:60",
        "rl:00000001001:-:60",
        "rl:10000000000:Ä:60",
    ]


def test_the_windows_have_no_index_but_their_key(db):
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, RateWindow._meta.db_table)
    # SQLite's introspection leaves out the primary key's own index.
    assert [
        what["columns"]
        for what in found.values()
        if (what["index"] or what["unique"]) and not what["primary_key"]
    ] == []


@pytest.fixture
def redis_store(settings, monkeypatch):
    """The real Redis on 127.0.0.1:6379, under a prefix of this test's own."""
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    store = limits.RedisStore(settings.REDIS_URL, f"test-{uuid.uuid4().hex}")
    monkeypatch.setattr(limits, "_store", lambda: store)
    yield store
    store.clear()


def test_with_redis_the_windows_are_counted_in_redis(client, petition, settings, redis_store):
    settings.UNDEU_LIMIT_PER_IP = [(2, 60)]
    for n in range(3):
        post(client, n)
    assert states() == [S.PENDING, S.PENDING, S.FLAGGED]
    assert not RateWindow.objects.exists()
    keys = list(redis_store.client.scan_iter(f"{redis_store.prefix}:rl:*"))
    assert keys and all(0 < redis_store.client.ttl(key) <= 2 * 86400 for key in keys)


def test_a_store_that_fails_never_loses_a_signature(client, petition, settings, monkeypatch):
    settings.UNDEU_LIMIT_PER_IP = [(1, 60)]
    # Nothing listens on this port: the store fails, the signatures go through unflagged.
    broken = limits.RedisStore("redis://127.0.0.1:9/0", "broken")
    monkeypatch.setattr(limits, "_store", lambda: broken)
    for n in range(3):
        assert post(client, n).status_code == 303
    assert states() == [S.PENDING] * 3


@pytest.mark.parametrize(
    "broken_sql",
    [
        # Refused before it runs, and refused while it runs (hits must not be negative).
        "INSERT INTO no_such_table (k) VALUES (%s)",
        'INSERT INTO "defence_ratewindow" ("key", "hits") VALUES (%s, -1) RETURNING "key", 1',
    ],
)
def test_a_database_store_that_fails_never_loses_a_signature(
    client, petition, settings, monkeypatch, caplog, broken_sql
):
    settings.UNDEU_LIMIT_PER_IP = [(1, 60)]
    settings.UNDEU_LIMIT_PER_NETWORK = settings.UNDEU_LIMIT_PER_DOMAIN = []
    settings.UNDEU_LIMIT_PER_PETITION = []
    monkeypatch.setattr(limits, "_upsert_sql", lambda rows: broken_sql)
    for n in range(3):
        assert post(client, n).status_code == 303
    assert states() == [S.PENDING] * 3
    assert OutgoingEmail.objects.filter(kind="confirm_signature").count() == 3
    assert not RateWindow.objects.exists()
    assert "the rate-limit store failed" in caplog.text


# --- The flagged signer's path --------------------------------------------------------------


def confirm_link(email: str) -> str:
    send_batch()
    body = next(m.body for m in reversed(mail.outbox) if m.to == [email])
    return re.search(r"http://testserver(/\w\w/confirm/[^/\s]+/)", body).group(1)


def test_a_flagged_signer_confirms_as_anyone_and_is_counted_only_when_accepted(
    client, petition, settings
):
    from undeu.signatures.transitions import accept_flagged

    settings.UNDEU_LIMIT_PER_IP = [(1, 60)]
    post(client, 0)
    post(client, 1)
    honest, flagged = Signature.objects.order_by("pk")
    for signature in (honest, flagged):
        path = confirm_link(signature.email)
        assert client.get(path).status_code == 200
        assert client.post(path).status_code == 303
        page = client.get(path)
        # The same "thank you" page for both.
        assert page.status_code == 200
        assert "signatures/confirmed.html" in [t.name for t in page.templates]
    flagged.refresh_from_db()
    assert flagged.state == S.FLAGGED and flagged.confirmed_at is not None
    assert stored_count(petition.pk) == 1
    assert recount(petition.pk) == 0  # the count is true: flagged ones are not in it

    accept_flagged(petition.pk, [flagged.pk])
    assert Signature.objects.get(pk=flagged.pk).state == S.CONFIRMED
    assert stored_count(petition.pk) == 2
    assert recount(petition.pk) == 0


def test_accepting_an_unconfirmed_flagged_signature_waits_for_its_confirmation(
    client, petition, settings
):
    from undeu.signatures.transitions import accept_flagged

    settings.UNDEU_LIMIT_PER_IP = [(1, 60)]
    post(client, 0)
    post(client, 1)
    flagged = Signature.objects.get(state=S.FLAGGED)
    accept_flagged(petition.pk, [flagged.pk])
    assert Signature.objects.get(pk=flagged.pk).state == S.PENDING
    assert stored_count(petition.pk) == 0
    client.post(confirm_link(flagged.email))
    assert stored_count(petition.pk) == 1


def test_signing_again_while_flagged_and_unconfirmed_sends_a_fresh_link(client, petition, settings):
    settings.UNDEU_LIMIT_PER_IP = [(1, 60)]
    post(client, 0)
    post(client, 1)
    post(client, 1)
    assert Signature.objects.count() == 2
    kinds = [message.kind for message in outbox_to("signer1@example.org")]
    assert kinds == ["confirm_signature", "confirm_signature"]


# --- The honeypot ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_page_has_a_hidden_field_that_people_never_fill(client, petition, language):
    html = client.get(f"/{language}/p/park/").content.decode()
    field = re.search(r'<p class="hp" aria-hidden="true">.*?</p>', html, re.S).group(0)
    assert 'name="website"' in field and 'tabindex="-1"' in field and 'autocomplete="off"' in field
    with translation.override(language):
        assert translation.gettext("Leave this field empty") in field


def test_a_filled_honeypot_flags_the_signature_and_the_bot_sees_the_usual_answer(client, petition):
    bot = post(client, 0, website="http://spam.example")
    person = post(client, 1, remote="192.0.2.9", website="")
    assert bot.status_code == person.status_code == 303
    assert bot["Location"] == person["Location"]
    assert Signature.objects.for_email("signer0@example.org").get().flag_list == ["honeypot"]
    assert Signature.objects.for_email("signer1@example.org").get().state == S.PENDING


# --- Under attack ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_paused_petition_keeps_its_page_and_refuses_signatures_in_the_signers_language(
    client, petition, language
):
    modes.set_petition_mode(petition, DefenceMode.PAUSED)
    with translation.override(language):
        paused = str(modes.SIGNING_PAUSED)
    page = client.get(f"/{language}/p/park/")
    assert page.status_code == 200
    html = page.content.decode()
    assert paused.replace("'", "&#x27;") in html
    assert 'action="/' not in html.split('class="signing"')[1].split("</aside>")[0]

    response = post(client, 0, language=language)
    assert response.status_code == 503
    assert response["Retry-After"]
    assert paused.replace("'", "&#x27;") in response.content.decode()
    assert not Signature.objects.exists()
    # Other petitions go on.
    modes.set_petition_mode(petition, DefenceMode.OFF)
    assert post(client, 1, language=language).status_code == 303


def test_the_site_wide_switch_pauses_every_petition_within_its_refresh(
    client, make_petition, settings
):
    settings.UNDEU_DEFENCE_REFRESH_SECONDS = 0
    make_petition("park")
    make_petition("river")
    modes.set_site_mode(DefenceMode.PAUSED, reason="botnet")
    assert post(client, 0).status_code == 503
    assert post(client, 1, slug="river").status_code == 503
    modes.set_site_mode(DefenceMode.OFF)
    assert post(client, 2).status_code == 303


def test_the_operators_setting_cannot_be_loosened_from_the_site(client, petition, settings):
    settings.UNDEU_DEFENCE_REFRESH_SECONDS = 0
    settings.UNDEU_UNDER_ATTACK = "paused"
    modes.set_site_mode(DefenceMode.OFF)
    assert post(client, 0).status_code == 503


def test_tight_mode_multiplies_every_limit(client, petition, settings):
    settings.UNDEU_LIMIT_PER_IP = [(10, 60)]
    settings.UNDEU_UNDER_ATTACK_LIMIT_FACTOR = 0.2
    modes.set_petition_mode(petition, DefenceMode.TIGHT)
    for n in range(3):
        post(client, n)
    assert states() == [S.PENDING, S.PENDING, S.FLAGGED]


def test_the_switch_from_the_shell_is_audit_logged(petition):
    from undeu.audit.models import AuditEntry

    call_command("under_attack", "tight", "--petition", "park", "--reason", "bots", stdout=None)
    petition.refresh_from_db()
    assert petition.defence == DefenceMode.TIGHT
    call_command("under_attack", "paused", stdout=None)
    assert modes.stored_site_mode() == DefenceMode.PAUSED
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "defence.petition",
        "defence.site",
    ]
    with pytest.raises(Exception, match="No petition"):
        call_command("under_attack", "off", "--petition", "nowhere")


@pytest.mark.django_db(transaction=True)
def test_a_signature_and_its_limit_counts_commit_once(client, petition, monkeypatch, settings):
    """SQLite's writers take turns: counting the limits in the signature's own transaction
    saves a commit and a turn at the lock. PostgreSQL counts them in a statement of its own in
    autocommit, so a busy petition's row is never locked while a signature commits, and the
    count costs one round trip, not BEGIN, UPSERT and COMMIT. No savepoint either way."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    connection = connections["default"]
    settings.UNDEU_TASKS = "database"  # as in production: the worker sends, not the request
    commits = []
    original = type(connection)._commit
    upserts_in_transaction = []

    def counted(self):
        commits.append(1)
        return original(self)

    def watch(execute, sql, params, many, context):
        if RateWindow._meta.db_table in sql:
            upserts_in_transaction.append(connection.in_atomic_block)
        return execute(sql, params, many, context)

    monkeypatch.setattr(type(connection), "_commit", counted)
    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(watch):
        assert post(client).status_code == 303
    assert Signature.objects.get().state == SignatureState.PENDING
    assert RateWindow.objects.filter(key__contains=":petition:").exists()
    # SQLite: one transaction; PostgreSQL: two statements in autocommit (the limits, then the
    # signature with its email), each atomic by itself, no COMMIT of Django's.
    assert len(commits) == (1 if connection.vendor == "sqlite" else 0)
    assert upserts_in_transaction == [connection.vendor == "sqlite"]
    statements = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "SAVEPOINT" not in statements


@pytest.mark.django_db(transaction=True)
def test_a_failing_limit_store_inside_the_signatures_transaction_loses_nothing(
    client, petition, monkeypatch
):
    def broken(self, keys):
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    monkeypatch.setattr(limits.DatabaseStore, "hit", broken)
    assert post(client).status_code == 303
    assert Signature.objects.get().state == SignatureState.PENDING


@pytest.mark.postgres_only
def test_on_postgresql_the_windows_are_not_written_to_the_log():
    """UNLOGGED: a sixth of PostgreSQL's CPU per signature went to logging the windows' hits."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpersistence FROM pg_class WHERE relname = %s",
            [RateWindow._meta.db_table],
        )
        assert cursor.fetchone() == ("u",)
