"""Run a webhook dispatcher: `manage.py dispatch_webhooks [--once] [--interval 1] [--max-seconds N]`.
Several may run at once (rows are claimed with SKIP LOCKED on PostgreSQL)."""
import time

from django.core.management.base import BaseCommand

from integration.dispatch import dispatch_once, dispatch_until_idle


class Command(BaseCommand):
    help = "Deliver pending webhooks (Standard Webhooks signatures)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="deliver what is due, then stop")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds to sleep when idle")
        parser.add_argument("--batch", type=int, default=50)
        parser.add_argument("--max-seconds", type=float, default=0, help="stop after this long (0: never)")

    def handle(self, *args, **opts):
        if opts["once"]:
            n = dispatch_until_idle(opts["batch"])
            self.stdout.write(f"{n} deliveries attempted")
            return
        deadline = time.monotonic() + opts["max_seconds"] if opts["max_seconds"] else None
        while deadline is None or time.monotonic() < deadline:
            if dispatch_once(opts["batch"]) == 0:
                time.sleep(opts["interval"])
