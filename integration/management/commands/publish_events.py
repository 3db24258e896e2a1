"""Publish the outbox to the AMQP broker: `manage.py publish_events [--once] [--interval 1]`
(needs LYFTA_AMQP_URL; docs/integration.md)."""
import time

from django.core.management.base import BaseCommand, CommandError

from integration import broker


class Command(BaseCommand):
    help = "Publish outbox events to the AMQP broker (persistent messages, publisher confirms)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, **opts):
        if not broker.enabled():
            raise CommandError("LYFTA_AMQP_URL är inte satt: ingen broker att publicera till.")
        while True:
            n = broker.publish_pending()
            if opts["once"] and n == 0:
                return
            if n == 0:
                time.sleep(opts["interval"])
