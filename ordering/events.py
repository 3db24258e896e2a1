"""In-transaction listeners of order events. Ordering cannot import the contexts above it, so
they register here (`integration` in its `AppConfig.ready()`); every `OrderEvent` written by
`transitions.record_event` or `flows.core.order_create` is handed to each listener right after
it is saved, inside the same transaction. A listener that raises rolls the change back."""
from __future__ import annotations

from collections.abc import Callable, Sequence

_listeners: list[Callable[[Sequence], None]] = []


def register_event_listener(listener: Callable[[Sequence], None]) -> None:
    """`listener(events)` is called with saved `OrderEvent`s (each with `.order` set)."""
    if listener not in _listeners:
        _listeners.append(listener)


def events_recorded(events: Sequence) -> None:
    if not events:
        return
    for listener in list(_listeners):
        listener(events)
