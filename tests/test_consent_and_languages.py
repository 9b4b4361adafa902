import pytest

from undeu.core.consent import COOKIE_NAME, Consent, parse_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def video_petition(make_petition):
    return make_petition("video", video_url="https://www.youtube.com/watch?v=aqz-KE-bpKQ")


def test_without_consent_the_video_is_a_placeholder_and_no_cookie_is_set(client, video_petition):
    response = client.get("/en/p/video/")
    page = response.content.decode()
    assert "<iframe" not in page
    assert "allow “Third-party media” in the cookie settings" in page
    assert 'id="consent"' in page  # the banner offers the choice
    assert not response.cookies


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ({"choice": "all"}, Consent(decided=True, preferences=True, media=True)),
        ({"choice": "necessary", "media": "on"}, Consent(decided=True)),
        ({"choice": "selected", "media": "on"}, Consent(decided=True, media=True)),
        ({"choice": "selected"}, Consent(decided=True)),
    ],
)
def test_consent_choices(client, video_petition, form, expected):
    response = client.post("/en/cookies/", {**form, "next": "/en/p/video/"})
    assert response.status_code == 303
    assert response["Location"] == "/en/p/video/"
    assert parse_consent(response.cookies[COOKIE_NAME].value) == expected
    assert response.cookies[COOKIE_NAME]["httponly"]
    assert response.cookies[COOKIE_NAME]["samesite"] == "Lax"
    page = client.get("/en/p/video/").content.decode()
    assert ("<iframe" in page) == expected.media
    assert 'id="consent"' not in page
    if expected.media:
        assert 'src="https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ"' in page


def test_pages_seen_with_only_cookie_choices_are_shared_per_choice(client, video_petition):
    client.post("/en/cookies/", {"choice": "all"})
    assert set(client.cookies) == {"undeu_consent", "undeu_language"}
    response = client.get("/en/p/video/")
    # Everyone with the same choices sees the same page: a shared cache keys it on the cookies.
    assert "public" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    assert not response.cookies


def test_pages_seen_with_a_session_or_other_cookies_are_private(client, video_petition):
    client.post("/en/cookies/", {"choice": "all"})
    client.cookies["sessionid"] = "x"
    response = client.get("/en/p/video/")
    assert "private" in response["Cache-Control"]


def test_a_language_cookie_only_with_the_preferences_category(client):
    necessary = client.post("/kk/cookies/", {"choice": "necessary"})
    assert necessary.cookies["undeu_language"].value == ""  # deleted
    everything = client.post("/ru/cookies/", {"choice": "all"})
    assert everything.cookies["undeu_language"].value == "ru"


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"],
)
def test_consent_never_redirects_elsewhere(client, next_url):
    response = client.post("/en/cookies/", {"choice": "all", "next": next_url})
    assert response.status_code == 303
    assert response["Location"] == "/en/"


def test_the_cookie_settings_page_is_linked_from_every_page(client, petition):
    for url in ("/kk/", "/ru/petitions/", f"/en/p/{petition.slug}/", "/kk/privacy/"):
        assert 'href="/' + url.split("/")[1] + "/cookies/?next=" in client.get(url).content.decode()


def test_the_cookie_settings_page_shows_the_current_choice(client):
    client.post("/en/cookies/", {"choice": "selected", "media": "on"})
    page = client.get("/en/cookies/").content.decode()
    assert 'name="media" id="consent-media" checked' in page
    assert 'name="preferences" id="consent-preferences">' in page


@pytest.mark.parametrize(
    ("accept", "language"),
    [("ru-RU,ru;q=0.9", "ru"), ("kk", "kk"), ("en-GB,en;q=0.8", "en"), ("de-DE", "kk")],
)
def test_accept_language_picks_the_default(client, accept, language):
    response = client.get("/", headers={"Accept-Language": accept})
    assert response.status_code == 302
    assert response["Location"] == f"/{language}/"


def test_every_page_offers_the_other_languages(client, petition):
    page = client.get(f"/kk/p/{petition.slug}/?version=ru").content.decode()
    assert f'href="/ru/p/{petition.slug}/?version=ru" hreflang="ru"' in page
    assert f'href="/en/p/{petition.slug}/?version=ru" hreflang="en"' in page
    assert '<html lang="kk">' in page


def test_browse_most_signed_and_newest(client, make_petition, sign_and_confirm):
    from undeu.signatures.counting import refresh_sort_counts

    old = make_petition("old-popular", languages=("en",))
    make_petition("new-quiet", languages=("en",))
    old.published_at = old.published_at.replace(year=2020)
    old.save()
    sign_and_confirm(old)
    refresh_sort_counts()
    popular = client.get("/en/petitions/").content.decode()
    assert popular.index("/en/p/old-popular/") < popular.index("/en/p/new-quiet/")
    newest = client.get("/en/petitions/?sort=newest").content.decode()
    assert newest.index("/en/p/new-quiet/") < newest.index("/en/p/old-popular/")


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("САЯБАҚТЫ", True),  # Kazakh, any case
        ("сохраним ПАРК", True),  # Russian, all words in one version
        ("save the park", False),  # no English version
        ("сохраним саябақты", False),  # words from two different versions
        ("", True),
    ],
)
def test_search_in_any_language(client, petition, query, found):
    page = client.get("/en/petitions/", {"q": query}).content.decode()
    assert (f"/en/p/{petition.slug}/" in page) == found


def test_search_in_english(client, make_petition):
    make_petition("english", languages=("en",))
    assert "/kk/p/english/" in client.get("/kk/petitions/", {"q": "PARK"}).content.decode()
