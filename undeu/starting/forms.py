"""The forms of the starter's path. Every message is translated; every text goes through
cleaning.py, so odd input gets a clear 400, never a 500."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from undeu.petitions.video import video_embed
from undeu.starting import images
from undeu.starting.cleaning import clean_line, clean_text, has_words, too_long_message
from undeu.starting.deadlines import check_deadline_day

TITLE_MAX = 150
DEMAND_MAX = 1000
BODY_MAX = 20000
NAME_MAX = 120
TARGET_MAX = 200
ALT_MAX = 300
VIDEO_URL_MAX = 500
LANGUAGE_NAMES = dict(settings.LANGUAGES)


class StartingForm(forms.Form):
    """Translated messages for what Django would say in English (or not at all in Kazakh)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.translate_messages()

    def translate_messages(self):
        """Call again after adding fields."""
        for field in self.fields.values():
            field.error_messages["required"] = _("This field is required.")
            field.error_messages["null_characters_not_allowed"] = _(
                "Remove the control characters from this text."
            )
            if getattr(field, "max_length", None):
                field.error_messages["max_length"] = too_long_message(field.max_length)

    def _line(self, name: str, limit: int, *, words: bool = False) -> str:
        value = clean_line(self.cleaned_data.get(name, ""), max_length=limit)
        if words and value and not has_words(value):
            raise ValidationError(_("Use words, not only symbols."), code="no_words")
        return value

    def _text(self, name: str, limit: int) -> str:
        value = clean_text(self.cleaned_data.get(name, ""), max_length=limit)
        if value and not has_words(value):
            raise ValidationError(_("Use words, not only symbols."), code="no_words")
        return value


def _textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "cols": 60})


class VersionTextForm(StartingForm):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("Short and clear: what should change. At most 150 characters."),
    )
    demand = forms.CharField(
        label=_("What you ask"),
        max_length=DEMAND_MAX,
        widget=_textarea(4),
        help_text=_("One or two sentences: who should do what."),
    )
    body = forms.CharField(label=_("Why it matters"), max_length=BODY_MAX, widget=_textarea(16))

    def clean_title(self):
        return self._line("title", TITLE_MAX, words=True)

    def clean_demand(self):
        return self._text("demand", DEMAND_MAX)

    def clean_body(self):
        return self._text("body", BODY_MAX)


class WhatForm(VersionTextForm):
    """Step 1. The body is the next step."""

    language = forms.ChoiceField(
        label=_("Language of this text"),
        choices=settings.LANGUAGES,
        help_text=_("You can add versions in the other languages later."),
    )
    starter_name = forms.CharField(
        label=_("Your name, as shown on the petition"), max_length=NAME_MAX
    )
    field_order = ["title", "demand", "language", "starter_name"]

    def __init__(self, *args, petition=None, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["body"]
        self.petition = petition
        self.fields["language"].error_messages["invalid_choice"] = _(
            "Choose Kazakh, Russian or English."
        )

    def clean_starter_name(self):
        return self._line("starter_name", NAME_MAX, words=True)

    def clean_language(self):
        language = self.cleaned_data["language"]
        petition = self.petition
        if (
            petition is not None
            and language != petition.primary_language
            and language in petition.versions_by_language
        ):
            raise ValidationError(
                _("There is already a version in this language. Edit it under Languages."),
                code="language_taken",
            )
        return language


class WhyForm(StartingForm):
    body = VersionTextForm.base_fields["body"]

    def clean_body(self):
        return self._text("body", BODY_MAX)


class TargetForm(StartingForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=TARGET_MAX,
        help_text=_("A person or a body: “Akimat of Almaty”, “Minister of Education”."),
    )
    role = forms.CharField(
        label=_("Role (optional)"),
        max_length=TARGET_MAX,
        required=False,
        help_text=_("Their position, if the name does not say it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, language in settings.LANGUAGES:
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("Name (%(language)s, optional)") % {"language": capfirst(language)},
                max_length=TARGET_MAX,
                required=False,
            )
            self.fields[f"role_{code}"] = forms.CharField(
                label=_("Role (%(language)s, optional)") % {"language": capfirst(language)},
                max_length=TARGET_MAX,
                required=False,
            )
        self.translate_messages()

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if isinstance(value, str):
                try:
                    data[name] = self._line(name, TARGET_MAX, words=name.startswith("name"))
                except ValidationError as error:
                    self.add_error(name, error)
        for code, _language in settings.LANGUAGES:
            if data.get(f"role_{code}") and not data.get(f"name_{code}"):
                self.add_error(
                    f"name_{code}", _("Give the name in this language too, or leave both empty.")
                )
        return data

    def in_languages(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {
            code: (data.get(f"name_{code}", ""), data.get(f"role_{code}", ""))
            for code, _language in settings.LANGUAGES
        }

    def language_fields(self):
        """(language name, name field, role field) for each language, for the template."""
        return [
            (language, self[f"name_{code}"], self[f"role_{code}"])
            for code, language in settings.LANGUAGES
        ]

    @staticmethod
    def initial_for(decision_maker) -> dict:
        initial = {"name": decision_maker.name, "role": decision_maker.role}
        for code, (name, role) in decision_maker.in_languages.items():
            initial[f"name_{code}"] = name
            initial[f"role_{code}"] = role
        return initial


class ImageForm(StartingForm):
    image = forms.FileField(
        label=_("Picture (JPEG, PNG or WebP, at most 5 MB)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, languages=(), primary_language="", has_image=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_image = has_image
        self.primary_language = primary_language
        self.languages = list(languages)
        self.fields["image"].error_messages.update(
            invalid=_("This file is not a picture we can use. Upload a JPEG, PNG or WebP image."),
            missing=_("No file was received. Choose the picture again."),
            empty=_("The file is empty. Choose another picture."),
        )
        for code in self.languages:
            field = forms.CharField(
                label=_("Description of the picture (%(language)s)")
                % {"language": capfirst(LANGUAGE_NAMES[code])},
                max_length=ALT_MAX,
                required=False,
                help_text=_("For people who cannot see it: what the picture shows, in a sentence."),
            )
            self.fields[f"alt_{code}"] = field
        self.translate_messages()
        self.prepared = None

    def refuse_upload(self, message: str) -> None:
        """Show `message` as the picture's error without reading the request (it was too big)."""
        self._errors = ErrorDict()
        self.cleaned_data = {}
        self.add_error("image", message)

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload:
            self.prepared = images.prepare_image(upload)
        return upload

    def clean(self):
        data = super().clean()
        for code in self.languages:
            name = f"alt_{code}"
            if name in data:
                try:
                    data[name] = self._line(name, ALT_MAX, words=True)
                except ValidationError as error:
                    self.add_error(name, error)
        will_have_image = self.has_image or self.prepared is not None
        if not will_have_image and "image" not in self.errors:
            self.add_error("image", _("Choose a picture to upload."))
        elif (
            will_have_image
            and not data.get(f"alt_{self.primary_language}")
            and f"alt_{self.primary_language}" not in self.errors
        ):
            self.add_error(
                f"alt_{self.primary_language}",
                _("Describe the picture for people who cannot see it."),
            )
        return data

    def alts(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"alt_{code}", "") for code in self.languages}


class DetailsForm(StartingForm):
    video_url = forms.CharField(
        label=_("Video link (optional)"),
        max_length=VIDEO_URL_MAX,
        required=False,
        help_text=_("A YouTube or Vimeo address. Other sites cannot be embedded."),
        widget=forms.URLInput(attrs={"inputmode": "url"}),
    )
    deadline = forms.DateField(
        label=_("Deadline (optional)"),
        required=False,
        help_text=_(
            "The petition closes at the end of this day. At most a year from today; "
            "leave empty for no deadline."
        ),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].error_messages["invalid"] = _(
            "Enter a date like 2026-09-30, or leave the field empty."
        )

    def clean_video_url(self):
        value = self._line("video_url", VIDEO_URL_MAX)
        if not value:
            return ""
        embed = video_embed(value)
        if embed is None:
            raise ValidationError(
                _(
                    "Use a link to a video on YouTube or Vimeo. "
                    "Videos from other sites cannot be shown."
                ),
                code="video_not_allowed",
            )
        return embed.watch_url

    def clean_deadline(self):
        day = self.cleaned_data.get("deadline")
        if day is not None:
            check_deadline_day(day)
        return day
