import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from undeu.moderation.models import AbuseReason, RejectionReason

NOTE_MAX_LENGTH = 2000
# Bidirectional overrides and isolates can make text display as something else entirely.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def clean_free_text(value: str) -> str:
    """Free text from a person: NFC, no control or direction-override characters. Markup is
    kept as typed and escaped wherever it is shown."""
    value = unicodedata.normalize("NFC", value).strip()
    if _BIDI_CONTROLS.search(value) or any(
        unicodedata.category(c) in {"Cc", "Cs", "Co"} and c not in _ALLOWED_CONTROLS for c in value
    ):
        raise ValidationError(
            _("Use letters, digits, spaces and punctuation only."), code="control_characters"
        )
    return value


class TranslatedErrorsForm(forms.Form):
    """Django's own messages for these are not all translated into Kazakh."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["required"] = _("This field is required.")
            field.error_messages["null_characters_not_allowed"] = _(
                "Use letters, digits, spaces and punctuation only."
            )
            field.error_messages["max_length"] = ngettext_lazy(
                "Use at most %(limit_value)d character.",
                "Use at most %(limit_value)d characters.",
                "limit_value",
            )
            field.error_messages["invalid_choice"] = _("Choose one of the options.")


def _note_field(label, *, required=False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class _ReasonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label()


class ReasonAndNoteForm(TranslatedErrorsForm):
    """Reject or take down: a reason from the list, and a note for the starter."""

    reason = _ReasonChoiceField(
        label=_("Reason"),
        queryset=RejectionReason.objects.filter(active=True),
        to_field_name="code",
        empty_label="—",
    )
    note = _note_field(_("Note to the starter (optional)"))

    def clean_note(self):
        return clean_free_text(self.cleaned_data["note"])


class NoteForm(TranslatedErrorsForm):
    note = _note_field(_("Note (optional)"))

    def clean_note(self):
        return clean_free_text(self.cleaned_data["note"])


class AbuseReportForm(TranslatedErrorsForm):
    reason = forms.ChoiceField(
        label=_("What is wrong with this petition?"),
        choices=[("", "—"), *AbuseReason.choices],
    )
    text = forms.CharField(
        label=_("Details"),
        help_text=_(
            "Tell the moderators what breaks the rules and where. Required if you chose "
            "“Something else”. Do not write your own personal data here."
        ),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def clean_text(self):
        return clean_free_text(self.cleaned_data["text"])

    def clean(self):
        data = super().clean()
        if data.get("reason") == AbuseReason.OTHER and not data.get("text"):
            self.add_error("text", _("Describe the problem."))
        return data
