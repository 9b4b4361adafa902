"""Hostile strings in every address, query and form of the site: never a 5xx, never a script.

Every URL pattern comes from the resolver (tests/url_world.py), and every form from the pages
themselves: each page is fetched, as a moderator who can see every page and as a visitor, and
each POST form on it is sent back with hypothesis's hostile strings in its fields. Afterwards
every page is read again and must show what was stored escaped. A page or form added later is
fuzzed here without editing this file.
"""

import re
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urljoin

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.url_world import Pattern, every_pattern, fill, make_world

pytestmark = [
    pytest.mark.django_db,
    # A failing example holding the corpus's 1 MB string: hypothesis warns that its repr is
    # large, and with warnings as errors that warning would replace the failure it reports.
    pytest.mark.filterwarnings("ignore:Generating overly large repr"),
]
PATTERNS = every_pattern()

# What an attacker, a broken client or an unusual but honest signer sends.
CORPUS = [
    "",
    " ",
    "Әйгерім Сапарова",  # Kazakh letters
    "Ёлка ёжик",  # Russian
    "Aigerim Сапарова",  # mixed scripts
    "Aіgerim",  # a Cyrillic і among Latin letters
    "مرحبا بالعالم",  # right to left
    "\u202egnp.exe",  # a right-to-left override
    "a\u200bb\u200d\ufeff",  # zero-width characters
    "👩🏽‍🚀🇰🇿",  # emoji, with joiners and a flag
    "\x00",
    "a\x00b",
    "\x01\x07\x1b[31m\x7f\x9f",  # control characters
    "line\r\nSet-Cookie: x=1",  # header injection
    "x" * 1_048_576,  # 1 MB
    "<script>undeu_xss(1)</script>",
    '"><img src=x onerror=undeu_xss(1)>',
    "javascript:undeu_xss(1)",
    "'; DROP TABLE signatures_signature; --",
    "1 OR 1=1",
    "%00%ff%c0%af",
    "../../../etc/passwd",
    '=HYPERLINK("http://evil.example")',
    "@SUM(1+1)",
    "{{ settings.SECRET_KEY }}",
    "-1",
    "99999999999999999999999999",
    "2026-02-30",
    "NaN",
]
# Pieces of markup that must never appear unescaped in a page.
INJECTED = re.compile(
    r"<script>undeu_xss|<img src=x onerror|href=\"?javascript:undeu_xss", re.IGNORECASE
)

hostile = st.one_of(
    st.sampled_from(CORPUS),
    st.lists(st.sampled_from(CORPUS[:24]), min_size=2, max_size=4).map("".join),
    st.text(max_size=40),
)
FUZZ = settings(
    max_examples=5,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(make_petition, no_limits):
    return make_world(make_petition)


def moderator(world) -> Client:
    client = Client()
    client.force_login(world.moderator)
    return client


def assert_clean(response, case) -> None:
    assert response.status_code < 500, (case, response.status_code)
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        found = INJECTED.search(response.content.decode("utf-8", "replace"))
        assert not found, (case, found.group())


def fillable(pattern: Pattern) -> list[str]:
    """The names of the parameters that take any text (an int or a regex group of digits
    cannot be reached by text at all)."""
    return re.findall(r"<(?:(?:str|slug|path):)?(\w+)>", pattern.route)


# --- Addresses and query strings ------------------------------------------------------------


QUERY_NAMES = ["q", "page", "sort", "next", "version", "o", "lang", "state", "language"]
# Sent to every address in every query parameter at once, before the random ones.
ALWAYS = [value for value in CORPUS if "undeu_xss" in value or "\x00" in value]


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda pattern: pattern.route)
def test_hostile_addresses_and_queries_never_break_a_page(world, pattern):
    visitors = (moderator(world), Client())
    parameters = fillable(pattern)

    def get(visitor, value: str, names: list[str]):
        overrides = {parameter: quote(value, safe="") for parameter in parameters}
        address = fill(pattern, world, **overrides) if overrides else fill(pattern, world)
        response = visitor.get(f"{address}?{urlencode(dict.fromkeys(names, value))}")
        assert_clean(response, (pattern.route, names, value[:80]))

    for value in ALWAYS:
        for visitor in visitors:
            get(visitor, value, QUERY_NAMES)

    @FUZZ
    @given(
        value=hostile,
        names=st.lists(st.sampled_from(QUERY_NAMES), min_size=1, max_size=3, unique=True),
        visitor=st.sampled_from(visitors),
    )
    def check(value, names, visitor):
        get(visitor, value, names)

    check()


# --- Forms ----------------------------------------------------------------------------------


class FormFinder(HTMLParser):
    """The POST forms of a page: their action and their fields with the values they carry."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._fields: dict[str, str] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self._fields = {}
            self.forms.append((attributes.get("action") or "", self._fields))
        if self._fields is None or not attributes.get("name"):
            if tag == "option" and self._select and self._fields is not None:
                self._fields.setdefault(self._select, attributes.get("value") or "")
            return
        name = attributes["name"]
        if tag == "input" and attributes.get("type") in {"checkbox", "radio"}:
            self._fields.setdefault(name, attributes.get("value") or "on")
        elif tag == "input":
            self._fields[name] = attributes.get("value") or ""
        elif tag == "textarea":
            self._fields[name] = ""
        elif tag == "select":
            self._select = name

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None


def forms_on(page_address: str, response) -> list[tuple[str, dict[str, str]]]:
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return []
    finder = FormFinder()
    finder.feed(response.content.decode())
    return [(urljoin(page_address, action or page_address), f) for action, f in finder.forms]


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda pattern: pattern.route)
def test_hostile_values_in_every_form_are_refused_or_stored_harmlessly(world, pattern):
    address = fill(pattern, world)
    staff, visitor = moderator(world), Client()
    found = [
        (client, *form)
        for client in (staff, visitor)
        for form in forms_on(address, client.get(address))
    ]
    if not found:
        pytest.skip("no form on this page")

    @FUZZ
    @given(data=st.data())
    def check(data):
        for client, action, fields in found:
            if client is staff:
                client.force_login(world.moderator)  # a form before may have signed out
            fuzzable = sorted(set(fields) - {"csrfmiddlewaretoken"})
            if not fuzzable:  # a button alone: sent as it is
                assert_clean(client.post(action, {}), (pattern.route, action))
                continue
            chosen = data.draw(st.sets(st.sampled_from(fuzzable), min_size=1))
            sent = {name: data.draw(hostile) if name in chosen else fields[name] for name in fields}
            sent.pop("csrfmiddlewaretoken", None)
            response = client.post(action, sent)
            assert_clean(response, (pattern.route, action, {k: v[:60] for k, v in sent.items()}))

    check()
    # What was stored shows escaped wherever it appears.
    staff.force_login(world.moderator)
    for client in (staff, visitor):
        for page_pattern in (pattern, *PATTERNS[:12]):
            assert_clean(client.get(fill(page_pattern, world)), ("after", page_pattern.route))


def test_every_page_is_escaped_after_the_whole_site_was_fuzzed(world):
    """One pass over every form of every page with the markup of the corpus, then every page."""
    client = moderator(world)
    markup = [value for value in CORPUS if "undeu_xss" in value]
    for pattern in PATTERNS:
        address = fill(pattern, world)
        for action, fields in forms_on(address, client.get(address)):
            if "logout" in action:
                continue
            for value in markup:
                sent = {name: value for name in fields if name != "csrfmiddlewaretoken"}
                assert_clean(client.post(action, sent), (action, value))
    for visitor in (client, Client()):
        for pattern in PATTERNS:
            assert_clean(visitor.get(fill(pattern, world)), pattern.route)


def test_a_number_past_64_bits_in_an_admin_list_is_not_a_server_error(world):
    """Found by the form fuzzing: the admin's editable list looked the tampered id up with
    `pk__in`, and SQLite's driver raised OverflowError (core/lookups.py)."""
    from undeu.moderation.models import RejectionReason
    from undeu.petitions.models import Petition

    reason = RejectionReason.objects.first() or RejectionReason.objects.create(code="spam")
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": "99999999999999999999999999",
        "form-0-active": "on",
        "form-0-position": "1",
        "_save": "Save",
    }
    response = moderator(world).post("/admin/moderation/rejectionreason/", data)
    assert response.status_code < 500
    assert RejectionReason.objects.filter(pk=reason.pk).exists()
    assert list(Petition.objects.filter(pk__in=[2**70])) == []
    assert Petition.objects.filter(pk__in=[2**70, -(2**70), world.petition.pk]).count() == 1
