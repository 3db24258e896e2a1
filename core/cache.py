"""Generational caches for reference data that every order reads and that changes rarely (price
terms, prescribing rules, customers' cost ceilings, webhook subscriptions, API clients).

A `Generation` names one family of cached values. Its keys carry a generation number kept in
Django's cache; `invalidate()` — connected to the owning models' `post_save`/`post_delete`, or
called by a service that writes in bulk — starts a new generation at once (later reads in this
transaction recompute) and again after commit (a value cached from another connection while the
change was still uncommitted is not kept). So this process sees a change at once, other processes
within the family's TTL, and every process at once with a shared cache backend (Redis,
`CACHES` in the settings). Values must be picklable; `None` is stored as a marker, so "nothing"
is cached too.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

_NONE = "__lyfta_none__"


class Generation:
    def __init__(self, name: str, ttl: int):
        self.name = name
        self.ttl = ttl
        self._key = f"lyfta:gen:{name}"

    def _prefix(self) -> str:
        from django.core.cache import cache

        return f"lyfta:{self.name}:{cache.get(self._key, 0)}:"

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        """The cached value of `key` in the current generation, computed (and stored) on a miss."""
        from django.core.cache import cache

        full = self._prefix() + key
        value = cache.get(full)
        if value is None:
            value = compute()
            cache.set(full, _NONE if value is None else value, self.ttl)
            return value
        return None if value == _NONE else value

    def put(self, key: str, value: Any) -> None:
        """Store a value the caller changed (in the current generation)."""
        from django.core.cache import cache

        cache.set(self._prefix() + key, _NONE if value is None else value, self.ttl)

    def get_many(self, keys: Iterable, compute: Callable[[list], dict]) -> dict:
        """{key: value} for `keys`; the misses are computed together by `compute(missing keys)`,
        which returns {key: value} (a key it leaves out is cached as None)."""
        from django.core.cache import cache

        keys = list(keys)
        prefix = self._prefix()
        found = cache.get_many([prefix + str(k) for k in keys])
        out, missing = {}, []
        for k in keys:
            v = found.get(prefix + str(k))
            if v is None:
                missing.append(k)
            else:
                out[k] = None if v == _NONE else v
        if missing:
            computed = compute(missing)
            cache.set_many({prefix + str(k): (_NONE if computed.get(k) is None else computed[k]) for k in missing},
                           self.ttl)
            out.update({k: computed.get(k) for k in missing})
        return out

    def invalidate(self, **_signal_kwargs) -> None:
        """A new generation now and again after the current transaction commits."""
        from django.db import transaction

        self._next()
        transaction.on_commit(self._next)

    def _next(self) -> None:
        from django.core.cache import cache

        try:
            cache.incr(self._key)
        except ValueError:
            cache.set(self._key, 1, None)

    def connect(self, *models) -> None:
        """Invalidate on every save and delete of these models (call from `AppConfig.ready`)."""
        from django.db.models.signals import post_delete, post_save

        for model in models:
            uid = f"lyfta_gen_{self.name}_{model._meta.label_lower}"
            post_save.connect(self.invalidate, sender=model, dispatch_uid=uid + "_save", weak=False)
            post_delete.connect(self.invalidate, sender=model, dispatch_uid=uid + "_delete", weak=False)
