"""RFC 9457 problem documents.

`errors` (an extension member) has one shape everywhere: a list of
`{"field": str | null, "code": str, "message": str}` objects, one per problem, `field` being the
dotted path of the input (`lines.0.quantity`, `identity_number`) or null when the problem concerns
the request as a whole. Domain errors carry `{field: [messages]}` internally (the UI shows them
next to form fields); `normalise_errors` turns that into the list. See docs/contracts.md."""
from __future__ import annotations

import json

from django.http import HttpResponse

from . import context

PROBLEM_CONTENT_TYPE = "application/problem+json"


def normalise_errors(errors, default_code: str = "invalid") -> list[dict]:
    """`{field: [messages]}` or `{field: message}` or a list of error dicts -> the one list shape."""
    if not errors:
        return []
    out: list[dict] = []
    if isinstance(errors, dict):
        for field, messages in errors.items():
            if isinstance(messages, (str, dict)) or not hasattr(messages, "__iter__"):
                messages = [messages]
            for message in messages:
                out.append(_entry(field, default_code, message))
        return out
    for item in errors:
        if isinstance(item, dict):
            out.append({"field": _field(item.get("field")), "code": str(item.get("code") or default_code),
                        "message": str(item.get("message") or "")})
        else:
            out.append(_entry(None, default_code, item))
    return out


def _field(field):
    if field is None or field in ("", "__all__"):
        return None
    return str(field)


def _entry(field, code: str, message) -> dict:
    if isinstance(message, dict):  # {"code": ..., "message": ...}
        return {"field": _field(field), "code": str(message.get("code") or code),
                "message": str(message.get("message") or "")}
    return {"field": _field(field), "code": code, "message": str(message)}


def problem_body(status: int, title: str, detail: str, *, code: str = "", errors: dict | list | None = None) -> dict:
    body: dict = {"type": f"https://lyfta.se/problems/{code or status}", "title": title, "status": status,
                  "detail": detail}
    if code:
        body["code"] = code
    if errors:
        body["errors"] = normalise_errors(errors, code or "invalid")
    ctx = context.current()
    if ctx is not None:
        body["instance"] = ctx.path
        body["request_id"] = ctx.request_id
    return body


def problem_response(status: int, title: str, detail: str, *, code: str = "", errors=None,
                     headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(problem_body(status, title, detail, code=code, errors=errors),
                                       ensure_ascii=False, default=str),
                            status=status, content_type=PROBLEM_CONTENT_TYPE)
    for k, v in (headers or {}).items():
        response[k] = v
    return response
