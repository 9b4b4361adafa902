from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from undeu.signatures.country_field import CountryField, CountrySelect
from undeu.signatures.identity import clean_person_text, normalise_email
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
    city = forms.CharField(
        label=_("City or region (optional)"),
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
        # Django's own messages for these are not all translated into Kazakh.
        for field in self.fields.values():
            field.error_messages["null_characters_not_allowed"] = _(
                "Use letters, spaces and punctuation only."
            )
            field.error_messages["max_length"] = _("This is too long.")

    def clean_full_name(self):
        name = clean_person_text(self.cleaned_data["full_name"], max_length=120)
        if not any(c.isalpha() for c in name):
            raise ValidationError(_("Enter your name."), code="no_letters")
        return name

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])

    def clean_city(self):
        return clean_person_text(self.cleaned_data["city"], max_length=120)

    def signature_request(self) -> SignatureRequest:
        data = self.cleaned_data
        return SignatureRequest(
            full_name=data["full_name"],
            email=data["email"],
            country=data["country"],
            city=data["city"],
            wants_updates=data["wants_updates"],
            show_name=data["show_name"],
            language=self.language,
        )
