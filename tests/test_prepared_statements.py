"""The signing path's statements are prepared on PostgreSQL (core/prepared.py); nothing else is."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from tests.test_signing import post_signature
from undeu.core.prepared import prepared_cursor
from undeu.petitions import open_lookup
from undeu.petitions.models import Petition
from undeu.signatures.models import Signature

pytestmark = pytest.mark.django_db


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres_only
def test_the_signing_statements_are_prepared_once_per_connection(client, petition, no_limits):
    for number in range(4):
        response = post_signature(client, petition, email=f"prepared-{number}@example.org")
        assert response.status_code == 303
    assert Signature.objects.count() == 4
    statements = prepared_statements()
    assert any(s.startswith("WITH first AS (INSERT INTO") for s in statements), statements
    # Each prepared once, not once per signature.
    assert len(statements) == len(set(statements))


@pytest.mark.postgres_only
def test_the_open_petitions_lookup_is_prepared(petition):
    # Signing reads it once in a while (open_lookup keeps it), each time with this statement.
    for _ in range(3):
        assert open_lookup.read_open_petition(petition.slug) is not None
    table = Petition._meta.db_table
    assert any(s.startswith("SELECT id") and table in s for s in prepared_statements())


@pytest.mark.postgres_only
def test_the_limits_count_is_prepared(petition):
    from undeu.defence import limits

    for _ in range(3):
        limits._store().hit([("rl:00000000099:prepared:60", 60)])
    assert any("ON CONFLICT" in s and "RETURNING" in s for s in prepared_statements())


@pytest.mark.postgres_only
def test_django_s_own_statements_are_not_prepared(petition):
    """The ORM's SQL is not always valid with server-side parameters, so it keeps Django's
    client-side binding."""
    before = prepared_statements()
    for _ in range(5):
        list(Petition.objects.filter(slug=petition.slug).values_list("pk", flat=True))
    assert prepared_statements() == before


@pytest.mark.postgres_only
def test_statements_through_the_prepared_cursor_are_logged_like_any_other():
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries, prepared_cursor() as cursor:
        cursor.execute("SELECT %s + 1", [41])
        assert cursor.fetchone() == (42,)
    # Logged with PostgreSQL's placeholder: the value travels apart from the statement.
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT $1 + 1"]


def test_elsewhere_the_prepared_cursor_is_django_s_own():
    with prepared_cursor() as cursor:
        cursor.execute("SELECT %s", ["Үндеу"])
        assert cursor.fetchone() == ("Үндеу",)


def database_options(**env) -> dict:
    script = (
        "import json, undeu.settings as s; print(json.dumps(s.DATABASES['default']['OPTIONS']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={
            "PATH": os.environ.get("PATH", ""),
            "UNDEU_VAR_DIR": "/tmp/undeu-settings-test",
            "DEBUG": "1",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
            **env,
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_preparing_can_be_turned_off_for_a_pooler_that_cannot_keep_prepared_statements():
    assert database_options()["prepare_threshold"] == 2
    assert database_options(UNDEU_PG_PREPARE_AFTER="5")["prepare_threshold"] == 5
    # psycopg's "never prepare" is None.
    assert database_options(UNDEU_PG_PREPARE_AFTER="0")["prepare_threshold"] is None


def test_the_database_urls_own_options_are_kept():
    url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable&connect_timeout=5"
    options = database_options(DATABASE_URL=url)
    assert options["sslmode"] == "disable" and options["connect_timeout"] == 5
    assert options["prepare_threshold"] == 2
