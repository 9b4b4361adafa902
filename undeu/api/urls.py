"""Addresses outside the language prefix (the API and the data files are the same in every
language) and the two pages that describe them, inside it."""

from django.urls import path

from undeu.api import opendata_views, reference
from undeu.api.endpoints import api

urlpatterns = [
    path("api/v1/openapi.json", reference.openapi_document, name="api_openapi"),
    path("api/v1/", api.urls),
    path(
        "open-data/<str:name>",
        opendata_views.data_file,
        name="open_data_file",
    ),
]

page_patterns = [
    path("api/", reference.api_reference, name="api_reference"),
    path("open-data/", opendata_views.open_data_page, name="open_data"),
]
