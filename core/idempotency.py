"""`Idempotency-Key` for POST endpoints: the first response for (actor, key) is stored and
replayed for retries; the same key with a different body is a conflict. The store row is
created in the same transaction as the work, so a crash never leaves one without the other."""
from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, models, transaction

from .errors import Conflict, ValidationFailed


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


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + (body or b"")).hexdigest()


def run_idempotent(principal, key: str | None, req_hash: str, work):
    """Run `work()` -> (status, body-dict) once per (principal, key). Returns (status, body, replayed)."""
    if not key:
        status, body = work()
        return status, body, False
    if len(key) > 200:
        raise ValidationFailed("Idempotency-Key får vara högst 200 tecken.", errors={"Idempotency-Key": ["för lång"]})
    akey = actor_key(principal)
    existing = IdempotencyRecord.objects.filter(actor_key=akey, key=key).first()
    if existing is not None:
        return _replay(existing, req_hash)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(actor_key=akey, key=key, request_hash=req_hash)
            status, body = work()
            record.status_code = status
            record.response_body = json.loads(json.dumps(body, default=str))
            record.save(update_fields=["status_code", "response_body"])
    except IntegrityError:
        # A concurrent request with the same key won the insert; replay its result.
        existing = IdempotencyRecord.objects.filter(actor_key=akey, key=key).first()
        if existing is None:
            raise
        return _replay(existing, req_hash)
    return status, body, False


def _replay(record: IdempotencyRecord, req_hash: str):
    if record.request_hash != req_hash:
        raise Conflict("Idempotency-Key har redan använts för en annan begäran.", code="idempotency_key_reused")
    if record.status_code is None:
        raise Conflict("En begäran med samma Idempotency-Key pågår redan.", code="idempotency_in_progress")
    return record.status_code, record.response_body, True
