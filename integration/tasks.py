"""Background work of integration: the periodic webhook dispatch (the long-running
`manage.py dispatch_webhooks` is the usual dispatcher; this catches up when none runs)."""
from __future__ import annotations

from django_tasks import task


@task()
def dispatch_due() -> int:
    from .broker import publish_pending
    from .dispatch import dispatch_until_idle
    from .outbox import feed_sequence

    n = dispatch_until_idle(max_batches=50)
    feed_sequence()  # positions for the pull feed (it also numbers on each read)
    publish_pending()  # no-op unless LYFTA_AMQP_URL is set
    return n


@task()
def prune_outbox() -> int:
    from .retention import outbox_prune

    return outbox_prune()
