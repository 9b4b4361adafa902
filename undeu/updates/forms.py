from django import forms
from django.utils.translation import gettext_lazy as _

from undeu.petitions.models import Petition

TITLE_MAX = 200
BODY_MAX = 20000


class UpdateForm(forms.Form):
    """A title and a text for each of the petition's languages; at least one language."""

    def __init__(self, *args, petition: Petition, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = sorted(
            petition.versions_by_language, key=lambda code: code != petition.primary_language
        )
        for language in self.languages:
            name = petition.versions_by_language[language].get_language_display()
            self.fields[f"title_{language}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": name},
                max_length=TITLE_MAX,
                required=False,
            )
            self.fields[f"body_{language}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": name},
                help_text=_("Markdown: **bold**, *italic*, [link](https://…), lists."),
                max_length=BODY_MAX,
                required=False,
                widget=forms.Textarea(attrs={"rows": 10}),
            )
        for field in self.fields.values():
            field.error_messages["max_length"] = _("This is too long.")
            field.error_messages["null_characters_not_allowed"] = _(
                "Use letters, spaces and punctuation only."
            )

    def language_fields(self):
        """(language, [title field, body field]) for the template, primary language first."""
        return [(code, [self[f"title_{code}"], self[f"body_{code}"]]) for code in self.languages]

    def clean(self):
        data = super().clean()
        filled = 0
        for language in self.languages:
            title = (data.get(f"title_{language}") or "").strip()
            body = (data.get(f"body_{language}") or "").strip()
            if title and not body:
                self.add_error(f"body_{language}", _("Write the text of the update."))
            elif body and not title:
                self.add_error(f"title_{language}", _("Give the update a title."))
            elif title and body:
                filled += 1
        if not filled and not self.errors:
            raise forms.ValidationError(
                _("Write the update in at least one language."), code="empty"
            )
        return data

    def texts(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {
            code: (data[f"title_{code}"].strip(), data[f"body_{code}"].strip())
            for code in self.languages
            if data.get(f"title_{code}", "").strip() and data.get(f"body_{code}", "").strip()
        }
