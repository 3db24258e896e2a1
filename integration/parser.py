"""Request parsing for the API: JSON bodies only as `application/json` (415 otherwise), and
object bodies only where the schema says object (422 otherwise)."""
from __future__ import annotations

import json

from django.utils.translation import gettext as _
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from pydantic import BaseModel

JSON_MEDIA_TYPES = ("application/json",)


class UnsupportedMediaType(Exception):
    def __init__(self, content_type: str):
        super().__init__(content_type)
        self.content_type = content_type


class StrictJsonParser(Parser):
    """Django-ninja's JSON parser, refusing any other media type: a JSON body sent as
    `text/plain` (the only way a cross-origin page can post without a CORS preflight) or as a
    form is not parsed. Form and file parameters (multipart endpoints) are parsed by
    `parse_querydict` and are not affected. Ninja wraps any exception here in a 400
    `HttpError`; the API's handler answers 415 when its cause is `UnsupportedMediaType`."""

    def parse_body(self, request):
        content_type = (request.content_type or "").lower()
        if content_type not in JSON_MEDIA_TYPES:
            raise UnsupportedMediaType(content_type)
        return json.loads(request.body)


# Names of body parameters that are the whole body (`payload: OrderCreateIn`): ninja puts them in
# the error location (`body.payload.lines.0`), the client never sent them.
SINGLE_BODY_PARAMS: set[str] = set()


def error_field(loc) -> str | None:
    """The dotted input path of a ninja/pydantic error location, as the client sent it:
    ("body", "payload", "lines", 0, "quantity") -> "lines.0.quantity"; ("query", "limit") -> "limit"."""
    parts = list(loc or [])
    if parts and parts[0] == "body" and len(parts) > 1 and parts[1] in SINGLE_BODY_PARAMS:
        parts = parts[2:]
    else:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or None


def require_object_bodies(api) -> int:
    """For every operation whose single body parameter is a schema (an object), refuse a JSON
    body that is not an object with 422. Ninja's `Schema` reads attributes with `getattr` and
    defaults, so `5` or `[]` would otherwise validate as an object with all defaults (a bare
    number withdrew an order). Returns the number of operations changed."""
    changed = 0
    for model in _body_models(api):
        varname = getattr(model, "__read_from_single_attr__", None)
        if varname:
            SINGLE_BODY_PARAMS.add(varname)
        if not varname or getattr(model, "_lyfta_object_only", False):
            continue
        field = model.model_fields.get(varname)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            continue
        model.get_request_data = classmethod(_object_only(model.get_request_data, varname))
        model._lyfta_object_only = True
        changed += 1
    return changed


def _object_only(original, varname):
    def get_request_data(cls, request, api, path_params):
        data = original(request, api, path_params)
        if data is not None and not isinstance(data.get(varname), dict):
            raise NinjaValidationError([{"loc": ("body", varname), "type": "model_type",
                                         "msg": _("Begärans innehåll måste vara ett JSON-objekt.")}])
        return data

    return get_request_data


def _body_models(api):
    seen = set()
    routers = [router for _prefix, router in api._routers]
    while routers:
        router = routers.pop()
        if id(router) in seen:
            continue
        seen.add(id(router))
        routers.extend(item[1] for item in getattr(router, "_routers", []))
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    if getattr(model, "__ninja_param_source__", None) == "body":
                        yield model
