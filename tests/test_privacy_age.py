"""The age notice by every signing form, and the checkbox an instance may require, enforced on
both of the signing view's paths."""

import pytest
from django.http import QueryDict
from django.utils import translation

from tests.conftest import HOSTILE
from undeu.signatures.forms import SignatureForm, read_signature
from undeu.signatures.models import Signature

pytestmark = pytest.mark.django_db
VALID = {"full_name": "Айгерім Сапарова", "email": "aigerim@example.com", "country": "KZ"}
NOTICE = {
    "kk": "Егер сізге {age} жас толмаса",
    "ru": "Если вам меньше {age}",
    "en": "If you are under {age}, please ask a parent or guardian before you sign.",
}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_notice_is_by_the_form_with_the_instances_age(client, petition, settings, language):
    settings.UNDEU_SIGNER_MIN_AGE = 14
    page = client.get(f"/{language}/p/{petition.slug}/").content.decode()
    assert NOTICE[language].format(age=14) in page
    assert f'href="/{language}/privacy/"' in page
    assert 'name="age_confirmed"' not in page  # not required here


def test_without_the_setting_the_form_has_no_checkbox_and_signing_ignores_one(client, petition):
    assert "age_confirmed" not in SignatureForm().fields
    response = client.post(f"/kk/p/{petition.slug}/sign/", VALID)
    assert response.status_code == 303
    assert Signature.objects.count() == 1


@pytest.fixture
def required(settings):
    settings.UNDEU_REQUIRE_AGE_CHECKBOX = True
    settings.UNDEU_SIGNER_MIN_AGE = 16


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_required_checkbox_is_on_the_form(client, petition, required, language):
    page = client.get(f"/{language}/p/{petition.slug}/").content.decode()
    assert 'type="checkbox" name="age_confirmed"' in page
    with translation.override(language):
        label = str(SignatureForm().fields["age_confirmed"].label)
    assert "16" in label and label in page.replace("&#x27;", "'")


@pytest.mark.parametrize("missing", [None, "", "false", "False"])
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_signing_without_ticking_it_is_refused_on_the_fast_path_and_the_form(
    client, petition, required, missing, language
):
    data = {**VALID}
    if missing is not None:
        data["age_confirmed"] = missing
    query = QueryDict(mutable=True)
    query.update(data)
    assert read_signature(query, language) is None  # the fast path does not take it
    response = client.post(f"/{language}/p/{petition.slug}/sign/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_age_confirmed_error"' in page
    with translation.override(language):
        message = SignatureForm(data).errors["age_confirmed"][0]
    assert message in page.replace("&#x27;", "'")
    assert not Signature.objects.exists()


@pytest.mark.parametrize("ticked", ["on", "true", "1", HOSTILE, "да"])
def test_signing_with_it_ticked_goes_through_the_fast_path(client, petition, required, ticked):
    data = {**VALID, "age_confirmed": ticked}
    query = QueryDict(mutable=True)
    query.update(data)
    assert read_signature(query, "kk") is not None
    response = client.post(f"/kk/p/{petition.slug}/sign/", data)
    assert response.status_code == 303
    assert Signature.objects.count() == 1
