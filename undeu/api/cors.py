"""Cross-origin reading of the public data, and errors a script can read.

The API and the open data files are public, anonymous and read-only, so any site may read them
from a browser: every answer under their prefixes says `Access-Control-Allow-Origin: *` (never
with credentials, which browsers then refuse to send), and a preflight for GET is answered here.
The whole policy is this one header for everyone, so it is written for every request, with or
without an Origin, and a shared cache can keep one copy for all (no Vary: Origin).
"""

from http import HTTPStatus

from django.http import HttpResponse, JsonResponse

PREFIXES = ("/api/", "/open-data/")
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# Request headers a reader may send beyond the CORS-safelisted ones: conditional requests.
ALLOWED_HEADERS = "If-None-Match, If-Modified-Since, Cache-Control"
# Headers scripts on other sites may read beyond the safelisted ones.
EXPOSED_HEADERS = "ETag, Last-Modified"
PREFLIGHT_MAX_AGE = 86400


def is_public_data(path: str) -> bool:
    return path.startswith(PREFIXES)


def is_api_request(request) -> bool:
    return request.path_info.startswith("/api/")


def api_error(status: int) -> JsonResponse:
    """An error of the API as JSON, in the shape of its documented errors."""
    return JsonResponse({"detail": HTTPStatus(status).phrase}, status=status)


class PublicReadCorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_public_data(request.path_info):
            return self.get_response(request)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
            response["Allow"] = ALLOWED_METHODS
        else:
            response = self.get_response(request)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response
