"""The shared world of the tests.

Strings in this world contain markup and Cyrillic on purpose: every test that renders them is
also an escaping and Unicode test.
"""

import contextlib
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from tests.servers import free_port
from undeu.mail.models import OutgoingEmail
from undeu.petitions import open_lookup
from undeu.petitions.models import Petition, PetitionState, PetitionVersion, Target
from undeu.signatures.confirming import confirm
from undeu.signatures.models import Signature
from undeu.signatures.signing import SignatureRequest, sign

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The cache, and what this process keeps of its own: each test's petitions are new.
    cache.clear()
    open_lookup.forget_all()
    yield
    cache.clear()
    open_lookup.forget_all()


@pytest.fixture(autouse=True)
def _postgres_only_marker(request):
    """Tests marked postgres_only (real row-level concurrency) are skipped on SQLite."""
    if request.node.get_closest_marker("postgres_only") and connection.vendor != "postgresql":
        pytest.skip("row-level concurrency is tested on PostgreSQL")


class RecordWhatPassesTheLane:
    """A middleware just after the signing lane: the requests it sees went on through the
    stack (the `watched` fixture)."""

    reached: list[str] = []

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.reached.append(request.path)
        return self.get_response(request)


@pytest.fixture
def watched(settings):
    """The paths of the requests the signing lane sent on through the rest of the stack."""
    middleware = list(settings.MIDDLEWARE)
    lane = middleware.index("undeu.signatures.lane.SigningLaneMiddleware")
    middleware.insert(lane + 1, f"{__name__}.RecordWhatPassesTheLane")
    RecordWhatPassesTheLane.reached.clear()
    with override_settings(MIDDLEWARE=middleware):
        yield RecordWhatPassesTheLane.reached


@pytest.fixture
def no_limits(settings):
    """No rate limits, for tests that sign many times from one address on purpose."""
    for scope in ("IP", "NETWORK", "DOMAIN", "PETITION"):
        setattr(settings, f"UNDEU_LIMIT_PER_{scope}", [])


@pytest.fixture
def site_mode_read(settings):
    """The site-wide defence mode read now and kept through the test, so a count of queries
    does not depend on whether its once-per-UNDEU_DEFENCE_REFRESH_SECONDS read falls in it."""
    from undeu.defence import modes

    settings.UNDEU_DEFENCE_REFRESH_SECONDS = 3600
    modes.forget_site_mode()
    modes.site_mode()
    yield
    modes.forget_site_mode()


@pytest.fixture
def make_petition(db):
    def make(slug="park", *, languages=("kk", "ru"), state=PetitionState.OPEN, **fields):
        now = timezone.now()
        petition = Petition.objects.create(
            slug=slug,
            state=state,
            starter_name=fields.pop("starter_name", f"Сәуле Қасымова {HOSTILE}"),
            primary_language=languages[0],
            published_at=now - timezone.timedelta(days=3),
            **fields,
        )
        titles = {
            "kk": "Саябақты сақтайық",
            "ru": "Сохраним парк",
            "en": "Save the park",
        }
        for language in languages:
            PetitionVersion.objects.create(
                petition=petition,
                language=language,
                title=f"{titles[language]} {HOSTILE}",
                demand=f"{titles[language]}: {HOSTILE}",
                body=f"# {titles[language]}\n\n{HOSTILE} [link](javascript:alert(1))",
            )
            Target.objects.create(
                petition=petition, language=language, name=f"Әкімдік {language} {HOSTILE}"
            )
        return petition

    return make


@pytest.fixture
def petition(make_petition):
    """An open petition with Kazakh and Russian versions."""
    return make_petition()


def outbox_to(address: str) -> list[OutgoingEmail]:
    """The outbox's messages to this address, oldest first. In Python: the address is encrypted
    at rest, so the database cannot filter by it."""
    return [message for message in OutgoingEmail.objects.order_by("pk") if message.to == address]


def signature_request(email="aigerim@example.com", **overrides) -> SignatureRequest:
    values = {
        "full_name": "Айгерім Сапарова",
        "email": email,
        "country": "KZ",
        "city": "Алматы",
        "wants_updates": False,
        "show_name": True,
        "language": "kk",
    }
    values.update(overrides)
    return SignatureRequest(**values)


@pytest.fixture
def sign_and_confirm(db):
    """Sign and confirm directly through the services; returns the signature."""

    def do(petition, email="aigerim@example.com", **overrides):
        sign(petition.pk, signature_request(email, **overrides), base_url="http://testserver")
        signature = Signature.objects.for_email(email).get(petition=petition)
        confirm(signature)
        return signature

    return do


@pytest.fixture
def starter(django_user_model):
    return django_user_model.objects.create_user("starter", "starter@example.com")


@pytest.fixture
def stranger(django_user_model):
    return django_user_model.objects.create_user("stranger", "stranger@example.com")


class SmtpInbox:
    """An aiosmtpd handler that keeps every envelope it receives, and refuses one recipient
    (`refuse`) as a mail server refuses an unknown mailbox."""

    def __init__(self, refuse: str = ""):
        self.refuse = refuse
        self.messages = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(envelope)
        return "250 OK"


@contextlib.contextmanager
def smtp_server(settings, handler=None):
    """A real SMTP server (aiosmtpd) with `handler` (an SmtpInbox unless given) on a free port
    of 127.0.0.1, and Django's SMTP backend sending to it."""
    from aiosmtpd.controller import Controller

    handler = handler or SmtpInbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    try:
        yield handler
    finally:
        controller.stop()
