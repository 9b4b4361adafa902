"""Pages for a petition's starter: logged in, and the petition is theirs and public."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers

from undeu.petitions.models import PUBLIC_STATES, Petition


def starter_petition(view):
    """Call `view(request, petition, ...)` for the starter of the open or closed petition
    `slug`; anyone else gets 404 (whether the petition exists is not theirs to learn), and an
    anonymous visitor is sent to log in. The answer is never cached: it is one person's."""

    @wraps(view)
    def wrapped(request, slug, *args, **kwargs):
        petition = get_object_or_404(
            Petition.objects.filter(state__in=PUBLIC_STATES, starter=request.user)
            .select_related("starter")
            .prefetch_related("versions", "targets"),
            slug=slug,
        )
        response = view(request, petition, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return login_required(wrapped)
