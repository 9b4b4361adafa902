from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from undeu.defence.screening import HONEYPOT
from undeu.petitions.models import DefenceMode

register = template.Library()


@register.filter
def mode_label(mode: str) -> str:
    """The "under attack" mode's name in the active language."""
    return dict(DefenceMode.choices).get(mode, mode)


_SCOPES = {
    "ip": _("the IP address"),
    "network": _("the network"),
    "domain": _("the email domain"),
    "petition": _("the petition"),
}


def _window(seconds: int) -> str:
    if seconds % 86400 == 0:
        n = seconds // 86400
        return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}
    if seconds % 3600 == 0:
        n = seconds // 3600
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
    if seconds % 60 == 0:
        n = seconds // 60
        return ngettext("%(n)d minute", "%(n)d minutes", n) % {"n": n}
    return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}


def flag_label(flag: str) -> str:
    """Why a signature was flagged, in words: "honeypot" or a limit's name ("network-60s")."""
    if flag == HONEYPOT:
        return str(_("filled in the hidden field that only bots see"))
    scope, _dash, window = flag.rpartition("-")
    if scope in _SCOPES and window.endswith("s") and window[:-1].isdigit():
        return str(
            _("over the limit for %(what)s in %(window)s")
            % {"what": _SCOPES[scope], "window": _window(int(window[:-1]))}
        )
    return flag


@register.filter
def flag_labels(signature) -> str:
    return "; ".join(flag_label(flag) for flag in signature.flag_list)
