from django import template

from undeu.starting import images, steps
from undeu.starting.models import PetitionRevision

register = template.Library()


@register.filter
def has_revisions(petition) -> bool:
    """Whether the petition's published text was ever changed (the page then links to the
    list of changes). One indexed EXISTS; the page asks only when `updated_at` is set."""
    return PetitionRevision.objects.filter(petition_id=petition.pk).exists()


@register.simple_tag
def image_alt(petition, language) -> str:
    return images.image_alt(petition, language)


@register.filter
def resume_url(petition) -> str:
    return steps.resume_url(petition)
