import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from undeu.petitions.goals import next_goal
from undeu.petitions.page import count_sentence

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_version_in_the_interface_language(client, petition):
    kk = client.get(f"/kk/p/{petition.slug}/").content.decode()
    ru = client.get(f"/ru/p/{petition.slug}/").content.decode()
    assert '<h1 lang="kk">Саябақты сақтайық' in kk
    assert '<h1 lang="ru">Сохраним парк' in ru
    # Links to the other version and to all versions on one page.
    assert f'href="/kk/p/{petition.slug}/?version=ru"' in kk
    assert f'href="/kk/p/{petition.slug}/all/"' in kk
    # Targets in the version's language.
    assert "Әкімдік kk" in kk and "Әкімдік ru" not in kk
    assert "Әкімдік ru" in ru


def test_a_version_can_be_chosen_and_falls_back_to_the_primary_one(client, petition):
    chosen = client.get(f"/kk/p/{petition.slug}/?version=ru").content.decode()
    assert '<h1 lang="ru">' in chosen
    english = client.get(f"/en/p/{petition.slug}/").content.decode()
    assert '<h1 lang="kk">' in english  # no English version: the primary (Kazakh) one
    assert "not available in your language" in english
    bogus = client.get(f"/en/p/{petition.slug}/?version=xx")
    assert bogus.status_code == 200


def test_all_versions_on_one_page(client, petition):
    page = client.get(f"/en/p/{petition.slug}/all/").content.decode()
    assert '<section class="version" lang="kk"' in page
    assert '<section class="version" lang="ru"' in page


def test_nothing_a_starter_writes_can_run_script(client, petition):
    page = client.get(f"/kk/p/{petition.slug}/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
    # The only scripts are our own file.
    assert page.count("<script") == 1 and 'src="/static/undeu/undeu.' in page


def test_starter_name_and_disclaimer(client, petition):
    page = client.get(f"/en/p/{petition.slug}/").content.decode()
    assert "<strong>Сәуле Қасымова &lt;script&gt;" in page
    assert "was not written by Undeu" in page


def test_posted_and_updated_dates_are_localised(client, make_petition):
    petition = make_petition("dated")
    petition.published_at = datetime.datetime(2026, 3, 8, 12, tzinfo=datetime.UTC)
    petition.updated_at = datetime.datetime(2026, 11, 2, 12, tzinfo=datetime.UTC)
    petition.save()
    assert "8 марта 2026" in client.get("/ru/p/dated/").content.decode()
    # CLDR puts no-break spaces inside Kazakh dates.
    kk = client.get("/kk/p/dated/").content.decode().replace("\u202f", " ").replace("\xa0", " ")
    assert "2026 ж. 8 наурыз" in kk and "2026 ж. 2 қараша" in kk
    en = client.get("/en/p/dated/").content.decode()
    assert "Posted March 8, 2026" in en and "(Updated November 2, 2026)" in en


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 1, "1 person has signed. Let’s get to 50."),
        ("en", 2, "2 people have signed. Let’s get to 50."),
        ("en", 1234, "1,234 people have signed. Let’s get to 2,500."),
    ],
)
def test_the_count_sentence_in_english(language, count, expected):
    with translation.override(language):
        assert count_sentence(count, next_goal(count)) == expected


def test_russian_has_three_plural_forms():
    with translation.override("ru"):
        one, few, many, twenty_one = (count_sentence(n, 50) for n in (1, 3, 5, 21))
    assert one != few != many
    assert one.split(" ", 1)[1] == twenty_one.split(" ", 1)[1]  # 1 and 21 take the same form


def test_count_progress_and_recent_signers(client, petition, sign_and_confirm):
    sign_and_confirm(petition, "a@example.com", full_name="Айгерім Сапарова", city="Алматы")
    sign_and_confirm(petition, "b@example.com", full_name="Hidden Person", show_name=False)
    sign_and_confirm(petition, "c@example.com", full_name="Бауыржан", city="")
    page = client.get(f"/en/p/{petition.slug}/").content.decode()
    assert "3 people have signed. Let’s get to 50." in page
    assert '<progress max="50" value="3"' in page
    assert "<li>Айгерім С., Алматы</li>" in page
    assert "<li>Бауыржан</li>" in page
    assert "Hidden" not in page


def test_viewing_a_page_never_counts_signatures(client, petition, sign_and_confirm, site_mode_read):
    sign_and_confirm(petition)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/kk/p/{petition.slug}/")
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "COUNT(" not in sql
    # The seventh reads the last two weeks' hour tallies for the small chart (stats/pages.py).
    assert len(queries.captured_queries) <= 7


def test_anonymous_pages_are_cacheable_and_set_no_cookies(client, petition):
    response = client.get(f"/kk/p/{petition.slug}/")
    cache_control = response["Cache-Control"]
    assert "public" in cache_control
    assert "stale-while-revalidate=" in cache_control
    assert "stale-if-error=" in cache_control
    assert "Cookie" in response["Vary"]
    assert not response.cookies
    count = client.get(f"/p/{petition.slug}/count.json?lang=ru")
    assert count.json()["count"] == 0
    assert "public" in count["Cache-Control"]


def test_the_count_endpoint_speaks_the_requested_language(client, petition, sign_and_confirm):
    sign_and_confirm(petition)
    with translation.override("kk"):
        expected = count_sentence(1, 50)
    assert client.get(f"/p/{petition.slug}/count.json?lang=kk").json() == {
        "count": 1,
        "goal": 50,
        "progress": 2,
        "count_text": expected,
    }


def test_a_closed_petition_has_no_form(client, make_petition):
    make_petition("done", state="closed", closed_at=timezone.now())
    page = client.get("/en/p/done/").content.decode()
    assert "sign-form" not in page
    assert "no longer accepts signatures" in page


def test_the_count_endpoint_defaults_to_the_instance_language(client, petition, settings):
    with translation.override(settings.LANGUAGE_CODE):
        expected = count_sentence(0, 50)
    for query in ("", "?lang=xx", "?lang="):
        assert client.get(f"/p/{petition.slug}/count.json{query}").json()["count_text"] == expected


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner")
def test_recent_signers_are_read_from_the_index_without_sorting(petition, settings):
    """The page's cost must not grow with the petition: no sort of all its signatures."""
    from undeu.petitions.page import recent_signers

    settings.UNDEU_RECENT_SIGNERS = 10
    with CaptureQueriesContext(connection) as queries:
        recent_signers(petition)
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "signature_recent_public (petition_id=? AND state=? AND show_name=?)" in plan
    assert "TEMP B-TREE" not in plan
