"""Kazakhstan's regions on the signing form: offered to signers in Kazakhstan, stored by code,
dropped for any other country, and kept when a signature is anonymised."""

import pytest
from django.utils import translation

from undeu.signatures.erasure import anonymise
from undeu.signatures.forms import SignatureForm
from undeu.signatures.models import Signature
from undeu.signatures.regions import CODES, REGIONS, region_choices, region_name

pytestmark = pytest.mark.usefixtures("no_limits")


def post_signature(client, petition, language="kk", **fields):
    data = {"full_name": "Айгерім Сапарова", "email": "aigerim@example.com", "country": "KZ"}
    data.update(fields)
    return client.post(f"/{language}/p/{petition.slug}/sign/", data)


def test_every_current_region_once():
    codes = [code for code, _name in REGIONS]
    assert len(codes) == len(set(codes)) == 20  # 17 oblasts and 3 cities
    # The regions made in 2022 (Abai, Jetisu, Ulytau) and the three cities.
    assert {"KZ-10", "KZ-33", "KZ-62", "KZ-71", "KZ-75", "KZ-79"} <= CODES


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_regions_are_named_in_each_language(language):
    names = [name for _code, name in region_choices(language)]
    assert len(set(names)) == 20 and all(names)
    assert names == sorted(names, key=str.casefold)


def test_names_differ_between_languages():
    assert region_name("KZ-62", "kk") == "Ұлытау облысы"
    assert region_name("KZ-62", "ru") == "Улытауская область"
    assert region_name("KZ-62", "en") == "Ulytau Region"
    assert region_name("KZ-00", "en") == region_name("", "en") == ""


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_form_offers_the_regions_for_kazakhstan(client, petition, language):
    page = client.get(f"/{language}/p/{petition.slug}/").content.decode()
    assert 'name="region"' in page and 'data-for-country="KZ"' in page
    with translation.override(language):
        assert f'<option value="KZ-79">{region_name("KZ-79", language)}</option>' in page


@pytest.mark.django_db
def test_a_region_is_stored_by_its_code(client, petition):
    response = post_signature(client, petition, region="KZ-75")
    assert response.status_code == 303
    assert Signature.objects.get().region == "KZ-75"


@pytest.mark.django_db
def test_no_region_is_fine(client, petition):
    assert post_signature(client, petition).status_code == 303
    assert Signature.objects.get().region == ""


@pytest.mark.django_db
def test_a_region_is_dropped_for_another_country(client, petition):
    assert post_signature(client, petition, country="RU", region="KZ-75").status_code == 303
    assert Signature.objects.get().region == ""


def test_a_region_is_dropped_on_the_forms_path_too():
    """The form, which the full signing path uses, follows the same rule."""
    form = SignatureForm(
        {"full_name": "Айгерім", "email": "a@example.com", "country": "UZ", "region": "KZ-75"}
    )
    assert form.is_valid() and form.signature_request().region == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("kk", "Тізімнен облысты таңдаңыз."),
        ("ru", "Выберите область из списка."),
        ("en", "Choose a region from the list."),
    ],
)
@pytest.mark.parametrize("region", ["KZ-99", "<script>", "KZ-75\x00", "x" * 5000, "kz-75"])
def test_an_unknown_region_is_refused_with_a_message(client, petition, language, message, region):
    response = post_signature(client, petition, language, region=region)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Signature.objects.exists()


@pytest.mark.django_db
def test_anonymising_keeps_the_region(petition, sign_and_confirm):
    signature = sign_and_confirm(petition, region="KZ-63")
    anonymise([signature.pk])
    signature.refresh_from_db()
    assert (signature.region, signature.country) == ("KZ-63", "KZ")
