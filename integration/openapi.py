"""The API's OpenAPI document lists the error responses of every operation: RFC 9457 problem
documents (`application/problem+json`, schema `Problem`), added centrally so that no router
has to repeat them."""
from __future__ import annotations

from ninja import NinjaAPI

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem document. `code` is a stable machine-readable code; `errors` lists one "
                   "entry per invalid input (see docs/contracts.md).",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "URI identifying the problem type"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "Stable code, e.g. validation, not_found, csrf_failed, "
                                                  "unsupported_media_type, payload_too_large, invalid_input"},
        "instance": {"type": "string", "description": "Path of the request"},
        "request_id": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemError"},
                   "description": "One entry per invalid input (extension member)"},
    },
    "additionalProperties": True,
}

PROBLEM_ERROR_SCHEMA = {
    "title": "ProblemError",
    "type": "object",
    "required": ["field", "code", "message"],
    "properties": {
        "field": {"anyOf": [{"type": "string"}, {"type": "null"}],
                  "description": "Dotted path of the input (`lines.0.quantity`, `identity_number`, a query "
                                 "parameter or header name); null when the problem concerns the whole request"},
        "code": {"type": "string", "description": "Machine-readable reason, e.g. missing, nul_byte, "
                                                  "date_out_of_range, or the domain error's code"},
        "message": {"type": "string", "description": "Human-readable reason (Swedish)"},
    },
}

ERROR_DESCRIPTIONS = {
    400: "Bad request (e.g. a body that is not valid JSON)",
    401: "Not authenticated",
    403: "Forbidden (missing permission, or CSRF check failed for a session: code csrf_failed)",
    404: "Not found (or not visible to the caller)",
    409: "Conflict (illegal status change, Idempotency-Key reused for another request)",
    413: "Request body too large (code payload_too_large)",
    415: "Body not sent as application/json (code unsupported_media_type)",
    422: "Invalid input (schema or domain validation; NUL bytes, lone surrogates, dates outside 1900–2200)",
    429: "Too many requests",
    500: "Internal error",
}
UNSAFE = {"post", "put", "patch", "delete"}


def add_problem_responses(schema: dict) -> dict:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Problem", PROBLEM_SCHEMA)
    components.setdefault("ProblemError", PROBLEM_ERROR_SCHEMA)
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = [400, 401, 403, 404, 413, 422, 429, 500]
            if method in UNSAFE:
                codes.append(409)
            if "requestBody" in operation:
                codes.append(415)
            responses = operation["responses"]
            for code in sorted(codes):
                responses.setdefault(str(code), {"description": ERROR_DESCRIPTIONS[code],
                                                 "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}})
    return schema


class ProblemDocumentedAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return add_problem_responses(schema)
