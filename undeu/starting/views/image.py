"""The image step. Large uploads are refused from their Content-Length, before being read."""

from django.contrib import messages
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from undeu.core.middleware import accepts_files
from undeu.starting import images
from undeu.starting.forms import ImageForm
from undeu.starting.models import PetitionImageText
from undeu.starting.views.common import (
    GET_POST,
    draft_only,
    see_other,
    starter_page,
    step_page,
    step_url,
)


def _image_form(petition, *args, **kwargs) -> ImageForm:
    languages = sorted(petition.versions_by_language) or [petition.primary_language]
    return ImageForm(
        *args,
        languages=languages,
        primary_language=petition.primary_language,
        has_image=bool(petition.image),
        **kwargs,
    )


def _image_page(request, petition, form, *, status=200):
    return step_page(
        request, "starting/image.html", petition, "image", {"form": form}, status=status
    )


# The picture and the rest of the form (its descriptions).
MAX_REQUEST_BYTES = images.MAX_BYTES + 256 * 1024


@accepts_files(MAX_REQUEST_BYTES)
@csrf_exempt
def image(request, pk):
    """Refuse an upload that is too large from its Content-Length, before Django reads and
    stores the body (the CSRF check would read it); then the normal, CSRF-protected view."""
    # A Content-Length that is not a number was answered 400 already (core/middleware.py).
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if request.method == "POST" and length > MAX_REQUEST_BYTES:
        return _image_too_large(request, pk)
    return _image(request, pk)


@starter_page
def _image_too_large(request, petition):
    form = _image_form(petition)
    form.refuse_upload(images.too_large_message())
    return _image_page(request, petition, form, status=413)


@csrf_protect
@starter_page
@GET_POST
@draft_only
def _image(request, petition):
    if request.method == "POST" and request.POST.get("action") == "remove":
        images.remove_image(petition, request.user)
        messages.success(request, _("The picture was removed."))
        return see_other(step_url("image", petition))
    if request.method == "POST":
        form = _image_form(petition, request.POST, request.FILES)
        if form.is_valid():
            images.store_image(petition, request.user, form.prepared, form.alts())
            messages.success(request, _("Saved."))
            return see_other(step_url("details", petition))
        return _image_page(request, petition, form, status=400)
    initial = {
        f"alt_{text.language}": text.alt
        for text in PetitionImageText.objects.filter(petition=petition)
    }
    return _image_page(request, petition, _image_form(petition, initial=initial))
