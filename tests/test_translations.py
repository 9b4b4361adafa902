"""Every interface string exists in Kazakh, Russian and English, translated, not fuzzy, with
the right plural forms and the same placeholders."""

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command

LOCALE = Path(settings.BASE_DIR) / "undeu" / "locale"
# Kazakh for libraries that ship none or an incomplete one (django-allauth, parts of Django).
VENDOR_KK = Path(settings.BASE_DIR) / "undeu" / "locale_vendor" / "kk" / "LC_MESSAGES" / "django.po"
PLURALS = {"kk": 2, "ru": 3, "en": 2}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{\s*\w+\s*\}\}")


def catalog(path: Path, language: str):
    with path.open("rb") as po:
        return read_po(po, locale=language)


@pytest.fixture(scope="module", params=sorted(PLURALS))
def language_catalog(request):
    return request.param, catalog(
        LOCALE / request.param / "LC_MESSAGES" / "django.po", request.param
    )


def messages(cat):
    return [m for m in cat if m.id]


def test_plural_forms(language_catalog):
    language, cat = language_catalog
    assert cat.num_plurals == PLURALS[language]
    for message in messages(cat):
        if message.pluralizable:
            assert len(message.string) == PLURALS[language], message.id


def test_every_message_is_translated_and_not_fuzzy(language_catalog):
    language, cat = language_catalog
    assert not cat.fuzzy, "the catalogue header is marked fuzzy"
    problems = []
    for message in messages(cat):
        strings = message.string if message.pluralizable else (message.string,)
        if message.fuzzy or not all(s and s.strip() for s in strings):
            problems.append(message.id)
    assert not problems, f"{language}: untranslated or fuzzy: {problems}"


def test_placeholders_survive_translation(language_catalog):
    language, cat = language_catalog
    for message in messages(cat):
        ids = message.id if message.pluralizable else (message.id,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        strings = message.string if message.pluralizable else (message.string,)
        for string in strings:
            found = set(PLACEHOLDER.findall(string))
            # A singular form may spell out "one" instead of using the number.
            assert found <= expected and (found == expected or message.pluralizable), (
                language,
                message.id,
                string,
            )


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_the_catalogues_hold_every_string_in_the_code(tmp_path, settings, monkeypatch):
    source = Path(settings.BASE_DIR) / "undeu"
    copy = tmp_path / "undeu"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "static"))
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["en"], verbosity=0, no_location=True)
    fresh = {m.id for m in messages(catalog(copy / "locale/en/LC_MESSAGES/django.po", "en"))}
    committed = {m.id for m in messages(catalog(LOCALE / "en/LC_MESSAGES/django.po", "en"))}
    assert not fresh - committed, "run `make messages` and translate the new strings"
    assert not committed - fresh, "run `make messages` to drop strings no longer used"


def test_every_allauth_string_has_kazakh():
    import allauth

    allauth_ru = Path(allauth.__file__).parent / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    vendor = catalog(VENDOR_KK, "kk")
    missing = [
        m.id for m in messages(catalog(allauth_ru, "ru")) if vendor.get(m.id, m.context) is None
    ]
    assert not missing, "add them to undeu/locale_vendor/kk and translate them"
