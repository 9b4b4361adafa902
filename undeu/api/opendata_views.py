"""The open data files and the page that says what they are."""

import os
from datetime import UTC, datetime

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import condition, require_safe

from undeu.api import opendata
from undeu.petitions.views import cacheable_for_anonymous

FILE_MAX_AGE = 3600
CONTENT_TYPES = {
    "petitions.csv": "text/csv; charset=utf-8",
    "petitions.json": "application/json; charset=utf-8",
}


def _stat(name: str) -> os.stat_result | None:
    try:
        return opendata.path_of(name).stat()
    except FileNotFoundError:
        return None


def _etag(request, name: str) -> str | None:
    found = _stat(name)
    return quote_etag(f"{found.st_mtime_ns:x}-{found.st_size:x}") if found else None


def _last_modified(request, name: str):
    found = _stat(name)
    return datetime.fromtimestamp(found.st_mtime, tz=UTC) if found else None


@require_safe
@condition(etag_func=_etag, last_modified_func=_last_modified)
def data_file(request, name: str):
    try:
        # Opened once: a rename by the job after this point leaves this reader the old file.
        handle = opendata.path_of(name).open("rb")
    except FileNotFoundError:
        raise Http404(name) from None
    response = FileResponse(handle, content_type=CONTENT_TYPES[name])
    response["Content-Disposition"] = f'inline; filename="{name}"'
    modified = os.fstat(handle.fileno())
    response["Last-Modified"] = http_date(modified.st_mtime)
    response["ETag"] = quote_etag(f"{modified.st_mtime_ns:x}-{modified.st_size:x}")
    patch_cache_control(response, public=True, max_age=FILE_MAX_AGE, stale_if_error=86400)
    return response


@require_safe
def open_data_page(request):
    files = [
        {
            "name": name,
            "url": reverse(f"open_data_{index}"),
            "modified": _last_modified(request, name),
            "size": found.st_size if (found := _stat(name)) else None,
        }
        for index, name in enumerate(opendata.FILES)
    ]
    response = render(
        request,
        "api/open_data.html",
        {
            "files": files,
            "licence": settings.UNDEU_OPEN_DATA_LICENCE,
            "licence_url": settings.UNDEU_OPEN_DATA_LICENCE_URL,
            "csv_columns": opendata.CSV_COLUMNS,
        },
    )
    return cacheable_for_anonymous(request, response)
