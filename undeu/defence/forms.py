from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from undeu.defence.criteria import WIDEST_IPV4, WIDEST_IPV6, networks_in
from undeu.defence.models import BulkAction
from undeu.moderation.forms import TranslatedErrorsForm, clean_free_text
from undeu.petitions.models import DefenceMode
from undeu.signatures.country_field import CountryField, CountrySelect


class CriteriaForm(TranslatedErrorsForm):
    """Which signatures of a petition a bulk action is about. Read from the query string, so a
    preview is a plain GET that changes nothing and can be bookmarked or linked from an alert."""

    network = forms.CharField(
        label=_("IP address or network"),
        required=False,
        max_length=60,
        help_text=_(
            "An address, or a network such as 203.0.113.0/24 (from /16 to /24, or /56 to /64)."
        ),
    )
    domain = forms.CharField(label=_("Email domain"), required=False, max_length=253)
    after = forms.DateTimeField(
        label=_("Signed from"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    before = forms.DateTimeField(
        label=_("Signed before"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    country = CountryField(label=_("Country"), required=False, widget=CountrySelect)
    name = forms.CharField(
        label=_("Name pattern"),
        required=False,
        max_length=120,
        help_text=_("* stands for any letters, ? for one: “Test*” or “* Bot”."),
    )
    flagged_only = forms.BooleanField(label=_("Only flagged signatures"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].set_language(get_language())
        for name in ("after", "before"):
            self.fields[name].error_messages["invalid"] = _("Enter a date and time.")

    def clean_network(self):
        value = clean_free_text(self.cleaned_data["network"])
        if value:
            try:
                networks_in(value)
            except ValueError:
                raise ValidationError(
                    _(
                        "Enter an IP address, or a network from /%(ipv4)d to /24 (IPv4) or from"
                        " /%(ipv6)d to /64 (IPv6)."
                    )
                    % {"ipv4": WIDEST_IPV4, "ipv6": WIDEST_IPV6},
                    code="network",
                ) from None
        return value

    def clean_domain(self):
        return clean_free_text(self.cleaned_data["domain"]).lower().rstrip(".")

    def clean_name(self):
        return clean_free_text(self.cleaned_data["name"])

    def clean(self):
        cleaned = super().clean()
        after, before = cleaned.get("after"), cleaned.get("before")
        if after and before and after >= before:
            self.add_error("before", _("This must be later than the start."))
        return cleaned

    def criteria(self) -> dict:
        """What is stored on the action: only the criteria given, as JSON."""
        found = {}
        for name, value in self.cleaned_data.items():
            if value in ("", None, False):
                continue
            found[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return found


class RunForm(TranslatedErrorsForm):
    kind = forms.ChoiceField(label=_("Action"), choices=BulkAction.Kind.choices)
    reason = forms.CharField(
        label=_("Why (kept in the audit log)"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_reason(self):
        value = clean_free_text(self.cleaned_data["reason"])
        if not value:
            raise ValidationError(_("This field is required."), code="required")
        return value


class ModeForm(TranslatedErrorsForm):
    mode = forms.ChoiceField(label=_("Mode"), choices=DefenceMode.choices)
    reason = forms.CharField(label=_("Why (kept in the audit log)"), max_length=200, required=False)

    def clean_reason(self):
        return clean_free_text(self.cleaned_data["reason"])
