"""Serving petition images when no web server in front does it (`make run`, small instances).

WhiteNoise serves static files only, and django.views.static.serve is meant for development.
This view serves only what this app wrote: files under MEDIA_ROOT/petitions/ whose names match
the pattern images.py gives them (year/month/random token, one of three extensions), with the
content type taken from that extension, never guessed from the content. Names are random and
contents never change, so caches may keep them for a year. An operator with a web server in
front can serve /media/petitions/ from MEDIA_ROOT directly instead.
"""

import re

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.views.decorators.http import require_safe

from undeu.starting.images import CONTENT_TYPES

_NAME = re.compile(r"^\d{4}/\d{2}/[A-Za-z0-9_-]{1,100}\.(jpg|png|webp)$")


@require_safe
def petition_image(request, name):
    match = _NAME.match(name)
    if not match:
        raise Http404
    try:
        path = safe_join(settings.MEDIA_ROOT, "petitions", name)
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except (OSError, ValueError, SuspiciousFileOperation):
        raise Http404 from None
    response = FileResponse(handle, content_type=CONTENT_TYPES[match.group(1)])
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
