"""The signature table's indexes: each one is a B-tree insert on every signature, so there are
no more than the reads need, and a signer's data-rights lookup on every petition is an index
search, not a scan of millions of signatures."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from undeu.mail.models import OutgoingEmail
from undeu.signatures.models import Signature

pytestmark = pytest.mark.django_db


def _indexes(table: str) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: found["columns"]
        for name, found in constraints.items()
        if (found["index"] or found["unique"]) and not found["primary_key"]
    }


def test_the_signature_table_has_only_the_indexes_its_reads_use():
    columns = sorted(_indexes(Signature._meta.db_table).values())
    assert columns == sorted(
        [
            ["token_digest"],
            ["email_digest", "petition_id", "email_slot"],
            ["petition_id", "state", "show_name", "confirmed_at"],
            ["petition_id", "created_at"],
        ]
    )


def test_the_outbox_has_one_index_per_read():
    columns = sorted(_indexes(OutgoingEmail._meta.db_table).values())
    assert columns == [["recipient_digest"], ["state", "priority", "next_attempt_at"]]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner")
def test_a_signers_signatures_on_every_petition_are_found_through_the_index():
    with CaptureQueriesContext(connection) as queries:
        list(Signature.objects.for_email("someone@example.com").values_list("pk"))
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "SEARCH" in plan and "(email_digest=?)" in plan
    assert "SCAN" not in plan
