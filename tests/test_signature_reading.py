"""The signing path's quick reading of the form data gives exactly what the form gives, for any
input: the same SignatureRequest for valid data, and no answer (so the form speaks) otherwise."""

import pytest
from django.http import QueryDict
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from undeu.signatures.forms import SignatureForm, read_signature

FIELDS = (
    "full_name",
    "email",
    "country",
    "region",
    "city",
    "wants_updates",
    "show_name",
    "age_confirmed",
)
ODD_TEXT = [
    "",
    " ",
    "Айгерім Сапарова",
    "Ərkin Ñoño",
    "Ａigerim",
    "a\x00b",
    "a\u202eb",
    "\u200b",
    "<b>x</b>",
    "=1+1",
    "x" * 121,
    "x" * 2001,
    "AIGERIM@Example.COM",
    " a@example.com ",
    "a@b",
    "a@ex\u0430mple.com",
    "айгерім@мысал.қаз",
    "KZ",
    "kz",
    "XX",
    "on",
    "false",
    "0",
    "true",
    "KZ-75",
    "KZ-62",
    "kz-75",
    "KZ-99",
]
text = st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=40))


def form_answer(data: QueryDict, language: str):
    form = SignatureForm(data, language=language)
    return form.signature_request() if form.is_valid() else None


@settings(max_examples=400, deadline=None)
@given(
    values=st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, text)),
    language=st.sampled_from(["kk", "ru", "en"]),
)
def test_the_quick_reading_and_the_form_agree_on_every_input(values, language):
    data = QueryDict(mutable=True)
    data.update(values)
    assert read_signature(data, language) == form_answer(data, language)


@settings(max_examples=200, deadline=None)
@given(
    values=st.fixed_dictionaries(
        {"full_name": st.just("Айгерім Сапарова"), "email": st.just("a@example.com")},
        optional={"country": st.just("KZ"), "age_confirmed": text},
    ),
    language=st.sampled_from(["kk", "ru", "en"]),
)
def test_with_the_age_checkbox_required_they_still_agree(values, language):
    data = QueryDict(mutable=True)
    data.update(values)
    with override_settings(UNDEU_REQUIRE_AGE_CHECKBOX=True):
        assert read_signature(data, language) == form_answer(data, language)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_valid_data_is_read_without_the_form(language):
    data = QueryDict(mutable=True)
    data.update(
        {"full_name": " Айгерім  Сапарова ", "email": "Aigerim@Example.com", "country": "KZ"}
    )
    request = read_signature(data, language)
    assert request is not None and request == form_answer(data, language)
    assert (request.full_name, request.email, request.language) == (
        "Айгерім Сапарова",
        "aigerim@example.com",
        language,
    )
    assert not request.wants_updates and not request.show_name
