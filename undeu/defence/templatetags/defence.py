from django import template

from undeu.petitions.models import DefenceMode

register = template.Library()


@register.filter
def mode_label(mode: str) -> str:
    """The "under attack" mode's name in the active language."""
    return dict(DefenceMode.choices).get(mode, mode)
