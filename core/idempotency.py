"""`Idempotency-Key` for POST endpoints: the first response for (actor, key) is stored and
replayed for retries; the same key with a different body is a conflict. The store row is
created in the same transaction as the work, so a crash never leaves one without the other."""
from __future__ import annotations

import hashlib
import json

from django.db import DatabaseError, models
from django.utils.translation import gettext as _

from .errors import Conflict, ValidationFailed
from .transactions import composed


class IdempotencyRecord(models.Model):
    actor_key = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "core"
        constraints = [models.UniqueConstraint(fields=["actor_key", "key"], name="uniq_idempotency_key")]


def actor_key(principal) -> str:
    if principal.client is not None:
        return f"client:{principal.client.pk}"
    return f"user:{principal.user.pk}"


def canonical_body(body: bytes) -> bytes:
    """The body as canonical JSON (keys sorted, no whitespace, UTF-8), so that a retry that
    re-serialises the same JSON (another key order, other spacing or escapes) has the same
    fingerprint. A body that is not JSON is taken as it is."""
    if not body:
        return b""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8", "surrogatepass")


def request_hash(method: str, path: str, body: bytes) -> str:
    """Fingerprint of a request for `Idempotency-Key`: method, path and canonical JSON body."""
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical_body(body)).hexdigest()


def run_idempotent(principal, key: str | None, req_hash: str, work):
    """Run `work()` -> (status, body-dict) once per (principal, key). Returns (status, body, replayed).

    The record is written with the response in the same transaction as the work, after it. Two
    concurrent requests with one key may both start the work, but only one transaction can insert
    the record: the other's insert waits on the unique index until the first commits and fails (or
    its work fails first, finding the work already done), its whole transaction rolls back, and it
    replays the stored response."""
    if not key:
        status, body = work()
        return status, body, False
    if len(key) > 200:
        raise ValidationFailed(_("Idempotency-Key får vara högst 200 tecken."), errors={"Idempotency-Key": [_("för lång")]})
    akey = actor_key(principal)
    existing = _stored(akey, key)
    if existing is not None:
        return _replay(existing, req_hash)
    try:
        with composed():  # the work's entry point and the record: one transaction
            status, body = work()
            IdempotencyRecord.objects.create(actor_key=akey, key=key, request_hash=req_hash, status_code=status,
                                             response_body=json.loads(json.dumps(body, default=str)))
    except Exception:
        # A concurrent request with the same key may have committed first: then either our
        # insert failed on the unique key, or our work failed because theirs is already done
        # (e.g. "the order is already confirmed"). Its stored response is the answer; otherwise
        # the error is ours.
        try:
            existing = _stored(akey, key)
        except DatabaseError:
            existing = None
        if existing is None:
            raise
        return _replay(existing, req_hash)
    return status, body, False


def _stored(akey: str, key: str) -> tuple | None:
    """(request hash, status, body) stored for this key, or None. Runs before every keyed POST,
    so it reads three columns rather than building a model instance."""
    rows = IdempotencyRecord.objects.filter(actor_key=akey, key=key).values_list(
        "request_hash", "status_code", "response_body")[:1]
    return next(iter(rows), None)


def _replay(stored: tuple, req_hash: str):
    stored_hash, status_code, body = stored
    if stored_hash != req_hash:
        raise Conflict(_("Idempotency-Key har redan använts för en annan begäran."), code="idempotency_key_reused")
    return status_code, body, True


def idempotent(request, work, *, files=None):
    """An API POST that honours `Idempotency-Key`: run `work() -> (status, body)` once per key
    (per principal); a replay with the same request answers the stored result, a different request
    under the same key is refused (409). Every POST endpoint of the API goes through this.
    A multipart upload passes its `files`: the fingerprint is over each file's name and content
    (the raw multipart body has a random boundary, so a retry would never match it)."""
    from ninja.responses import Status

    key = request.headers.get("Idempotency-Key")
    if files is not None:
        digest = hashlib.sha256()
        for f in files:
            digest.update((getattr(f, "name", "") or "").encode() + b"\0")
            for chunk in f.chunks():
                digest.update(chunk)
            f.seek(0)
        req_hash = hashlib.sha256(f"{request.method} {request.path}\nfiles:{digest.hexdigest()}".encode()).hexdigest()
    else:
        req_hash = request_hash(request.method, request.path, request.body)
    status, body, _replayed = run_idempotent(request.auth, key, req_hash, work)
    return Status(status, body)
