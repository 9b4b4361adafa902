"""The OpenAPI document, and a readable reference made from it on the server: a page of the site
like any other (translated, works without JavaScript, nothing loaded from other origins), rather
than an interactive viewer's scripts.

The document's descriptions are English; each is marked with gettext_noop where it is written
(endpoints.py, schemas.py), so the reference shows it in the visitor's language.
"""

import functools
import json

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from undeu.api.endpoints import api, cacheable
from undeu.petitions.views import cacheable_for_anonymous

DOCUMENT_MAX_AGE = 300
_REF = "#/components/schemas/"


@functools.cache
def document() -> dict:
    return api.get_openapi_schema()


@functools.cache
def _document_bytes() -> bytes:
    return json.dumps(document(), ensure_ascii=False, indent=1).encode()


@require_safe
def openapi_document(request):
    response = HttpResponse(_document_bytes(), content_type="application/json; charset=utf-8")
    cacheable(response, DOCUMENT_MAX_AGE)
    return response


def _translated(text: str | None) -> str:
    return gettext(text) if text else ""


def type_of(schema: dict) -> dict:
    """A readable type: {"text": ..., "ref": schema name or ""}."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(_REF)
        return {"text": name, "ref": name}
    if "const" in schema:
        return {"text": json.dumps(schema["const"]), "ref": ""}
    if "enum" in schema:
        return {"text": " | ".join(json.dumps(value) for value in schema["enum"]), "ref": ""}
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            parts = [type_of(part) for part in schema[combinator]]
            refs = [part["ref"] for part in parts if part["ref"]]
            return {"text": " | ".join(p["text"] for p in parts), "ref": refs[0] if refs else ""}
    kind = schema.get("type", "object")
    if kind == "array":
        inner = type_of(schema.get("items", {}))
        return {"text": f"array of {inner['text']}", "ref": inner["ref"]}
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        inner = type_of(schema["additionalProperties"])
        return {"text": f"object of {inner['text']}", "ref": inner["ref"]}
    if "format" in schema:
        return {"text": f"{kind} ({schema['format']})", "ref": ""}
    return {"text": kind, "ref": ""}


def _limits(schema: dict) -> str:
    found = []
    for key, sign in (("minimum", "≥"), ("maximum", "≤")):
        if key in schema:
            found.append(f"{sign} {schema[key]}")
    for key, sign in (("minLength", "length ≥"), ("maxLength", "length ≤")):
        if key in schema:
            found.append(f"{sign} {schema[key]}")
    for part in schema.get("anyOf", []):
        found.extend(_limits(part).split(", ") if _limits(part) else [])
    return ", ".join(found)


def operations(spec: dict) -> list[dict]:
    found = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            found.append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": _translated(operation.get("summary")),
                    "description": _translated(operation.get("description")),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "in": parameter["in"],
                            "required": parameter.get("required", False),
                            "type": type_of(parameter.get("schema", {})),
                            "limits": _limits(parameter.get("schema", {})),
                            "default": json.dumps(parameter["schema"]["default"])
                            if "default" in parameter.get("schema", {})
                            else "",
                            "description": _translated(
                                parameter.get("description")
                                or parameter.get("schema", {}).get("description")
                            ),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "responses": [
                        {
                            "status": status,
                            "type": type_of(
                                answer.get("content", {})
                                .get("application/json", {})
                                .get("schema", {})
                            ),
                        }
                        for status, answer in sorted(operation["responses"].items())
                    ],
                }
            )
    return found


def schemas(spec: dict) -> list[dict]:
    return [
        {
            "name": name,
            "fields": [
                {
                    "name": field,
                    "type": type_of(definition),
                    "description": _translated(definition.get("description")),
                }
                for field, definition in schema.get("properties", {}).items()
            ],
        }
        for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())
    ]


@require_safe
def api_reference(request):
    spec = document()
    response = render(
        request,
        "api/reference.html",
        {
            "version": spec["info"]["version"],
            "operations": operations(spec),
            "schemas": schemas(spec),
        },
    )
    return cacheable_for_anonymous(request, response)
