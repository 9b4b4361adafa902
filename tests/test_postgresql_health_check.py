"""The persistent connection's health check asks the socket, not the server, while it is quiet
(core/postgresql/base.py), and still replaces a connection the server has closed."""

import select
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def start_of_a_request() -> None:
    # What Django's request_started signal does for each connection (close_old_connections).
    connection.close_if_unusable_or_obsolete()


def test_a_quiet_connection_is_checked_without_a_round_trip(monkeypatch):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"]
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    pid = backend_pid()
    asked = []
    monkeypatch.setattr(connection, "is_usable", lambda: asked.append(1) or True)
    for _ in range(3):
        start_of_a_request()
        assert backend_pid() == pid
    assert asked == []


def test_a_connection_the_server_closed_is_replaced_before_it_fails_a_request(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    pid = backend_pid()
    admin_url = "postgres://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The server's goodbye reaches the idle socket.
    deadline = time.monotonic() + 5
    while not select.select([connection.connection.fileno()], [], [], 0.1)[0]:
        assert time.monotonic() < deadline
    start_of_a_request()
    assert backend_pid() != pid


def test_a_connection_inside_a_transaction_is_asked_for_sure(monkeypatch):
    from django.db import transaction

    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    backend_pid()
    asked = []
    real = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: asked.append(1) or real())
    with transaction.atomic():
        backend_pid()
        connection.health_check_done = False
        backend_pid()
    assert asked == [1]
