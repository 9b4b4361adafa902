"""Sharing in a real browser: the share section and the embed page pass axe-core, and the embed
page shows inside an <iframe> on another site's page while every other page refuses to."""

import functools
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import gettext_in
from tests.browser.test_accessibility import assert_accessible
from tests.servers import free_port

pytestmark = pytest.mark.browser

PETITION = "koktem-park"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def other_site(tmp_path, site):
    """Another origin (localhost, where the site is 127.0.0.1, on its own port): a plain static
    server with a page that frames the embed page and, for contrast, the petition page."""
    (tmp_path / "index.html").write_text(
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Other site</title>
</head><body><h1>Someone else's page</h1>
<iframe id="embed" title="Petition count" src="{site.url}/en/p/{PETITION}/embed/"
 width="360" height="240"></iframe>
<iframe id="page" title="Petition page" src="{site.url}/en/p/{PETITION}/"
 width="360" height="240"></iframe>
</body></html>""",
        encoding="utf-8",
    )
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_share_section_is_accessible(page):
    page.goto(f"/ru/p/{PETITION}/")
    share = page.locator("section.share")
    expect(share).to_be_visible()
    share.locator("summary").click()  # the embed code, opened
    expect(share.locator("textarea")).to_be_visible()
    assert_accessible(page, "petition page with its share section open")
    # With JavaScript the copy button shows; the address is there to copy either way.
    expect(share.get_by_role("button", name=gettext_in("ru", "Copy link"))).to_be_visible()
    address = share.get_by_label(gettext_in("ru", "Link to the petition"))
    expect(address).to_have_value(f"{page.url.split('/ru/')[0]}/ru/p/{PETITION}/")


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_embed_page_is_accessible(page, language):
    page.goto(f"/{language}/p/{PETITION}/embed/")
    expect(page.locator(".count-text")).to_be_visible()
    assert_accessible(page, "embed page")


def test_the_embed_page_shows_inside_another_sites_frame_and_others_do_not(page, site, other_site):
    page.goto(other_site)
    embed = page.frame_locator("#embed")
    expect(embed.locator(".count-text")).to_have_text(re.compile(r"\d"))
    expect(embed.locator("progress")).to_be_visible()
    sign = embed.get_by_role("link", name=gettext_in("en", "Sign this petition"))
    expect(sign).to_be_visible()
    # The petition page refuses to be framed (frame-ancestors 'none'): the browser shows an error
    # in its place, never the page.
    page.wait_for_load_state("load")
    refused = page.frame_locator("#page")
    expect(refused.locator("body")).to_be_attached()
    expect(refused.locator("form.sign-form")).to_have_count(0)

    # "Sign" opens the petition itself in a new tab, out of the frame.
    with page.context.expect_page() as opened:
        sign.click()
    petition = opened.value
    petition.wait_for_load_state()
    assert petition.url == f"{site.url}/en/p/{PETITION}/#sign"
    expect(petition.locator("form.sign-form")).to_be_visible()
