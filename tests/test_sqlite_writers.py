"""SQLite: a process's writers take turns on a lock before SQLite's, and always give it back."""

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from tests.race import simultaneously
from undeu.core.sqlite import base as sqlite_base
from undeu.mail.models import OutgoingEmail

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock only"),
]


def queue(n):
    OutgoingEmail.objects.create(kind="k", to=f"p{n}@example.com", language="kk")


def test_writers_in_many_threads_all_get_their_turn():
    def write(i):
        with transaction.atomic():
            queue(i)
            time.sleep(0.01)  # hold the lock a little, as a real transaction does
        return True

    assert simultaneously(16, write) == [True] * 16
    assert OutgoingEmail.objects.count() == 16
    assert not sqlite_base._write_turn.locked()


def test_the_turn_is_given_back_after_a_rollback():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(1)
        raise RuntimeError("the caller's error")
    assert not sqlite_base._write_turn.locked()
    assert not OutgoingEmail.objects.exists()


def test_the_turn_is_given_back_when_the_connection_closes_mid_transaction(tmp_path):
    # Its own connection to a file: the test database in memory is never really closed.
    other = sqlite_base.DatabaseWrapper(
        {**connection.settings_dict, "NAME": str(tmp_path / "other.sqlite3")}, alias="other"
    )
    other.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert sqlite_base._write_turn.locked()
    other.close()
    assert not sqlite_base._write_turn.locked()


def test_a_writer_that_cannot_get_its_turn_fails_like_sqlite_would(settings):
    held = threading.Event()
    done = threading.Event()

    def hold():
        with transaction.atomic():
            queue(1)
            held.set()
            done.wait(5)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    connection.settings_dict["OPTIONS"]["timeout"] = 0.2
    try:
        with pytest.raises(OperationalError), transaction.atomic():
            queue(2)
    finally:
        connection.settings_dict["OPTIONS"]["timeout"] = 20
        done.set()
        holder.join()
    assert not sqlite_base._write_turn.locked()
    assert OutgoingEmail.objects.count() == 1
