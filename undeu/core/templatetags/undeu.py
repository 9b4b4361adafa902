from django import template
from django.urls import translate_url

from undeu.core import l10n

register = template.Library()


@register.filter
def ldate(value):
    return l10n.localised_date(value)


@register.filter
def lnumber(value):
    return l10n.localised_number(value)


@register.filter
def country_name(code):
    return l10n.country_name(code)


@register.simple_tag(takes_context=True)
def url_in_language(context, language):
    request = context["request"]
    return translate_url(request.get_full_path(), language)


@register.filter
def version_in(petition, language):
    """The petition's version in `language`, or its primary version."""
    return petition.version_for(language)
