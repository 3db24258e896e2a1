import datetime as dt

from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "integration"

    def ready(self):
        from core import scheduler
        from ordering.events import register_event_listener

        from . import outbox

        # Every order event writes its outbox row in the same transaction (ordering.events).
        register_event_listener(outbox.on_order_events)
        scheduler.register("integration.dispatch", "integration.tasks.dispatch_due", dt.timedelta(minutes=1))
