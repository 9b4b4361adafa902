"""The Permissions-Policy header: browser features no page of Undeu uses are switched off.

Switched off at the top, a feature is off in every frame too, so an embedded video player (or
script that found its way in) cannot ask for the camera, the visitor's position or a payment.
Features the pages do use keep the browser's default: fullscreen and picture-in-picture for the
video frames, clipboard-write for the copy button. The header is the same for every response,
so it is built once per process from PERMISSIONS_POLICY (again only if a test changes it).
"""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

HEADER = "Permissions-Policy"


@receiver(setting_changed)
def _forget_header(*, setting, **kwargs):
    if setting == "PERMISSIONS_POLICY":
        site_header.cache_clear()


def _allowlist(origins: list[str]) -> str:
    """`()` for nobody; `self` as it is; other origins quoted, as the header's syntax wants."""
    return " ".join(origin if origin == "self" else f'"{origin}"' for origin in origins)


@cache
def site_header() -> str:
    return ", ".join(
        f"{feature}=({_allowlist(origins)})"
        for feature, origins in settings.PERMISSIONS_POLICY.items()
    )


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        header = site_header()
        # A view that needs a feature (a future embed widget) sets its own header.
        if header and HEADER not in response:
            response[HEADER] = header
        return response
