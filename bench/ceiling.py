"""The ceiling: Undeu's settings and middleware with one constant view instead of its URLs.

`make bench` serves it with the same `manage.py serve` (DJANGO_SETTINGS_MODULE=bench.ceiling)
to measure what the server stack itself costs per request; the product has no such URL.
"""

from django.http import HttpResponse
from django.urls import path

from undeu.settings import *  # noqa: F403

ROOT_URLCONF = "bench.ceiling"


def constant(request):
    return HttpResponse(b"ceiling\n", content_type="text/plain")


urlpatterns = [path("ceiling/", constant)]
