"""The prepared INSERT of the hot paths writes what the ORM would write, and nothing is lost by
skipping the ORM (no save signals listen to these models)."""

import datetime as dt
from enum import Enum
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save, pre_save
from django.forms.models import model_to_dict
from django.utils import timezone

from undeu.core.encrypted import _Encrypted
from undeu.core.fast_insert import FastInsert, _unchanged_type
from undeu.mail.models import OutgoingEmail
from undeu.signatures.models import Signature, SignatureState

pytestmark = pytest.mark.django_db

SIGNATURE = {
    "full_name": "Айгерім Сапарова",
    "email": "aigerim@example.com",
    "email_digest": "d" * 64,
    "country": "KZ",
    "city": "Алматы",
    "language": "kk",
    "wants_updates": True,
    "show_name": False,
}


@pytest.mark.parametrize("model", [Signature, OutgoingEmail])
def test_nothing_listens_to_saves_of_the_models_written_without_the_orm(model):
    assert not pre_save.has_listeners(model)
    assert not post_save.has_listeners(model)


def test_a_row_is_what_the_orm_would_have_written(petition):
    now = timezone.now()
    fast_id = FastInsert(Signature)(
        petition_id=petition.pk, token_digest="a" * 64, created_at=now, **SIGNATURE
    )
    orm = Signature.objects.create(
        petition=petition,
        token_digest="b" * 64,
        created_at=now,
        **{**SIGNATURE, "email_digest": "e" * 64},
    )
    fast = Signature.objects.get(pk=fast_id)
    different = {"id", "token_digest", "email_digest"}
    assert {k: v for k, v in model_to_dict(fast).items() if k not in different} == {
        k: v for k, v in model_to_dict(orm).items() if k not in different
    }
    assert (fast.state, fast.confirmed_at, fast.created_at) == ("pending", None, now)


def test_defaults_fill_what_the_caller_leaves_out():
    message_id = FastInsert(OutgoingEmail)(
        kind="confirm_signature", to="a@example.com", language="ru", context={"token": "т"}
    )
    message = OutgoingEmail.objects.get(pk=message_id)
    assert (message.state, message.attempts, message.priority) == ("pending", 0, 0)
    assert message.context == {"token": "т"}  # JSON, as the ORM stores it
    assert message.lease_until is None and message.next_attempt_at <= timezone.now()


def test_a_duplicate_is_skipped_without_breaking_the_transaction(petition):
    insert = FastInsert(Signature, ignore_conflicts=True)
    row = {"petition_id": petition.pk, **SIGNATURE}
    with transaction.atomic():
        assert insert(token_digest="a" * 64, **row) is not None
        assert insert(token_digest="b" * 64, **row) is None  # one signature per email
        assert Signature.objects.count() == 1  # the transaction goes on


def test_only_unique_clashes_are_skipped_never_a_broken_row(petition):
    # SQLite's INSERT OR IGNORE would silently drop a row that breaks NOT NULL; this must not.
    insert = FastInsert(Signature, ignore_conflicts=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(petition_id=None, token_digest="a" * 64, **SIGNATURE)


def test_a_misspelt_field_is_an_error_not_a_silent_default(petition):
    with pytest.raises(TypeError, match="full_nam"):
        FastInsert(Signature)(petition_id=petition.pk, full_nam="x")


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Signature, {"petition_id": 7, "token_digest": "a" * 64, **SIGNATURE}),
        (Signature, {"petition_id": 7, "email_slot": 2, "ip_address": "10.0.0.1", **SIGNATURE}),
        (Signature, {**SIGNATURE, "petition_id": 7, "wants_updates": 1, "email_slot": True}),
        (
            OutgoingEmail,
            {"kind": "k", "to": "a@example.com", "language": "kk", "context": {"a": [1]}},
        ),
        (OutgoingEmail, {"kind": "k", "to": "a@b.kz", "language": "ru", "priority": 1}),
        (
            OutgoingEmail,
            {
                "kind": "k",
                "to": "a@b.kz",
                "language": "ru",
                "priority": OutgoingEmail.Priority.PERSON_WAITING,
                "state": OutgoingEmail.State.PENDING,
                "lease_until": None,
            },
        ),
        (Signature, {**SIGNATURE, "petition_id": 7, "state": "pending", "confirmed_at": None}),
        (Signature, {**SIGNATURE, "petition_id": 7, "state": SignatureState.FLAGGED}),
    ],
)
def test_values_skipping_the_fields_conversion_are_what_it_would_give(model, values):
    """Plain strings, numbers and booleans skip `get_db_prep_save` (a fifth of a signature's
    insert); anything else, or a value of another type, still goes through it."""
    from django.db import connection

    insert = FastInsert(model)
    # One moment for every time with a default (timezone.now, called apart otherwise).
    now = timezone.now()
    timed = {
        f.attname: now
        for f in insert.fields
        if f.has_default() and f.get_internal_type() == "DateTimeField"
    }
    values = {**timed, **values}
    expected = []
    for field in insert.fields:
        value = values[field.attname] if field.attname in values else field.get_default()
        expected.append(field.get_db_prep_save(value, connection))
    fast = insert.params(values)
    for field, mine, theirs in zip(insert.fields, fast, expected, strict=True):
        if _unchanged_type(field, connection) is None:
            # Converted by the field, as always: an encrypted value is never the plain one.
            if isinstance(field, _Encrypted) and values.get(field.attname):
                assert mine != values[field.attname]
            continue
        assert mine == theirs, field.attname
        # A choice goes as its plain value, which is what the database stores of it.
        plain = theirs.value if isinstance(theirs, Enum) else theirs
        assert type(mine) is type(plain), field.attname
    # None is passed as it is only where the field itself gives None for it.
    for field, mine, theirs in zip(insert.fields, fast, expected, strict=True):
        if mine is None or theirs is None:
            assert mine is theirs, field.attname


def test_an_aware_datetime_skips_the_field_only_where_the_database_takes_it_as_it_is():
    """PostgreSQL takes an aware datetime as it is, so the field's conversion is skipped there;
    SQLite stores text, so the field converts it there. Either way the value is the field's."""
    from django.db import connection

    insert = FastInsert(OutgoingEmail)
    field = OutgoingEmail._meta.get_field("next_attempt_at")
    skips = _unchanged_type(field, connection) is dt.datetime
    assert skips == (connection.vendor == "postgresql")
    almaty = dt.datetime(2026, 3, 22, 9, 30, tzinfo=ZoneInfo("Asia/Almaty"))
    values = {"kind": "k", "to": "a@b.kz", "language": "kk", "next_attempt_at": almaty}
    (mine,) = (v for f, v in zip(insert.fields, insert.params(values), strict=True) if f is field)
    assert mine == field.get_db_prep_save(almaty, connection)
    if skips:
        assert mine is almaty


def test_a_naive_datetime_goes_through_the_field_which_makes_it_aware_and_warns(settings):
    """Never passed on as it is: the database would read it in its session's zone, not the
    site's, as the ORM would have."""
    from django.db import connection

    settings.TIME_ZONE = "Asia/Almaty"
    insert = FastInsert(OutgoingEmail)
    field = OutgoingEmail._meta.get_field("next_attempt_at")
    naive = dt.datetime(2026, 3, 22, 9, 30)
    values = {"kind": "k", "to": "a@b.kz", "language": "kk", "next_attempt_at": naive}
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        params = insert.params(values)
    (mine,) = (v for f, v in zip(insert.fields, params, strict=True) if f is field)
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        assert mine == field.get_db_prep_save(naive, connection)
    assert mine is not naive


def test_an_aware_datetime_is_stored_as_the_same_moment(petition):
    almaty = dt.datetime(2026, 3, 22, 9, 30, tzinfo=ZoneInfo("Asia/Almaty"))
    pk = FastInsert(Signature)(
        **{**SIGNATURE, "petition_id": petition.pk, "token_digest": "c" * 64},
        created_at=almaty,
    )
    assert Signature.objects.get(pk=pk).created_at == almaty
