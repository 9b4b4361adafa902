"""Sharing a petition: share links and Open Graph tags, QR codes (decoded by a real decoder),
the printable poster, the share picture, the embeddable count, the Atom feeds and the sitemap.

The world's titles and demands contain <script>: every page, picture, PDF and feed here is also
an escaping test.
"""

import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from django.core.cache import cache
from django.utils import timezone, translation
from PIL import Image, ImageDraw
from pypdf import PdfReader

from tests.conftest import HOSTILE
from undeu.petitions.models import PetitionState
from undeu.petitions.page import count_sentence
from undeu.sharing import rendered
from undeu.updates.posting import post_update

pytestmark = pytest.mark.django_db
LANGUAGES = ("kk", "ru", "en")
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
SHARING_PAGES = ["embed/", "qr.png", "qr.svg", "poster.pdf", "share.png", "updates.atom"]


class Tags(HTMLParser):
    """The <meta>, <link> and <a> tags of a page, with their attributes."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def meta(self, key: str) -> list[str]:
        return [
            a["content"]
            for tag, a in self.tags
            if tag == "meta" and key in (a.get("property"), a.get("name"))
        ]

    def all(self, wanted: str) -> list[dict]:
        return [attributes for tag, attributes in self.tags if tag == wanted]


def parse_xml(data: bytes) -> ET.Element:
    """Our own server's answer (well-formed, or this raises)."""
    return ET.fromstring(data)  # noqa: S314 - the site under test, not untrusted input


def decode_qr(png: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.fixture
def three_languages(make_petition):
    return make_petition("three", languages=("kk", "ru", "en"))


# --- The share section and the Open Graph tags ----------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_petition_page_links_to_the_networks_with_its_own_address(client, petition, language):
    response = client.get(f"/{language}/p/park/")
    page = Tags(response.content.decode())
    address = f"http://testserver/{language}/p/park/"
    share = {a["href"]: a for a in page.all("a") if "noopener" in a.get("rel", "")}
    hosts = {urlsplit(href).netloc or urlsplit(href).scheme for href in share}
    assert hosts >= {"t.me", "wa.me", "vk.com", "www.facebook.com", "x.com", "mailto"}
    for href, attributes in share.items():
        if href.startswith("mailto:"):
            assert address in parse_qs(urlsplit(href).query)["body"]
            continue
        assert attributes["rel"] == "noopener noreferrer"
        query = parse_qs(urlsplit(href).query)
        assert any(address in value for values in query.values() for value in values), href
    # Without JavaScript the address is there to copy; the button appears only with it.
    assert [i["value"] for i in page.all("input") if "readonly" in i] == [address]
    assert any(b.get("data-copy") == f"#share-url-{petition.pk}" for b in page.all("button"))


def test_the_petition_page_loads_nothing_from_other_sites(client, petition):
    page = Tags(client.get("/ru/p/park/").content.decode())
    for tag, attribute in (("script", "src"), ("img", "src"), ("link", "href"), ("iframe", "src")):
        for attributes in page.all(tag):
            value = attributes.get(attribute, "")
            assert not value.startswith(("http:", "https:", "//")) or (
                tag == "link" and attributes.get("rel") == "alternate"
            ), (tag, value)


def test_the_petition_page_stays_cacheable_with_the_share_section(client, petition):
    response = client.get("/kk/p/park/")
    assert "public" in response["Cache-Control"]
    assert not response.cookies


@pytest.mark.parametrize(
    ("language", "locale", "alternates"),
    [("kk", "kk_KZ", ["ru_RU", "en_US"]), ("ru", "ru_RU", ["kk_KZ", "en_US"]),
     ("en", "en_US", ["kk_KZ", "ru_RU"])],
)  # fmt: skip
def test_open_graph_tags_per_language_version(
    client, three_languages, language, locale, alternates
):
    page = Tags(client.get(f"/{language}/p/three/").content.decode())
    version = three_languages.version_for(language)
    assert page.meta("og:title") == [version.title]
    assert page.meta("twitter:title") == [version.title]
    assert page.meta("og:description") == [version.demand]
    assert page.meta("og:url") == [f"http://testserver/{language}/p/three/"]
    assert page.meta("og:locale") == [locale]
    assert sorted(page.meta("og:locale:alternate")) == sorted(alternates)
    image = f"http://testserver/{language}/p/three/share.png"
    assert page.meta("og:image") == [image]
    assert page.meta("twitter:image") == [image]
    assert page.meta("twitter:card") == ["summary_large_image"]
    feeds = [link for link in page.all("link") if link.get("type") == "application/atom+xml"]
    assert [link["href"] for link in feeds] == [f"/{language}/p/three/updates.atom"]


def test_absolute_addresses_come_from_the_configured_site_url(client, petition, settings):
    settings.UNDEU_SITE_URL = settings.SITE_URL = "https://petitions.example.org"
    page = Tags(client.get("/ru/p/park/").content.decode())
    assert page.meta("og:url") == ["https://petitions.example.org/ru/p/park/"]
    assert page.meta("og:image") == ["https://petitions.example.org/ru/p/park/share.png"]
    png = client.get("/ru/p/park/qr.png").content
    assert decode_qr(png) == ["https://petitions.example.org/ru/p/park/"]


def test_a_preview_of_a_draft_has_no_link_preview_tags(client, starter, make_petition):
    draft = make_petition("draft", state=PetitionState.DRAFT, starter=starter)
    client.force_login(starter)
    response = client.get(f"/kk/start/{draft.pk}/preview/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "og:title" not in html and "og:image" not in html


def test_the_starters_dashboard_shares_open_petitions_with_a_qr_code(
    client, starter, make_petition
):
    make_petition("park", starter=starter)
    make_petition("draft", state=PetitionState.DRAFT, starter=starter)
    client.force_login(starter)
    page = Tags(client.get("/en/my/petitions/").content.decode())
    assert [img["src"] for img in page.all("img") if "qr" in img.get("class", "")] == [
        "/en/p/park/qr.svg"
    ]
    html = client.get("/en/my/petitions/").content.decode()
    embed = re.search(r'<textarea id="embed-code-\d+"[^>]*>(.*?)</textarea>', html, re.S)
    # The code to copy, shown as text: its own title attribute escaped inside.
    assert embed[1].startswith("&lt;iframe src=&quot;http://testserver/en/p/park/embed/&quot;")
    assert "&amp;lt;script&amp;gt;" in embed[1]


# --- QR codes -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_qr_code_decodes_to_the_petitions_address_in_its_language(client, petition, language):
    response = client.get(f"/{language}/p/park/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "public" in response["Cache-Control"]
    assert decode_qr(response.content) == [f"http://testserver/{language}/p/park/"]


def test_the_svg_qr_code_is_well_formed_with_the_title_escaped(client, petition):
    response = client.get("/ru/p/park/qr.svg")
    assert response["Content-Type"] == "image/svg+xml"
    root = parse_xml(response.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    title = root.find("{http://www.w3.org/2000/svg}title")
    assert title.text == petition.version_for("ru").title  # the <script> is text, not markup
    assert not root.findall(".//{http://www.w3.org/2000/svg}script")


def draw_svg_qr(svg: bytes, scale: int = 8) -> bytes:
    """Draw segno's SVG the way a browser would: its one path is made of horizontal lines one
    module high ("M x y", "m dx dy", "h n"), drawn here with Pillow, module by module."""
    root = parse_xml(svg)
    size = int(root.get("width")) // 10
    path = next(p for p in root.iter("{http://www.w3.org/2000/svg}path") if p.get("class"))
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, *numbers in re.findall(r"([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?", path.get("d")):
        if command == "M":
            x, y = float(numbers[0]), float(numbers[1])
        elif command == "m":
            x, y = x + float(numbers[0]), y + float(numbers[1])
        else:
            length = float(numbers[0])
            top = int(y - 0.5) * scale
            draw.rectangle((int(x) * scale, top, int(x + length) * scale - 1, top + scale - 1), 0)
            x += length
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_svg_qr_code_decodes_to_the_address_once_drawn(client, petition, language):
    svg = client.get(f"/{language}/p/park/qr.svg").content
    assert decode_qr(draw_svg_qr(svg)) == [f"http://testserver/{language}/p/park/"]


# --- The poster -----------------------------------------------------------------------------


def poster_text(response) -> tuple[str, PdfReader]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages), reader


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_poster_has_the_title_demand_address_count_and_qr_code(
    client, petition, sign_and_confirm, language
):
    sign_and_confirm(petition)
    cache.clear()
    text, reader = poster_text(client.get(f"/{language}/p/park/poster.pdf"))
    flat = " ".join(text.split())
    version = petition.version_for(language)
    assert " ".join(version.title.split()) in flat  # <script> printed as text
    assert " ".join(version.demand.split()) in flat
    assert f"testserver/{language}/p/park/" in flat
    with translation.override(language):
        assert count_sentence(1, 50) in flat
    assert len(reader.pages) == 1
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_the_poster_of_a_long_petition_stays_on_one_page(client, make_petition):
    petition = make_petition("long", languages=("ru",))
    petition.versions.update(title="Очень " * 33, demand="Требование " * 90)
    text, reader = poster_text(client.get("/ru/p/long/poster.pdf"))
    assert len(reader.pages) == 1
    assert "testserver/ru/p/long/" in text


def test_the_poster_loads_nothing_but_its_fonts(monkeypatch, petition):
    """Even with markup asking for other files, only the bundled fonts are read."""
    import weasyprint

    from undeu.sharing import poster

    fetched = []
    real_fetch = weasyprint.URLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(weasyprint.URLFetcher, "fetch", spy)
    real_html = poster.poster_html
    monkeypatch.setattr(
        poster,
        "poster_html",
        lambda *args: real_html(*args).replace(
            "</body>",
            '<img src="https://example.com/x.png"><img src="file:///etc/passwd"></body>',
        ),
    )
    pdf = poster.poster_pdf(petition.version_for("kk"), "http://testserver/kk/p/park/", 0, "kk")
    assert pdf.startswith(b"%PDF")
    assert fetched and all(url.endswith(".ttf") and "/fonts/" in url for url in fetched)


# --- The share picture ----------------------------------------------------------------------


def test_the_share_picture_is_a_1200_by_630_png_cached_for_a_while(client, petition, settings):
    response = client.get("/kk/p/park/share.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    image.verify()
    assert image.format == "PNG" and image.size == (1200, 630)
    seconds = settings.UNDEU_SHARE_IMAGE_SECONDS
    assert f"max-age={seconds}" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]


def test_the_share_picture_shows_the_new_count_once_its_copy_is_old(
    client, petition, sign_and_confirm, settings
):
    first = client.get("/ru/p/park/share.png").content
    sign_and_confirm(petition)
    assert client.get("/ru/p/park/share.png").content == first  # kept for a while
    # Once it is old (here: no keeping at all), the picture is drawn again with the new count.
    settings.UNDEU_SHARE_IMAGE_SECONDS = 0
    cache.clear()
    assert client.get("/ru/p/park/share.png").content != first


def test_share_pictures_differ_by_language(client, petition):
    kazakh = client.get("/kk/p/park/share.png").content
    russian = client.get("/ru/p/park/share.png").content
    assert kazakh != russian


def test_a_stale_copy_is_served_while_one_request_makes_the_new_one(time_machine):
    made = []

    def make():
        made.append(1)
        return f"copy {len(made)}".encode()

    time_machine.move_to("2026-12-01 12:00:00Z", tick=False)
    assert rendered.cached_bytes("test", 60, make) == b"copy 1"
    assert rendered.cached_bytes("test", 60, make) == b"copy 1"
    time_machine.move_to("2026-12-01 12:01:01Z", tick=False)
    # Another request is making the new copy: this one gets the old copy at once.
    cache.add("sharing:test:claim", 1, 30)
    assert rendered.cached_bytes("test", 60, make) == b"copy 1"
    cache.delete("sharing:test:claim")
    assert rendered.cached_bytes("test", 60, make) == b"copy 2"
    assert len(made) == 2


# --- The embeddable count -------------------------------------------------------------------


def test_the_embed_page_may_be_framed_by_any_site_and_sets_no_cookie(client, petition):
    response = client.get("/ru/p/park/embed/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "'none'" not in policy.split("frame-ancestors")[1].split(";")[0]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy
    assert "X-Frame-Options" not in response
    assert "public" in response["Cache-Control"]
    assert not response.cookies


def test_every_other_page_still_refuses_to_be_framed(client, petition):
    for path in ("/ru/p/park/", "/ru/p/park/all/", "/ru/petitions/"):
        response = client.get(path)
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY"


def test_the_embed_page_shows_the_count_the_goal_and_a_sign_link(
    client, petition, sign_and_confirm
):
    sign_and_confirm(petition)
    cache.clear()
    html = client.get("/kk/p/park/embed/").content.decode()
    page = Tags(html)
    with translation.override("kk"):
        assert count_sentence(1, 50) in html
    assert '<progress max="50" value="1"' in html
    signs = [a for a in page.all("a") if a.get("class") == "sign"]
    assert len(signs) == 1
    assert signs[0]["href"] == "http://testserver/kk/p/park/#sign"
    assert signs[0]["target"] == "_blank" and "noopener" in signs[0]["rel"]
    assert "&lt;script&gt;" in html and HOSTILE not in html
    styles = [link["href"] for link in page.all("link") if link.get("rel") == "stylesheet"]
    assert len(styles) == 1 and styles[0].startswith("/static/undeu/embed.")
    assert 'id="consent"' not in html  # no banner: it sets no cookie and asks for none


def test_a_closed_petitions_embed_says_so_instead_of_a_sign_link(client, make_petition):
    make_petition("old", state=PetitionState.CLOSED, closed_at=timezone.now())
    html = client.get("/en/p/old/embed/").content.decode()
    assert 'class="sign"' not in html
    assert "no longer accepts signatures" in html


# --- Feeds ----------------------------------------------------------------------------------


def feed(client, path) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response["Content-Type"].startswith("application/atom+xml")
    return parse_xml(response.content)  # well-formed, or this raises


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_new_petitions_feed_lists_only_public_petitions(client, make_petition, language):
    make_petition("park")
    make_petition("closed", state=PetitionState.CLOSED, closed_at=timezone.now())
    for state in ("draft", "submitted", "rejected", "removed"):
        make_petition(state, state=state)
    root = feed(client, f"/{language}/petitions/new.atom")
    links = [entry.find(f"{ATOM}link").get("href") for entry in root.iter(f"{ATOM}entry")]
    assert sorted(links) == [
        f"http://testserver/{language}/p/closed/",
        f"http://testserver/{language}/p/park/",
    ]
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == language


def test_feed_entries_are_escaped_text_and_html(client, petition):
    root = feed(client, "/ru/petitions/new.atom")
    entry = next(root.iter(f"{ATOM}entry"))
    version = petition.version_for("ru")
    assert entry.find(f"{ATOM}title").text == version.title  # text: <script> is shown, not run
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    # HTML to a reader: the demand's markup arrives escaped, so a reader shows it as text.
    assert "<script>" not in summary.text and "&lt;script&gt;" in summary.text
    author = entry.find(f"{ATOM}author/{ATOM}name").text
    assert author == petition.starter_name


def test_the_updates_feed_lists_a_petitions_updates_in_the_readers_language(
    client, petition, starter
):
    first = post_update(
        petition,
        author=starter,
        texts={"kk": ("Әкімдік жауап берді", f"Жиналыс **сейсенбіде**. {HOSTILE}"),
               "ru": ("Акимат ответил", f"Встреча во **вторник**. {HOSTILE}")},
        base_url="http://testserver",
    )  # fmt: skip
    second = post_update(
        petition, author=starter, texts={"kk": ("Екінші", "Тек қазақша")}, base_url="http://x"
    )
    root = feed(client, "/ru/p/park/updates.atom")
    entries = list(root.iter(f"{ATOM}entry"))
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Екінші", "Акимат ответил"]
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert links == [
        f"http://testserver/ru/p/park/#update-{second.pk}",
        f"http://testserver/ru/p/park/#update-{first.pk}",
    ]
    summary = entries[1].find(f"{ATOM}summary").text
    assert "<strong>вторник</strong>" in summary and "<script>" not in summary
    # The anchor the entries link to is on the page.
    assert f'id="update-{first.pk}"' in client.get("/ru/p/park/").content.decode()


def test_home_and_list_pages_link_the_new_petitions_feed(client, petition):
    for path in ("/kk/", "/kk/petitions/"):
        page = Tags(client.get(path).content.decode())
        feeds = [link["href"] for link in page.all("link") if link.get("rel") == "alternate"]
        assert "/kk/petitions/new.atom" in feeds


# --- Sitemap --------------------------------------------------------------------------------


def sitemap(client, path) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response["Content-Type"] == "application/xml"
    return parse_xml(response.content)


def test_the_sitemap_lists_public_petitions_in_their_languages_with_hreflang(client, make_petition):
    make_petition("park", languages=("kk", "ru"))
    make_petition("english", languages=("en",), state=PetitionState.CLOSED)
    for state in ("draft", "submitted", "rejected", "removed"):
        make_petition(state, state=state)
    index = sitemap(client, "/sitemap.xml")
    sections = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert sections == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-petitions.xml",
    ]
    root = sitemap(client, "/sitemap-petitions.xml")
    urls = {
        url.find(f"{SITEMAP}loc").text: {
            link.get("hreflang"): link.get("href") for link in url.iter(f"{XHTML}link")
        }
        for url in root.iter(f"{SITEMAP}url")
    }
    park = {
        "kk": "http://testserver/kk/p/park/",
        "ru": "http://testserver/ru/p/park/",
        "x-default": "http://testserver/p/park/",
    }
    english = {"en": "http://testserver/en/p/english/", "x-default": "http://testserver/p/english/"}
    assert urls == {
        "http://testserver/kk/p/park/": park,
        "http://testserver/ru/p/park/": park,
        "http://testserver/en/p/english/": english,
    }


def test_the_sitemaps_x_default_sends_visitors_to_their_language(client, petition):
    response = client.get("/p/park/", headers={"Accept-Language": "ru"})
    assert response.status_code == 302 and response["Location"] == "/ru/p/park/"


def test_the_sitemap_lists_the_home_and_list_pages_in_every_language(client, db, settings):
    settings.SITE_URL = "https://petitions.example.org"
    index = sitemap(client, "/sitemap.xml")
    assert next(loc.text for loc in index.iter(f"{SITEMAP}loc")) == (
        "https://petitions.example.org/sitemap-pages.xml"
    )
    root = sitemap(client, "/sitemap-pages.xml")
    locations = [url.find(f"{SITEMAP}loc").text for url in root.iter(f"{SITEMAP}url")]
    base = "https://petitions.example.org"
    assert locations == [
        *(f"{base}/{language}/" for language in LANGUAGES),
        *(f"{base}/{language}/petitions/" for language in LANGUAGES),
    ]
    first = next(root.iter(f"{SITEMAP}url"))
    hreflangs = {link.get("hreflang"): link.get("href") for link in first.iter(f"{XHTML}link")}
    assert hreflangs == {"kk": f"{base}/kk/", "ru": f"{base}/ru/", "en": f"{base}/en/",
                         "x-default": f"{base}/"}  # fmt: skip


def test_an_unknown_sitemap_section_or_page_is_a_404(client, petition):
    for path in ("/sitemap-nothing.xml", "/sitemap-petitions.xml?p=9", "/sitemap-pages.xml?p=x"):
        assert client.get(path).status_code == 404, path


# --- Petitions that are not public, and hostile addresses -----------------------------------


@pytest.mark.parametrize("state", ["draft", "submitted", "rejected"])
@pytest.mark.parametrize("page", SHARING_PAGES)
def test_a_petition_that_is_not_public_has_no_sharing_pages(client, make_petition, state, page):
    make_petition("hidden", state=state)
    assert client.get(f"/ru/p/hidden/{page}").status_code == 404


@pytest.mark.parametrize("page", SHARING_PAGES)
def test_a_removed_petitions_sharing_pages_are_gone(client, make_petition, page):
    make_petition("gone", state=PetitionState.REMOVED, moderation_reason="spam")
    response = client.get(f"/kk/p/gone/{page}")
    assert response.status_code == 410
    assert "X-Frame-Options" in response  # the 410 page is not the embed: it may not be framed


@pytest.mark.parametrize(
    "slug",
    ["no-such", "p%00x", "%3Cscript%3E", "ж" * 300, "..%2F..%2Fetc", "a" * 5000, "park%0A"],
)
@pytest.mark.parametrize("page", SHARING_PAGES)
def test_hostile_slugs_are_a_404(client, petition, slug, page):
    response = client.get(f"/en/p/{slug}/{page}")
    assert response.status_code in (400, 404), (slug, page, response.status_code)
