from django import forms
from django.utils.translation import gettext_lazy as _

from undeu.signatures.identity import normalise_email

# Longer than any address (254) yet short enough that a huge value is refused before any work.
_MAX_TYPED = 320


class LinkRequestForm(forms.Form):
    email = forms.CharField(
        label=_("Email"),
        max_length=_MAX_TYPED,
        error_messages={
            "required": _("This field is required."),
            "max_length": _("This is too long."),
            "null_characters_not_allowed": _("Enter a valid email address."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )

    def clean_email(self):
        # The signing form's normalisation without its refusals (throwaway or undeliverable
        # domains): whoever signed with an address must be able to reach their data with it.
        return normalise_email(self.cleaned_data["email"])


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that this cannot be undone."),
        error_messages={"required": _("Tick the box to confirm that you want to erase it all.")},
    )
