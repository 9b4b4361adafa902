"""Addresses outside the language prefix (the API and the data files are the same in every
language) and the two pages that describe them, inside it."""

from django.urls import path

from undeu.api import opendata, opendata_views, reference
from undeu.api.endpoints import api

urlpatterns = [
    path("api/v1/openapi.json", reference.openapi_document, name="api_openapi"),
    path("api/v1/", api.urls),
    *(
        path(f"open-data/{name}", opendata_views.data_file, {"name": name}, name=f"open_data_{i}")
        for i, name in enumerate(opendata.FILES)
    ),
]

page_patterns = [
    path("api/", reference.api_reference, name="api_reference"),
    path("open-data/", opendata_views.open_data_page, name="open_data"),
]
