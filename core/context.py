"""Per-request context (request id, client address, actor) for audit rows written deep
inside services, without threading the request through every call."""
from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass


@dataclass
class RequestContext:
    request_id: str
    ip: str | None = None
    path: str = ""


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("lyfta_request", default=None)


def current() -> RequestContext | None:
    return _current.get()


def begin(ip: str | None, path: str = "", request_id: str | None = None):
    return _current.set(RequestContext(request_id=request_id or uuid.uuid4().hex, ip=ip, path=path))


def end(token) -> None:
    _current.reset(token)
