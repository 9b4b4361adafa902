"""Cookie consent: which optional categories a visitor allowed.

Without a choice only strictly necessary cookies exist (the consent cookie itself records the
choice, which is strictly necessary to honour it). Categories:
- preferences: remember the interface language across visits;
- media: load embedded videos from their third-party hosts.
"""

from dataclasses import dataclass

COOKIE_NAME = "undeu_consent"
COOKIE_MAX_AGE = 180 * 24 * 3600
CATEGORIES = ("preferences", "media")
_VERSION = "1"


@dataclass(frozen=True)
class Consent:
    decided: bool = False
    preferences: bool = False
    media: bool = False

    def to_cookie(self) -> str:
        allowed = [name for name in CATEGORIES if getattr(self, name)]
        return f"{_VERSION}:{'.'.join(allowed) or 'necessary'}"


def parse_consent(raw: str | None) -> Consent:
    if not raw or ":" not in raw:
        return Consent()
    version, _, allowed = raw.partition(":")
    if version != _VERSION:
        return Consent()
    names = set(allowed.split("."))
    return Consent(decided=True, **{name: name in names for name in CATEGORIES})


def consent_from_request(request) -> Consent:
    return parse_consent(request.COOKIES.get(COOKIE_NAME))
