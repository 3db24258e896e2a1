import datetime as dt

from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "integration"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from access.roles import Perm
        from core import nav, scheduler
        from ordering.events import register_event_listener

        from . import outbox

        # Every order event writes its outbox row in the same transaction (ordering.events).
        register_event_listener(outbox.on_order_events)
        from access.models import ApiClient, Organisation

        from .models import Subscription

        outbox.SUBSCRIPTIONS.connect(Subscription, ApiClient, Organisation)
        nav.register(nav.NavItem("webhooks", _("Webhooks"), "integration:deliveries", Perm.WEBHOOKS_MANAGE, order=88))
        scheduler.register("integration.dispatch", "integration.tasks.dispatch_due", dt.timedelta(minutes=1))
        scheduler.register("integration.prune_outbox", "integration.tasks.prune_outbox", dt.timedelta(hours=24))
