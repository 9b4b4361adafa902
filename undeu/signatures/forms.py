import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from undeu.signatures.country_field import CountryField, CountrySelect
from undeu.signatures.deliverability import refuse_undeliverable
from undeu.signatures.disposable import refuse_disposable
from undeu.signatures.identity import clean_person_text, normalise_email
from undeu.signatures.regions import COUNTRY as REGIONS_COUNTRY
from undeu.signatures.regions import REGIONS
from undeu.signatures.signing import SignatureRequest

REQUIRED = {"required": _("This field is required.")}


class SignatureForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=2000,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.CharField(
        label=_("Email"),
        max_length=2000,
        error_messages=REQUIRED,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    country = CountryField(
        label=_("Country"),
        error_messages={
            **REQUIRED,
            "invalid_choice": _("Choose a country from the list."),
        },
        widget=CountrySelect(attrs={"autocomplete": "country"}),
    )
    # Kazakhstan's regions feed the map of counts by region; other countries' signers leave it
    # (the script hides it from them, and the server drops it for any other country).
    region = forms.ChoiceField(
        label=_("Region of Kazakhstan (optional)"),
        required=False,
        choices=[("", "—"), *REGIONS],
        error_messages={"invalid_choice": _("Choose a region from the list.")},
        widget=forms.Select(
            attrs={"autocomplete": "address-level1", "data-for-country": REGIONS_COUNTRY}
        ),
    )
    city = forms.CharField(
        label=_("City or town (optional)"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    wants_updates = forms.BooleanField(label=_("Email me about this petition"), required=False)
    show_name = forms.BooleanField(label=_("Show my name on the petition page"), required=False)

    def __init__(self, *args, language: str | None = None, **kwargs):
        self.language = language or get_language()
        kwargs.setdefault("initial", {}).setdefault(
            "country", settings.UNDEU_DEFAULT_COUNTRY.get(self.language, "")
        )
        super().__init__(*args, **kwargs)
        self.fields["country"].set_language(self.language)
        if settings.UNDEU_REQUIRE_AGE_CHECKBOX:
            self.fields[AGE_FIELD_NAME] = age_field()
        # Django's own messages for these are not all translated into Kazakh.
        for field in self.fields.values():
            field.error_messages["null_characters_not_allowed"] = _(
                "Use letters, spaces and punctuation only."
            )
            field.error_messages["max_length"] = _("This is too long.")

    def clean_full_name(self):
        return clean_full_name(self.cleaned_data["full_name"])

    def clean_email(self):
        return clean_signer_email(self.cleaned_data["email"])

    def clean_city(self):
        return clean_city(self.cleaned_data["city"])

    def clean(self):
        cleaned = super().clean()
        return _region_for_country(cleaned) if "region" in cleaned else cleaned

    def signature_request(self) -> SignatureRequest:
        return _signature_request(self.cleaned_data, self.language)


# A web address in a name is advertising or a bot's link; the letter after the dot is lower
# case so that initials ("А.Б. Сапарова", "St.John") are names, not domains.
_WEB_ADDRESS = re.compile(r"://|\bwww\.|[\w-]{2,}\.(?:[a-z]{2,}|рф|қаз|бел|укр)\b")
# A cell starting with one of these is a formula in a spreadsheet: a name in the starter's CSV
# export must never run as one.
_FORMULA_START = ("=", "+", "-", "@")


def clean_full_name(raw: str) -> str:
    name = clean_person_text(raw, max_length=120)
    if not any(c.isalpha() for c in name):
        raise ValidationError(_("Enter your name."), code="no_letters")
    if _WEB_ADDRESS.search(name):
        raise ValidationError(_("A name cannot contain a web address."), code="web_address")
    if name.startswith(_FORMULA_START):
        raise ValidationError(_("A name cannot start with =, +, - or @."), code="formula_start")
    return name


def clean_signer_email(raw: str) -> str:
    # The list before DNS: a throwaway domain is refused without waiting on a resolver.
    return refuse_undeliverable(refuse_disposable(normalise_email(raw)))


def clean_city(raw: str) -> str:
    return clean_person_text(raw, max_length=120)


# An instance may require signers to tick that they are old enough (UNDEU_REQUIRE_AGE_CHECKBOX):
# not a class-level field, so that with the setting off the signing path does not clean it.
AGE_FIELD_NAME = "age_confirmed"
_AGE_CHECK = forms.BooleanField(required=True)


def age_field() -> forms.BooleanField:
    age = settings.UNDEU_SIGNER_MIN_AGE
    return forms.BooleanField(
        label=_("I am %(age)d or older, or have a parent’s or guardian’s consent") % {"age": age},
        error_messages={
            "required": _(
                "Tick this box to confirm that you are %(age)d or older, or have a parent’s or"
                " guardian’s consent."
            )
            % {"age": age}
        },
    )


# The form's own per-field cleaning, run on its class-level fields (never changed per form).
_CLEAN_AFTER = {"full_name": clean_full_name, "email": clean_signer_email, "city": clean_city}


def read_signature(data, language: str) -> SignatureRequest | None:
    """What SignatureForm(data).signature_request() gives for valid data, without building the
    form (deep-copying its fields per request cost more than the checks), or None when the data
    is not valid and the form must be built to say why. A test holds the two to the same
    answers."""
    cleaned = {}
    try:
        for name, field in SignatureForm.base_fields.items():
            value = field.clean(field.widget.value_from_datadict(data, None, name))
            cleaned[name] = _CLEAN_AFTER[name](value) if name in _CLEAN_AFTER else value
        if settings.UNDEU_REQUIRE_AGE_CHECKBOX:
            _AGE_CHECK.clean(_AGE_CHECK.widget.value_from_datadict(data, None, AGE_FIELD_NAME))
    except ValidationError:
        return None
    return _signature_request(_region_for_country(cleaned), language)


def _region_for_country(cleaned: dict) -> dict:
    """A region only for the country it belongs to."""
    if cleaned.get("country") != REGIONS_COUNTRY:
        cleaned["region"] = ""
    return cleaned


def _signature_request(cleaned: dict, language: str) -> SignatureRequest:
    return SignatureRequest(
        full_name=cleaned["full_name"],
        email=cleaned["email"],
        country=cleaned["country"],
        region=cleaned["region"],
        city=cleaned["city"],
        wants_updates=cleaned["wants_updates"],
        show_name=cleaned["show_name"],
        language=language,
    )
