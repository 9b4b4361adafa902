"""With UNDEU_CHECK_EMAIL_DNS on, a signer's email domain must be able to receive mail, asked of a
real DNS server the tests run; a resolver's failure never refuses a signer."""

import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from tests.dns_server import SERVFAIL, SILENT, SLOW, DnsServer
from tests.race import simultaneously
from tests.test_settings import load_settings
from tests.test_signing import post_signature
from undeu.env import env_float, env_ip_ports
from undeu.signatures import deliverability
from undeu.signatures.deliverability import can_receive_mail, forget_answers
from undeu.signatures.models import Signature

pytestmark = pytest.mark.django_db

REFUSED = "This email domain cannot receive email. Check the address."
IDN_DOMAIN = "пошта.қаз"
ZONE = {
    "post.example.kz": ["MX 10 mx.post.example.kz.", "MX 20 mx2.post.example.kz."],
    "site.example.kz": ["A 192.0.2.10"],
    "site6.example.kz": ["AAAA 2001:db8::10"],
    "xn--80a1acn3a.xn--80ao21a": ["MX 10 mx.xn--80a1acn3a.xn--80ao21a."],  # пошта.қаз
    "nomail.example.kz": ["MX 0 ."],
    "empty.example.kz": ['TXT "v=spf1 -all"'],  # exists, but no MX, A or AAAA
    "quiet.example.kz": SILENT,
    "broken.example.kz": SERVFAIL,
    "slow.example.kz": SLOW,
    # nowhere.example.kz is not in the zone: NXDOMAIN.
}


@pytest.fixture
def dns_server(settings, no_limits):
    with DnsServer(ZONE) as server:
        settings.UNDEU_CHECK_EMAIL_DNS = True
        settings.UNDEU_DNS_SERVERS = [("127.0.0.1", server.port)]
        settings.UNDEU_DNS_TIMEOUT_SECONDS = 2
        forget_answers()
        yield server
    forget_answers()


def refused_message(language):
    with translation.override(language):
        return translation.gettext(REFUSED)


@pytest.mark.parametrize(
    ("domain", "asked"),
    [
        ("nomail.example.kz", ["MX"]),  # a null MX: no mail, ever
        ("nowhere.example.kz", ["MX"]),  # NXDOMAIN
        ("empty.example.kz", ["MX", "A", "AAAA"]),
    ],
)
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_domain_that_cannot_receive_mail_is_refused_in_the_signers_language(
    client, petition, dns_server, domain, asked, language
):
    response = post_signature(client, petition, language=language, email=f"aigerim@{domain}")
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert refused_message(language) in page
    assert f'value="aigerim@{domain}"' in page
    assert not Signature.objects.exists()
    # The quick path and the form both cleaned the address: the second used the kept answer.
    assert dns_server.queries == [(domain, kind) for kind in asked]


@pytest.mark.parametrize(
    ("domain", "asked"),
    [
        ("post.example.kz", ["MX"]),
        ("site.example.kz", ["MX", "A"]),  # RFC 5321: no MX, so the domain is its mail host
        ("site6.example.kz", ["MX", "A", "AAAA"]),
        (IDN_DOMAIN, ["MX"]),
    ],
)
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_domain_that_receives_mail_is_accepted(
    client, petition, dns_server, domain, asked, language
):
    response = post_signature(client, petition, language=language, email=f"aigerim@{domain}")
    assert response.status_code == 303
    assert Signature.objects.get().email == f"aigerim@{domain}"
    looked_up = "xn--80a1acn3a.xn--80ao21a" if domain == IDN_DOMAIN else domain
    assert dns_server.queries == [(looked_up, kind) for kind in asked]


@pytest.mark.parametrize("domain", ["quiet.example.kz", "broken.example.kz"])
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_resolver_that_times_out_or_fails_does_not_refuse_the_signer(
    client, petition, dns_server, settings, domain, language
):
    settings.UNDEU_DNS_TIMEOUT_SECONDS = 0.3
    started = time.monotonic()
    response = post_signature(client, petition, language=language, email=f"aigerim@{domain}")
    assert time.monotonic() - started < 1.5  # the short timeout, not the default's 2 s
    assert response.status_code == 303
    assert Signature.objects.get().email == f"aigerim@{domain}"
    assert dns_server.queries
    assert set(dns_server.queries) == {(domain, "MX")}


def test_with_the_check_off_nothing_is_looked_up(client, petition, dns_server, settings):
    settings.UNDEU_CHECK_EMAIL_DNS = False
    response = post_signature(client, petition, email="aigerim@nomail.example.kz")
    assert response.status_code == 303
    assert Signature.objects.exists()
    assert dns_server.queries == []


@pytest.mark.parametrize(
    ("domain", "status"), [("post.example.kz", 303), ("nomail.example.kz", 400)]
)
def test_five_signers_from_one_domain_cost_one_lookup(client, petition, dns_server, domain, status):
    for i in range(5):
        response = post_signature(
            client, petition, email=f"signer{i}@{domain}", full_name=f"Айгерім {i}"
        )
        assert response.status_code == status
    assert Signature.objects.count() == (5 if status == 303 else 0)
    assert dns_server.queries == [(domain, "MX")]


def test_signers_waiting_on_the_same_lookup_share_it(dns_server):
    assert simultaneously(5, lambda _i: can_receive_mail("slow.example.kz")) == [True] * 5
    assert dns_server.queries == [("slow.example.kz", "MX")]


@pytest.mark.parametrize(
    ("domain", "kept_seconds"),
    [("nomail.example.kz", deliverability.KEEP_SECONDS), ("broken.example.kz", 30)],
)
def test_answers_are_kept_for_a_while_and_a_failure_for_less(
    dns_server, monkeypatch, domain, kept_seconds
):
    real = time.monotonic
    later = 0.0
    monkeypatch.setattr(deliverability, "monotonic", lambda: real() + later)
    can_receive_mail(domain)
    later = kept_seconds - 5
    can_receive_mail(domain)
    assert len(dns_server.queries) == 1
    later = kept_seconds + 5
    can_receive_mail(domain)
    assert len(dns_server.queries) == 2


def test_the_kept_answers_are_bounded(dns_server, monkeypatch):
    monkeypatch.setattr(deliverability, "MAX_DOMAINS", 2)
    for domain in ("post.example.kz", "nomail.example.kz", "nowhere.example.kz"):
        can_receive_mail(domain)
    can_receive_mail("nowhere.example.kz")  # kept
    can_receive_mail("post.example.kz")  # the oldest, so forgotten
    assert [name for name, _kind in dns_server.queries] == [
        "post.example.kz",
        "nomail.example.kz",
        "nowhere.example.kz",
        "post.example.kz",
    ]


def test_dns_servers_are_addresses_with_optional_ports(monkeypatch):
    monkeypatch.setenv("UNDEU_DNS_SERVERS", " 10.0.0.53, 10.0.0.54:5353,[2001:db8::53]:53,::1,")
    assert env_ip_ports("UNDEU_DNS_SERVERS", default_port=53) == [
        ("10.0.0.53", 53),
        ("10.0.0.54", 5353),
        ("2001:db8::53", 53),
        ("::1", 53),
    ]
    monkeypatch.setenv("UNDEU_DNS_SERVERS", "")
    assert env_ip_ports("UNDEU_DNS_SERVERS", default_port=53) == []


@pytest.mark.parametrize(
    "value",
    [
        "dns.example.kz",
        "10.0.0.300",
        "10.0.0.53:0",
        "10.0.0.53:65536",
        "10.0.0.53:",
        "10.0.0.53:٥٣",
        "[2001:db8::53",
        "[2001:db8::53]53",
    ],
)
def test_bad_dns_servers_stop_the_start(monkeypatch, value):
    monkeypatch.setenv("UNDEU_DNS_SERVERS", value)
    with pytest.raises(ImproperlyConfigured, match="UNDEU_DNS_SERVERS"):
        env_ip_ports("UNDEU_DNS_SERVERS", default_port=53)


@pytest.mark.parametrize(
    "env", [{"UNDEU_DNS_SERVERS": "dns.example.kz"}, {"UNDEU_DNS_TIMEOUT_SECONDS": "0"}]
)
def test_the_settings_refuse_bad_dns_values(env):
    result = load_settings(SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.org", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert next(iter(env)) in result.stderr


def test_the_timeout_must_be_positive(monkeypatch):
    monkeypatch.setenv("UNDEU_DNS_TIMEOUT_SECONDS", "0")
    with pytest.raises(ImproperlyConfigured):
        env_float("UNDEU_DNS_TIMEOUT_SECONDS", 2.0, minimum=0.01)
