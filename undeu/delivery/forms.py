from django import forms
from django.utils.translation import gettext_lazy as _

from undeu.petitions.models import Outcome

OUTCOME_TEXT_MAX = 10000


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose an outcome."),
            "invalid_choice": _("Choose an outcome."),
        },
    )
    text = forms.CharField(
        label=_("The response, or what happened"),
        help_text=_("Shown on the petition page and emailed to signers who asked for emails."),
        required=False,
        max_length=OUTCOME_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "max_length": _("This is too long."),
            "null_characters_not_allowed": _("Use letters, spaces and punctuation only."),
        },
    )

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Outcome.RESPONSE and not data.get("text"):
            self.add_error("text", _("Write the response you received, or a summary of it."))
        return data
