"""Signers' names and emails, and the outbox's addresses and contexts, are encrypted at rest: the
database alone never says who signed. Keys rotate without losing anything or breaking dedupe."""

import importlib
import json
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.conftest import signature_request
from tests.test_signing import post_signature
from undeu.core import checks, reencrypt
from undeu.core.encrypted import DecryptionError, encrypt, encrypted_length
from undeu.env import derived_fernet_key, env_fernet_keys
from undeu.mail.models import OutgoingEmail
from undeu.signatures.erasure import anonymise
from undeu.signatures.identity import email_digest
from undeu.signatures.models import Signature
from undeu.signatures.signing import sign

pytestmark = pytest.mark.django_db

KEY_A, KEY_B, KEY_C = (Fernet.generate_key().decode() for _ in range(3))
# Distinctive, so that finding any piece of them anywhere in the database means a leak.
NAME = "Жанар Қуанышбекова"
EMAIL = "zhanar.kuanyshbekova+petitions@example.kz"
SECRETS = [
    NAME,
    "Жанар",
    "Қуанышбекова",
    EMAIL,
    "zhanar.kuanyshbekova",
    "zhanar",
    "kuanyshbekova",
]


def raw_rows() -> list[tuple]:
    """Every row of every table, as the database returns them (no field decrypts anything)."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows += [(table, *row) for row in cursor.fetchall()]
    return rows


def leaks(rows, secrets=SECRETS) -> list:
    found = []
    for row in rows:
        for value in row[1:]:
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            found += [(row[0], s) for s in secrets if s.casefold() in text.casefold()]
    return found


def raw(model, pk, *names) -> tuple:
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(n).column) for n in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {meta.db_table} WHERE {meta.pk.column} = %s",
            [pk],
        )
        return cursor.fetchone()


# --- Nothing in plain text --------------------------------------------------------------------


def test_after_signing_through_the_form_no_table_holds_the_name_or_the_email(
    client, petition, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_signature(client, petition, full_name=NAME, email=EMAIL, city="")
    assert response.status_code == 303
    signature = Signature.objects.get()
    assert (signature.full_name, signature.email) == (NAME, EMAIL)
    message = OutgoingEmail.objects.get()
    assert message.to == EMAIL and message.context["token"]
    # Waiting to be sent, the outbox holds the address and a confirmation token: neither shows.
    rows = raw_rows()
    assert leaks(rows) == []
    assert leaks(rows, [message.context["token"]]) == []
    assert raw(Signature, signature.pk, "email_domain") == ("example.kz",)

    for callback in callbacks:
        callback()  # the email is sent
    message.refresh_from_db()
    assert message.state == OutgoingEmail.State.SENT and message.to == EMAIL
    assert leaks(raw_rows()) == []


@pytest.mark.django_db(transaction=True)
def test_the_sqlite_database_file_holds_no_name_or_email(client, petition):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's file")
    assert post_signature(client, petition, full_name=NAME, email=EMAIL).status_code == 303
    assert Signature.objects.get().full_name == NAME
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # The bytes of the database as they are on disk, free pages included (in memory for the
    # tests unless UNDEU_TEST_SQLITE names a file, which is then read as it is on disk).
    images = [connection.connection.serialize()]
    name = connection.settings_dict["NAME"]
    if not connection.is_in_memory_db():
        images += [Path(name).read_bytes()]
    for image in images:
        assert len(image) > 4096
        for secret in SECRETS:
            assert secret.encode() not in image
            assert secret.casefold().encode() not in image


def test_hostile_values_come_back_exactly(petition):
    values = [
        ("Айгерім\x00Сапарова", "nul\x00@example.com"),
        ('<script>alert("x")</script> Дмитрий Иванов', "a" * 64 + "@" + "b" * 63 + ".kz"),
        ("𝔸" * 120, "я" * 64 + "@" + ("д" * 60 + ".") * 3 + "kz"),  # 4- and 2-byte UTF-8
        ("Қ", "x" * (254 - len("@example.kz")) + "@example.kz"),  # the longest address
        (" ", "'; DROP TABLE signatures_signature; --@example.kz"),
    ]
    if connection.vendor == "postgresql":
        # PostgreSQL's varchar counts characters: the longest token still fits the column.
        values.append(("𝔸" * 120, "𝔸" * 254))
    for n, (name, email) in enumerate(values):
        signature = Signature.objects.create(
            petition=petition,
            full_name=name,
            email=email,
            email_digest=f"digest-{n}",
            token_digest=f"token-{n}",
            country="KZ",
            language="kk",
        )
        assert Signature.objects.get(pk=signature.pk).full_name == name
        assert Signature.objects.values_list("email", flat=True).get(pk=signature.pk) == email
        stored_name, _stored_email = raw(Signature, signature.pk, "full_name", "email")
        assert stored_name.startswith("gAAAAA") and name not in stored_name


def test_the_columns_fit_the_longest_token_and_not_much_more():
    for length in range(0, 300):
        longest = "𝔸" * length  # 4 bytes each in UTF-8, the most a character takes
        assert len(encrypt(longest)) == encrypted_length(length)
    assert Signature._meta.get_field("email").stored_length == encrypted_length(254) == 1444
    assert Signature._meta.get_field("full_name").stored_length == encrypted_length(120) == 740
    assert Signature._meta.get_field("email").db_type(connection).endswith("(1444)")


def test_the_outbox_context_round_trips_as_json(petition):
    context = {"token": "т<b>", "petition_id": 7, "nested": {"list": [1, None, True]}}
    pk = OutgoingEmail.objects.create(kind="x", to=EMAIL, language="kk", context=context).pk
    assert OutgoingEmail.objects.get(pk=pk).context == context
    stored_to, stored_context = raw(OutgoingEmail, pk, "to", "context")
    assert EMAIL not in stored_to and "т<b>" not in stored_context and "token" not in stored_context


def test_empty_values_stay_empty_so_an_erased_signature_shows_as_erased(petition):
    sign(petition.pk, signature_request(EMAIL, full_name=NAME), base_url="http://x")
    signature = Signature.objects.get()
    anonymise([signature.pk])
    assert raw(Signature, signature.pk, "full_name", "email") == ("", "")
    signature.refresh_from_db()
    assert (signature.full_name, signature.email) == ("", "")


# --- The database cannot compare ciphertext: asking it to is an error, never an empty result --


@pytest.mark.parametrize(
    "lookup",
    [
        {"email": EMAIL},
        {"email__iexact": EMAIL},
        {"full_name__icontains": "Жанар"},
        {"full_name__startswith": "Ж"},
        {"email__in": [EMAIL]},
        {"full_name__lower": "x"},
    ],
)
def test_lookups_on_encrypted_fields_are_refused_with_a_clear_error(petition, lookup):
    with pytest.raises(FieldError, match=r"encrypted at rest.*for_email"):
        list(Signature.objects.filter(**lookup))


def test_the_outbox_address_cannot_be_filtered_either_but_isnull_works(petition):
    with pytest.raises(FieldError, match=r"OutgoingEmail\.to is encrypted"):
        OutgoingEmail.objects.filter(to=EMAIL).exists()
    assert not Signature.objects.filter(email__isnull=True).exists()


def test_signatures_are_found_by_the_keyed_hash_of_their_mailbox(petition):
    sign(petition.pk, signature_request(EMAIL, full_name=NAME), base_url="http://x")
    assert Signature.objects.for_email(EMAIL).get().full_name == NAME
    # The same mailbox however it is spelled (the dedupe's rule), and nothing else.
    assert Signature.objects.for_email(" Zhanar.Kuanyshbekova+petitions@EXAMPLE.kz").exists()
    assert not Signature.objects.for_email("zhanar@example.kz").exists()


# --- Rotation ---------------------------------------------------------------------------------


def sign_some(petition, count=3, **overrides):
    for n in range(count):
        sign(
            petition.pk,
            signature_request(f"signer{n}@example.kz", full_name=f"{NAME} {n}", **overrides),
            base_url="http://x",
        )


def rotate(**options) -> str:
    out = StringIO()
    call_command("rotate_signer_keys", stdout=out, **options)
    return out.getvalue()


def test_rotation_from_key_a_to_key_b_keeps_everything_readable_and_deduped(
    petition, settings, django_capture_on_commit_callbacks
):
    settings.UNDEU_SIGNER_KEYS = (KEY_A,)
    digest_key = settings.UNDEU_EMAIL_HASH_KEY
    sign_some(petition)
    before = sorted(Signature.objects.values_list("pk", "full_name", "email", "email_digest"))
    messages = sorted(OutgoingEmail.objects.values_list("pk", "to", "context"))

    settings.UNDEU_SIGNER_KEYS = (KEY_B, KEY_A)
    # New values are written with the new key at once, before the rotation runs.
    sign(petition.pk, signature_request("late@example.kz", full_name="Кеш Қалған"), base_url="x")
    output = rotate(batch=2)
    assert "signatures_signature.email: 4 examined, 3 re-encrypted, 1 already" in output
    assert "signatures_signature.full_name: 4 examined, 3 re-encrypted, 1 already" in output
    assert "mail_outgoingemail.to: 4 examined, 3 re-encrypted" in output
    assert "mail_outgoingemail.context: 4 examined, 3 re-encrypted" in output
    assert "0 re-encrypted" in rotate()  # run again: nothing left to do

    settings.UNDEU_SIGNER_KEYS = (KEY_B,)  # the old key removed
    late = Signature.objects.for_email("late@example.kz").get()
    after = sorted(Signature.objects.exclude(pk=late.pk).values_list(
        "pk", "full_name", "email", "email_digest"))  # fmt: skip
    assert after == before
    assert sorted(OutgoingEmail.objects.values_list("pk", "to", "context"))[:3] == messages
    for pk in [row[0] for row in before]:
        for value in raw(Signature, pk, "full_name", "email"):
            Fernet(KEY_B).decrypt(value.encode())  # under the new key, not merely readable
    # The dedupe key is another key, which rotating these never touches: the same person
    # signing again is still the same signer.
    assert digest_key == settings.UNDEU_EMAIL_HASH_KEY
    assert email_digest("signer0@example.kz") == before[0][3]
    with django_capture_on_commit_callbacks(execute=True):
        sign_some(petition, count=1)
    assert Signature.objects.count() == 4
    assert OutgoingEmail.objects.order_by("pk").last().kind == "confirm_signature"


def test_a_missing_or_wrong_key_is_a_clear_error_not_garbage(petition, settings):
    settings.UNDEU_SIGNER_KEYS = (KEY_A,)
    sign_some(petition, count=1)
    settings.UNDEU_SIGNER_KEYS = (KEY_C,)
    with pytest.raises(DecryptionError, match=r"signatures_signature.*UNDEU_SIGNER_KEYS"):
        list(Signature.objects.all())
    with pytest.raises(DecryptionError, match="mail_outgoingemail"):
        OutgoingEmail.objects.get()
    with pytest.raises(CommandError, match=r"of row .* put the key it was encrypted with back"):
        rotate()
    settings.UNDEU_SIGNER_KEYS = (KEY_C, KEY_A)  # put back: all is well again
    assert Signature.objects.get().full_name == f"{NAME} 0"


def test_a_stopped_rotation_is_resumed_by_running_it_again(petition, settings):
    settings.UNDEU_SIGNER_KEYS = (KEY_A,)
    sign_some(petition, count=5)
    settings.UNDEU_SIGNER_KEYS = (KEY_B, KEY_A)

    class Stopped(Exception):
        pass

    def stop(rows):
        raise Stopped

    meta = Signature._meta
    with pytest.raises(Stopped):
        reencrypt.reencrypt_table(
            connection, meta.db_table, "id", ["full_name", "email"], batch=2, progress=stop
        )
    output = rotate(batch=2)
    assert "signatures_signature.email: 5 examined, 3 re-encrypted, 2 already" in output
    settings.UNDEU_SIGNER_KEYS = (KEY_B,)
    assert len(list(Signature.objects.all())) == 5


def test_a_value_the_site_changed_meanwhile_keeps_the_sites_change(petition, settings, monkeypatch):
    settings.UNDEU_SIGNER_KEYS = (KEY_A,)
    sign_some(petition, count=2)
    settings.UNDEU_SIGNER_KEYS = (KEY_B, KEY_A)
    first = Signature.objects.order_by("pk").first()
    real = reencrypt._reencrypted

    def while_the_site_renames(value, plaintext, where):
        if where == f"signatures_signature.full_name of row {first.pk}":
            Signature.objects.filter(pk=first.pk).update(full_name="Жаңа Есім")
        return real(value, plaintext, where)

    monkeypatch.setattr(reencrypt, "_reencrypted", while_the_site_renames)
    assert "full_name: 2 examined, 1 re-encrypted, 0 already under the first key or empty, 1 " in (
        rotate()
    )
    first.refresh_from_db()
    assert first.full_name == "Жаңа Есім"


# --- Existing rows, keys from the environment, the deploy check -------------------------------


def test_the_migrations_encrypt_rows_stored_in_plain_text(petition):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO signatures_signature (petition_id, full_name, email, email_digest,"
            " email_slot, email_domain, country, city, language, wants_updates, show_name, state,"
            " token_digest, created_at, network, flags) VALUES (%s, %s, %s, 'd', 0, 'example.kz',"
            " 'KZ', '', 'kk', %s, %s, 'pending', 't', %s, '', '')",
            [petition.pk, NAME, EMAIL, False, True, "2026-01-01T00:00:00+00:00"],
        )
        cursor.execute(
            'INSERT INTO mail_outgoingemail (kind, priority, "to", language, context, state,'
            " attempts, next_attempt_at, last_error, created_at) VALUES ('x', 0, %s, 'kk', %s,"
            " 'pending', 0, %s, '', %s)",
            [EMAIL, json.dumps({"name": NAME}), *["2026-01-01T00:00:00+00:00"] * 2],
        )
    for module in ("undeu.signatures.migrations.0006_encrypted_signers",
                   "undeu.mail.migrations.0003_encrypted_outbox"):  # fmt: skip
        migration = importlib.import_module(module)
        for _ in range(2):  # a second run changes nothing
            migration.encrypt_existing(django_apps(), SimpleNamespace(connection=connection))
    assert leaks(raw_rows()) == []
    signature = Signature.objects.get()
    assert (signature.full_name, signature.email) == (NAME, EMAIL)
    assert OutgoingEmail.objects.get().context == {"name": NAME}


def django_apps():
    from django.apps import apps

    return apps


def test_keys_come_from_the_environment_or_a_file(monkeypatch, tmp_path):
    monkeypatch.setenv("UNDEU_SIGNER_KEYS", f" {KEY_B}, {KEY_A} ")
    assert env_fernet_keys("UNDEU_SIGNER_KEYS") == (KEY_B, KEY_A)
    key_file = tmp_path / "keys"
    key_file.write_text(f"{KEY_C}\n{KEY_B}\n")
    monkeypatch.setenv("UNDEU_SIGNER_KEYS_FILE", str(key_file))
    assert env_fernet_keys("UNDEU_SIGNER_KEYS") == (KEY_C, KEY_B)
    monkeypatch.delenv("UNDEU_SIGNER_KEYS_FILE")
    for bad, message in [
        (f"{KEY_A},not-a-key-{KEY_B}", "key number 2 is not one"),
        (f"{KEY_A},{KEY_A}", "same key more than once"),
    ]:
        monkeypatch.setenv("UNDEU_SIGNER_KEYS", bad)
        with pytest.raises(ImproperlyConfigured, match=message) as refused:
            env_fernet_keys("UNDEU_SIGNER_KEYS")
        assert KEY_B not in str(refused.value)  # a key never ends up in a log
    monkeypatch.setenv("UNDEU_SIGNER_KEYS", "")
    assert env_fernet_keys("UNDEU_SIGNER_KEYS") == ()


def test_the_development_key_is_derived_with_hkdf_and_differs_per_secret_and_purpose(settings):
    key = derived_fernet_key("s" * 50, "undeu signer data encryption")
    Fernet(key)
    assert key == derived_fernet_key("s" * 50, "undeu signer data encryption")
    assert key != derived_fernet_key("t" * 50, "undeu signer data encryption")
    assert key != derived_fernet_key("s" * 50, "another purpose")
    derived = derived_fernet_key(settings.SECRET_KEY, "undeu signer data encryption")
    assert derived == settings.UNDEU_SIGNER_DERIVED_KEY
    assert rotate(derived_key=True).strip() == settings.UNDEU_SIGNER_DERIVED_KEY
    Fernet(rotate(new_key=True).strip())


def test_the_deploy_check_warns_while_the_key_is_derived_from_secret_key(settings):
    settings.UNDEU_SIGNER_KEYS = (settings.UNDEU_SIGNER_DERIVED_KEY,)
    [warning] = checks.signer_keys_are_set()
    assert warning.id == "undeu.encryption.W001"
    # Moving away from it: a key of its own first, the derived one only to read old values.
    settings.UNDEU_SIGNER_KEYS = (KEY_A, settings.UNDEU_SIGNER_DERIVED_KEY)
    assert checks.signer_keys_are_set() == []
