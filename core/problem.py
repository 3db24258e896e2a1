"""RFC 9457 problem documents."""
from __future__ import annotations

import json

from django.http import HttpResponse

from . import context

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_body(status: int, title: str, detail: str, *, code: str = "", errors: dict | list | None = None) -> dict:
    body: dict = {"type": f"https://lyfta.se/problems/{code or status}", "title": title, "status": status,
                  "detail": detail}
    if code:
        body["code"] = code
    if errors:
        body["errors"] = errors
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
