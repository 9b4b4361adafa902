"""The public JSON API (/api/v1/): what each endpoint answers, what it never answers (drafts,
removed petitions, anything about one signer), its caching and CORS headers, and its cost."""

import json

import pytest
from django.test import Client
from django.utils import timezone

from tests.api_world import SIGNERS, make_api_world, personal_strings
from undeu.api import trending
from undeu.core.page_cache import storable_for
from undeu.signatures.counting import current_count, current_counts
from undeu.signatures.models import Signature, SignatureState
from undeu.signatures.transitions import move
from undeu.stats import tallying

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_petition, settings, no_limits):
    return make_api_world(make_petition, settings)


def get(client, address, **headers):
    response = client.get(address, headers=headers)
    assert response["Content-Type"].startswith("application/json"), (address, response.content)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert not response.cookies, address
    return response, json.loads(response.content)


def slugs(body) -> list[str]:
    return [petition["slug"] for petition in body["results"]]


# --- The list -------------------------------------------------------------------------------


def test_the_list_holds_only_open_and_closed_petitions(client, world):
    response, body = get(client, "/api/v1/petitions")
    assert response.status_code == 200
    assert set(slugs(body)) == {"park", "river", "formula"}
    assert body["total"] == 3 and body["pages"] == 1 and body["page"] == 1
    # Popular first: the park has three signers, the river two.
    assert slugs(body) == ["park", "river", "formula"]
    assert [petition["count"] for petition in body["results"]] == [3, 2, 0]


def test_the_list_filters_by_state_language_target_and_outcome(client, world):
    assert slugs(get(client, "/api/v1/petitions?state=closed")[1]) == ["river"]
    assert set(slugs(get(client, "/api/v1/petitions?state=open")[1])) == {"park", "formula"}
    assert set(slugs(get(client, "/api/v1/petitions?language=ru")[1])) == {"park", "river"}
    assert slugs(get(client, "/api/v1/petitions?language=en&sort=newest")[1]) == [
        "formula",
        "park",
    ]
    assert slugs(get(client, "/api/v1/petitions?target=Әкімдік ru")[1]) == ["park", "river"]
    assert slugs(get(client, "/api/v1/petitions?target=Әкімдік en&state=closed")[1]) == []
    assert slugs(get(client, "/api/v1/petitions?outcome=victory")[1]) == ["river"]


def test_the_list_searches_every_language_case_folded(client, world):
    assert set(slugs(get(client, "/api/v1/petitions?q=САЯБАҚТЫ")[1])) == {"park"}
    assert set(slugs(get(client, "/api/v1/petitions?q=сохраним парк")[1])) == {"park", "river"}
    assert slugs(get(client, "/api/v1/petitions?q=hyperlink")[1]) == ["formula"]
    assert slugs(get(client, "/api/v1/petitions?q=Hidden")[1]) == []  # drafts and the rest
    assert slugs(get(client, "/api/v1/petitions?q=...")[1]) == []  # no words: nothing


def test_the_list_pages_with_a_bounded_size(client, world):
    _, first = get(client, "/api/v1/petitions?page_size=2")
    _, second = get(client, "/api/v1/petitions?page_size=2&page=2")
    assert first["pages"] == 2 and len(first["results"]) == 2 and len(second["results"]) == 1
    assert set(slugs(first)) | set(slugs(second)) == {"park", "river", "formula"}
    _, beyond = get(client, "/api/v1/petitions?page=9")
    assert beyond["results"] == [] and beyond["total"] == 3


@pytest.mark.parametrize(
    "query",
    [
        "page_size=101", "page_size=0", "page=0", "page=-1", "page=abc", "page=1e3",
        "state=draft", "state=removed", "language=de", "sort=random", "outcome=defeat",
        "q=" + "x" * 201, "target=",
    ],
)  # fmt: skip
def test_a_bad_parameter_is_a_422_that_says_which(client, world, query):
    response, body = get(client, f"/api/v1/petitions?{query}")
    assert response.status_code == 422
    assert body["detail"][0]["loc"][-1] == query.split("=")[0]


def test_a_nul_byte_or_a_broken_path_is_a_json_error(client, world):
    response, body = get(client, "/api/v1/petitions?q=a%00b")
    assert response.status_code == 400 and body == {"detail": "Bad Request"}
    response, body = get(client, "/api/v1/petitions/park/nothing-here")
    assert response.status_code == 404 and body == {"detail": "Not Found"}


# --- One petition ---------------------------------------------------------------------------


def test_a_petition_in_full(client, world):
    response, body = get(client, "/api/v1/petitions/park")
    assert response.status_code == 200
    assert body["id"] == world.open.pk and body["state"] == "open"
    assert body["url"] == "http://testserver/kk/p/park/"
    assert body["languages"] == ["kk", "en", "ru"]  # the primary first
    kazakh = body["versions"][0]
    assert kazakh["title"] == 'Саябақты сақтайық <script>alert("x")</script>'
    assert "<script>" not in kazakh["body_html"] and 'href="javascript' not in kazakh["body_html"]
    assert {t["language"] for t in body["targets"]} == {"kk", "ru", "en"}
    assert body["count"] == 3 and body["goal"] == 50 and body["progress"] == 6
    assert body["counts_by_country"] == {"KZ": 2, "RU": 1}
    assert body["counts_by_region"] == {"KZ-19": 1, "KZ-75": 1}
    response_threshold, debate = body["thresholds"]
    assert response_threshold["name"] == "response" and response_threshold["reached"]
    assert response_threshold["reached_at"] is not None
    assert debate == {"name": "debate", "signatures": 1000, "reached": False, "reached_at": None}
    assert body["result"] == {
        "result": None, "text": "", "recorded_at": None, "delivered_at": None
    }  # fmt: skip


def test_a_closed_petition_with_its_outcome(client, world):
    _, body = get(client, "/api/v1/petitions/river")
    assert body["state"] == "closed" and body["closed_at"] and body["outcome"] == "victory"
    assert body["result"]["result"] == "victory"
    assert body["result"]["text"].startswith("Акимат согласился")
    assert body["result"]["delivered_at"] and body["result"]["recorded_at"]
    assert body["count"] == 2
    assert body["counts_by_country"] == {"KZ": 1, "RU": 1}
    assert body["counts_by_region"] == {"KZ-75": 1}


@pytest.mark.parametrize("slug", ["secret-draft", "waiting", "refused", "no-such-petition"])
def test_drafts_and_petitions_under_review_or_rejected_do_not_exist(client, world, slug):
    for address in (f"/api/v1/petitions/{slug}", f"/api/v1/petitions/{slug}/count"):
        response, body = get(client, address)
        assert response.status_code == 404 and body == {"detail": "Not Found"}


def test_a_removed_petition_is_gone_with_its_reason_only(client, world):
    for address in ("/api/v1/petitions/taken-down", "/api/v1/petitions/taken-down/count"):
        response, body = get(client, address)
        assert response.status_code == 410
        assert body == {"detail": "removed", "reason": "spam"}


# --- The count ------------------------------------------------------------------------------


def test_the_count_is_tiny_and_cacheable(client, world, settings):
    response, body = get(client, "/api/v1/petitions/park/count")
    assert body == {"count": 3, "goal": 50, "progress": 6}
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", f"max-age={settings.UNDEU_COUNT_MAX_AGE}", "stale-if-error=86400"} <= (
        directives
    )
    assert any(d.startswith("stale-while-revalidate=") for d in directives)


def test_the_count_never_counts_signatures(client, world, django_assert_max_num_queries):
    client.get("/api/v1/petitions/park/count")  # the count is now cached
    with django_assert_max_num_queries(1) as queries:  # the petition, by its slug
        client.get("/api/v1/petitions/park/count")
    assert not any("signatures_signature" in q["sql"] for q in queries.captured_queries)


def test_a_page_of_the_list_costs_the_same_whatever_the_signatures(
    client, world, django_assert_max_num_queries
):
    with django_assert_max_num_queries(5) as queries:
        get(client, "/api/v1/petitions")
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "signatures_signature" not in sql


# --- Trending -------------------------------------------------------------------------------


def test_trending_ranks_open_petitions_by_signatures_confirmed_today(client, world):
    # A confirmation of yesterday does not count; an invalidation takes one away.
    old = Signature.objects.filter(petition=world.open).order_by("pk").first()
    Signature.objects.filter(pk=old.pk).update(
        confirmed_at=timezone.now() - timezone.timedelta(hours=30)
    )
    tallying.rebuild(world.open.pk)
    response, body = get(client, "/api/v1/trending")
    assert response.status_code == 200 and body["hours"] == 24
    # The park: 2 of its 3 confirmations are today; the river is closed; the formula has none.
    assert [(r["petition"]["slug"], r["gained"]) for r in body["results"]] == [("park", 2)]

    latest = Signature.objects.filter(petition=world.open).order_by("-pk").first()
    move(
        world.open.pk,
        [latest.pk],
        to_state=SignatureState.INVALIDATED,
        from_states=[SignatureState.CONFIRMED],
    )
    tallying.catch_up()
    assert trending.compute()["gains"] == [(world.open.pk, 1)]


def test_trending_is_cached_and_never_reads_signatures(
    client, world, django_assert_max_num_queries
):
    # The tallies, then the petitions shown: their rows, versions, targets and count shards.
    with django_assert_max_num_queries(5) as first:
        get(client, "/api/v1/trending")
    with django_assert_max_num_queries(4) as cached:
        get(client, "/api/v1/trending?limit=1")
    assert not any("tally" in q["sql"] for q in cached.captured_queries)
    for query in first.captured_queries + cached.captured_queries:
        assert "signatures_signature" not in query["sql"]
        assert "signatureevent" not in query["sql"]


# --- Headers and privacy --------------------------------------------------------------------


def test_any_origin_may_read_and_preflight(client, world):
    response = client.options(
        "/api/v1/petitions/park",
        headers={"Origin": "https://other.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert not response.cookies
    response, _ = get(client, "/api/v1/petitions/secret-draft", Origin="https://other.example")
    assert response.status_code == 404  # errors are readable too


def test_a_post_is_refused_and_changes_nothing(client, world):
    before = list(Signature.objects.values_list("pk", "state"))
    response = client.post("/api/v1/petitions/park", {"x": "1"})
    assert response.status_code == 405
    assert list(Signature.objects.values_list("pk", "state")) == before


def test_no_answer_holds_anything_about_one_signer(client, world):
    """Every endpoint, every petition, even with a signer's session: names, emails, cities and
    the public names a page shows never appear."""
    secrets = personal_strings()
    assert len(secrets) >= 3 * len(SIGNERS)
    addresses = ["/api/v1/petitions", "/api/v1/trending", "/api/v1/openapi.json"]
    for slug in ("park", "river", "formula", "secret-draft", "taken-down"):
        addresses += [f"/api/v1/petitions/{slug}", f"/api/v1/petitions/{slug}/count"]
    for name, *_ in SIGNERS:
        addresses.append(f"/api/v1/petitions?q={name}")
    for address in addresses:
        text = client.get(address).content.decode()
        for secret in secrets:
            assert secret not in text, (address, secret)
            assert json.dumps(secret)[1:-1] not in text, (address, secret)


# --- The OpenAPI document and the reference -------------------------------------------------


def test_the_openapi_document_describes_every_operation(client, world):
    response, document = get(client, "/api/v1/openapi.json")
    assert response.status_code == 200 and "public" in response["Cache-Control"]
    assert set(document["paths"]) == {
        "/api/v1/petitions",
        "/api/v1/trending",
        "/api/v1/petitions/{slug}",
        "/api/v1/petitions/{slug}/count",
    }


@pytest.mark.parametrize(
    ("language", "heading", "summary"),
    [
        ("en", "Public API", "List public petitions"),
        ("ru", "Открытый API", "Список публичных петиций"),
        ("kk", "Ашық API", "Жария петициялар тізімі"),
    ],
)
def test_the_reference_is_a_translated_page_of_the_site(world, language, heading, summary):
    response = Client().get(f"/{language}/api/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert f"<h1>{heading}</h1>" in page and summary in page
    for path in ("/api/v1/petitions", "/api/v1/trending", "/api/v1/petitions/{slug}/count"):
        assert f"<code>{path}</code>" in page
    assert "<script>" not in page.split("</head>")[1]  # no inline script
    assert 'src="http' not in page and 'href="http' not in page.split("<main")[0]


def test_the_answers_are_kept_by_the_cache_in_front(client, world, settings):
    settings.UNDEU_PAGE_CACHE_SECONDS = 1
    for address in (
        "/api/v1/petitions",
        "/api/v1/petitions/park",
        "/api/v1/petitions/park/count",
        "/api/v1/trending",
    ):
        response = client.get(address)
        headers = [(name, value) for name, value in response.items()]
        assert storable_for("200 OK", headers) == 1, address


def test_the_counts_of_a_page_are_read_together(
    world, sign_and_confirm, django_capture_on_commit_callbacks
):
    ids = [world.open.pk, world.closed.pk, world.hostile.pk]
    assert current_counts(ids) == {world.open.pk: 3, world.closed.pk: 2, world.hostile.pk: 0}
    with django_capture_on_commit_callbacks(execute=True):
        sign_and_confirm(world.hostile, "late@example.com")
    assert current_counts(ids)[world.hostile.pk] == 1  # its cached count was dropped
    assert current_counts(ids) == {pk: current_count(pk) for pk in ids}
