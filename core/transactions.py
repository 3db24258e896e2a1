"""Transactions of the services (DESIGN.md §3: a service is one atomic, audited action).

A top-level service — what a page, an API endpoint or a task calls — is an *entry point*: it
owns its transaction, `transaction.atomic(durable=True)`, so no caller can silently wrap it in a
larger transaction (whose rollback would undo a write the caller believed committed, and whose
`on_commit` e-mail would wait for it). A caller that must put several entry points in one
transaction says so with `composed()`: the idempotency record and the work it answers, a page that
creates an order and its attachment, the demo data. Inside a running entry point or a composed
block, entry points called from it join that transaction (no savepoint: a failure anywhere rolls
back the whole, which is what composing means — and saves two round trips per call)."""
from __future__ import annotations

import contextvars
import functools
from contextlib import contextmanager

from django.db import transaction

_composing: contextvars.ContextVar[bool] = contextvars.ContextVar("lyfta_composing", default=False)


def entry_point(fn):
    """Decorate a top-level service: it runs in its own durable transaction, or joins the one an
    enclosing entry point or `composed()` block opened."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with composed():
            return fn(*args, **kwargs)

    wrapper.lyfta_entry_point = True
    return wrapper


@contextmanager
def composed():
    """One durable transaction around several entry points, said out loud."""
    if _composing.get():
        with transaction.atomic(savepoint=False):
            yield
        return
    token = _composing.set(True)
    try:
        with transaction.atomic(durable=True):
            yield
    finally:
        _composing.reset(token)
