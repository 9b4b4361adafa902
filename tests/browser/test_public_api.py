"""The public API and the open data in a real browser: a page of another origin reads them
(CORS, with a preflight), and the pages that describe them pass axe-core."""

import pytest

from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

READ = """async ([address, headers]) => {
  const response = await fetch(address, {headers});
  return {status: response.status, body: await response.text(),
          etag: response.headers.get("ETag")};
}"""


def test_a_page_of_another_origin_reads_the_api_and_the_files(page, site):
    # The same server under another name is another origin; the page is made up here, so no
    # policy of the site's own pages stands in the way, only CORS.
    other = site.url.replace("127.0.0.1", "localhost") + "/not-this-site"
    page.route(other, lambda route: route.fulfill(content_type="text/html", body="<p>x</p>"))
    page.goto(other)
    listed = page.evaluate(READ, [f"{site.url}/api/v1/petitions?page_size=5", {}])
    assert listed["status"] == 200 and '"results"' in listed["body"]
    # A header outside the safelisted ones: the browser asks first (OPTIONS), then reads.
    count = page.evaluate(
        READ, [f"{site.url}/api/v1/petitions/koktem-park/count", {"If-None-Match": '"x"'}]
    )
    assert count["status"] == 200 and '"count"' in count["body"]
    data = page.evaluate(READ, [f"{site.url}/open-data/petitions.json", {}])
    assert data["status"] == 200 and '"petitions"' in data["body"] and data["etag"]


@pytest.mark.parametrize("path", ["/en/api/", "/kk/open-data/", "/ru/api/"])
def test_the_reference_and_the_open_data_page_are_accessible(page, path):
    page.goto(path)
    assert_accessible(page, "public data")
