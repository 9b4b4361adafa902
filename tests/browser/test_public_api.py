"""The public API and the open data in a real browser: a page of another origin reads them
(CORS, with a preflight), and the pages that describe them pass axe-core."""

import pytest

from tests.browser.conftest import site_shell
from tests.browser.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

READ = """async ([address, headers]) => {
  try {
    const response = await fetch(address, {headers});
    return {status: response.status, body: await response.text(),
            etag: response.headers.get("ETag")};
  } catch (error) {
    return {status: 0, body: String(error), etag: null};
  }
}"""


def test_a_page_of_another_origin_reads_the_api_and_the_files(new_context, site):
    # The same server under another name is another origin. The site's own pages may connect
    # only to their own origin (CSP), so that policy is set aside here: what remains is CORS.
    site_shell(site, "from undeu.api import opendata; opendata.publish(force=True)")
    page = new_context(bypass_csp=True).new_page()
    page.goto(site.url.replace("127.0.0.1", "localhost") + "/en/privacy/")
    listed = page.evaluate(READ, [f"{site.url}/api/v1/petitions?page_size=5", {}])
    assert listed["status"] == 200 and '"results"' in listed["body"]
    # A header outside the safelisted ones: the browser asks first (OPTIONS), then reads.
    count = page.evaluate(
        READ, [f"{site.url}/api/v1/petitions/koktem-park/count", {"If-None-Match": '"x"'}]
    )
    assert count["status"] == 200 and '"count"' in count["body"]
    data = page.evaluate(READ, [f"{site.url}/open-data/petitions.json", {}])
    assert data["status"] == 200 and '"petitions"' in data["body"] and data["etag"]
    # What is not public data stays unreadable from another origin.
    refused = page.evaluate(READ, [f"{site.url}/en/privacy/", {}])
    assert refused["status"] == 0 and "Failed to fetch" in refused["body"]


@pytest.mark.parametrize("path", ["/en/api/", "/kk/open-data/", "/ru/api/"])
def test_the_reference_and_the_open_data_page_are_accessible(page, path):
    page.goto(path)
    assert_accessible(page, "public data")
