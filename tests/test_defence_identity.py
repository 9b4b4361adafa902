"""Who is signing: the client's address behind trusted proxies, the mailbox behind an email
address (provider rules before dedupe), and a household sharing one address."""

import ipaddress

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.race import simultaneously
from undeu.defence.client import client_ip, network_of
from undeu.mail.models import OutgoingEmail
from undeu.signatures.identity import email_digest, mailbox, mailbox_domain
from undeu.signatures.models import Signature
from undeu.signatures.signing import sign

from .conftest import signature_request

pytestmark = pytest.mark.django_db


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/kk/p/park/sign/", **extra)


# --- The client's address ----------------------------------------------------------------------


def test_x_forwarded_for_is_ignored_unless_proxies_are_trusted(settings):
    settings.UNDEU_TRUSTED_PROXIES = 0
    assert client_ip(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_wrote(settings):
    settings.UNDEU_TRUSTED_PROXIES = 1
    # The client wrote "1.2.3.4" itself; our proxy appended the address it saw.
    assert client_ip(request_from("10.0.0.2", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"


def test_behind_two_proxies_the_second_from_the_right_counts(settings):
    settings.UNDEU_TRUSTED_PROXIES = 2
    forwarded = "6.6.6.6, 198.51.100.7, 10.0.0.1"
    assert client_ip(request_from("10.0.0.2", forwarded)) == "198.51.100.7"


@pytest.mark.parametrize("forwarded", [None, "", "  ,  ", "not an address", "1.2.3.4<script>"])
def test_a_missing_or_bad_forwarded_address_is_unknown_not_made_up(settings, forwarded):
    settings.UNDEU_TRUSTED_PROXIES = 1
    assert client_ip(request_from("10.0.0.2", forwarded)) is None


def test_addresses_are_canonical_and_networks_are_a_24_or_a_64(settings):
    settings.UNDEU_TRUSTED_PROXIES = 0
    assert client_ip(request_from("::ffff:203.0.113.9")) == "203.0.113.9"
    assert client_ip(request_from("2001:DB8:0:0:1::1")) == "2001:db8::1:0:0:1"
    assert network_of("203.0.113.9") == "203.0.113.0/24"
    assert network_of("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert network_of(None) == ""


# --- One mailbox, many spellings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("a.i.gerim+petition@gmail.com", "aigerim@gmail.com"),
        ("aigerim@googlemail.com", "aigerim@gmail.com"),
        ("ai.gerim@yandex.kz", "ai.gerim@yandex.ru"),  # dots matter at Yandex, tags do not
        ("aigerim+x@ya.ru", "aigerim@yandex.ru"),
        ("aigerim+news@outlook.com", "aigerim@outlook.com"),
        ("ai.gerim+x@mail.ru", "ai.gerim+x@mail.ru"),  # no rule for mail.ru: as typed
        ("+x@gmail.com", "+x@gmail.com"),  # nothing before the tag: the address stays whole
    ],
)
def test_provider_rules_give_the_mailbox(typed, expected):
    assert mailbox(typed) == expected


def test_the_rules_are_configurable(settings):
    settings.UNDEU_EMAIL_IGNORE_DOTS = frozenset()
    settings.UNDEU_EMAIL_SAME_DOMAINS = {}
    assert mailbox("a.b+x@googlemail.com") == "a.b+x@googlemail.com"
    settings.UNDEU_EMAIL_IGNORE_TAGS = frozenset({"example.org"})
    assert mailbox("a.b+x@example.org") == "a.b@example.org"
    assert mailbox_domain("a@googlemail.com") == "googlemail.com"


def post(client, email, *, name="Айгерім Сапарова", language="kk", remote="198.51.100.20"):
    data = {"full_name": name, "email": email, "country": "KZ", "city": ""}
    with translation.override(language):
        return client.post("/kk/p/park/sign/", data, REMOTE_ADDR=remote)


def test_two_spellings_of_one_gmail_mailbox_are_one_signature(client, petition):
    assert post(client, "aigerim@gmail.com").status_code == 303
    assert post(client, "A.I.Gerim+petition@GoogleMail.com").status_code == 303
    signature = Signature.objects.get()
    assert signature.email == "aigerim@gmail.com"  # the address is kept as first typed
    assert signature.email_domain == "gmail.com"
    kinds = list(OutgoingEmail.objects.order_by("pk").values_list("kind", "to"))
    # The second spelling got a new link, at the address it typed.
    assert kinds == [
        ("confirm_signature", "aigerim@gmail.com"),
        ("confirm_signature", "a.i.gerim+petition@googlemail.com"),
    ]


def test_where_dots_matter_two_addresses_are_two_signers(client, petition):
    post(client, "ai.gerim@mail.ru")
    post(client, "aigerim@mail.ru", name="Айгерім Басқа")
    assert Signature.objects.count() == 2


def test_the_dedupe_key_is_a_keyed_hash_of_the_mailbox():
    assert email_digest("a.b+c@googlemail.com") == email_digest("ab@gmail.com")
    assert "ab@gmail.com" not in email_digest("ab@gmail.com")
    assert len(email_digest("ab@gmail.com")) == 64


# --- A household sharing one address -------------------------------------------------------------


def test_with_one_name_per_address_another_name_is_the_same_signer(client, petition):
    post(client, "family@example.com", name="Айгерім Сапарова")
    post(client, "family@example.com", name="Болат Сапаров")
    assert Signature.objects.count() == 1
    assert list(OutgoingEmail.objects.values_list("kind", flat=True)) == [
        "confirm_signature",
        "confirm_signature",  # still pending: a fresh link, whoever typed the name
    ]


def test_a_household_can_sign_under_up_to_n_names(client, petition, settings):
    settings.UNDEU_NAMES_PER_EMAIL = 3
    for name in ("Айгерім Сапарова", "Болат Сапаров", "Дана Сапарова"):
        assert post(client, "family@example.com", name=name).status_code == 303
    assert sorted(Signature.objects.values_list("email_slot", flat=True)) == [0, 1, 2]
    # The same name again is the same signer, spelled in another case and spacing.
    post(client, "family@example.com", name="  болат   САПАРОВ ")
    assert Signature.objects.count() == 3
    # A fourth name is one too many: nothing is stored, and the address is told why.
    response = post(client, "family@example.com", name="Ерлан Сапаров")
    assert response.status_code == 303  # the same page as ever: nobody learns who signed
    assert Signature.objects.count() == 3
    last = OutgoingEmail.objects.order_by("-pk").first()
    assert last.kind == "address_shared_full"


def test_the_household_limit_email_says_how_many_in_each_language(petition, settings):
    from django.core import mail

    from undeu.mail.outbox import send_batch

    settings.UNDEU_NAMES_PER_EMAIL = 2
    for name in ("Айгерім Сапарова", "Болат Сапаров", "Ерлан Сапаров"):
        sign(petition.pk, signature_request("home@example.com", full_name=name, language="ru"),
             base_url="http://testserver")  # fmt: skip
    send_batch()
    full = mail.outbox[-1]
    assert "2" in full.body and "Сохраним парк" in full.body
    with translation.override("ru"):
        assert translation.ngettext(
            "This address has already been used by %(limit)s person to sign this petition,"
            " the most one address may be used for, so nothing has changed.",
            "This address has already been used by %(limit)s people to sign this petition,"
            " the most one address may be used for, so nothing has changed.",
            2,
        ) % {"limit": 2} in " ".join(full.body.split())


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_new_names_on_one_address_never_pass_the_limit(make_petition, settings):
    settings.UNDEU_NAMES_PER_EMAIL = 3
    petition = make_petition()
    names = [f"Сапар {letter}" for letter in "АӘБВГҒДЕ"]

    def one(i):
        request = signature_request("home@example.com", full_name=names[i])
        sign(petition.pk, request, base_url="http://testserver")

    results = simultaneously(len(names), one)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert Signature.objects.filter(petition=petition).count() == 3
    assert OutgoingEmail.objects.filter(kind="address_shared_full").count() == 5


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)))
def test_a_network_is_the_standard_librarys_network_of_the_address(address):
    prefix = 24 if address.version == 4 else 64
    expected = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    assert network_of(str(address)) == str(expected)


# --- The email shortcut -------------------------------------------------------------------------

_ATEXT = "ABCXYZabcxyz0189!#$%&'*+/=?^_`{|}~-"
_LOCAL_PARTS = st.one_of(
    st.text(alphabet=_ATEXT + ".", min_size=1, max_size=70),
    st.text(alphabet=_ATEXT + '."\\ @(),:;<>[]éҚ', min_size=0, max_size=20),
)
_DOMAINS = st.one_of(
    st.sampled_from(
        [
            "gmail.com",
            "Mail.RU",
            "example.com",
            "xn--80ak6aa92e.com",
            "localhost",
            "a.test",
            "host.invalid",
            "x.local",
            "-bad.com",
            "bad-.com",
            "1.2.3.4",
            "[1.2.3.4]",
            "a..b",
            "com",
            "a.b.c.d.e.kz",
            "әлем.қаз",
            "mail.ru.",
            "x" * 64 + ".com",
            ("y" * 60 + ".") * 4 + "com",
        ]
    ),
    st.from_regex(r"[a-zA-Z0-9-]{1,20}(\.[a-zA-Z0-9-]{0,12}){1,3}", fullmatch=True),
)


def _validator_answer(address: str) -> str | None:
    """What email-validator alone says of an address (the path before the shortcut)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


@hypothesis_settings(max_examples=600, deadline=None)
@given(_LOCAL_PARTS, _DOMAINS)
def test_the_shortcut_for_plain_addresses_answers_as_email_validator_does(local, domain):
    from undeu.signatures.identity import normalise_email

    address = f"{local}@{domain}"
    if not address.strip() or len(address) > 254 or address != address.strip():
        return  # refused or trimmed before either is asked
    # Twice: the first answer may check the domain, the second comes from what it kept.
    for _ in range(2):
        try:
            ours = normalise_email(address)
        except ValidationError:
            ours = None
        assert ours == _validator_answer(address)


def test_a_domain_is_checked_once_for_plain_addresses(monkeypatch):
    from undeu.signatures import identity

    identity._checked_domain.cache_clear()
    asked = []
    real = identity.validate_email
    monkeypatch.setattr(
        identity,
        "validate_email",
        lambda address, **kw: asked.append(address) or real(address, **kw),
    )
    assert identity.normalise_email("Signer.1@Gmail.COM") == "signer.1@gmail.com"
    assert identity.normalise_email("o'brien+petition@gmail.com") == "o'brien+petition@gmail.com"
    assert asked == ["a@Gmail.COM", "a@gmail.com"]  # once per spelling of the domain
    # Anything else takes the whole check: a quoted local part, a Unicode one, a refused domain.
    assert identity.normalise_email("әлия@gmail.com") == "әлия@gmail.com"
    for refused in ("a@localhost", "a@-bad.com", "a..b@gmail.com", '"a b"@gmail.com'):
        with pytest.raises(ValidationError):
            identity.normalise_email(refused)
