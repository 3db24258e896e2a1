import time

from django.core.management.base import BaseCommand

from core.scheduler import enqueue_due


class Command(BaseCommand):
    help = "Enqueue periodic background work when due (runs until stopped; --once for one pass)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=60.0)

    def handle(self, *args, once=False, interval=60.0, **opts):
        while True:
            names = enqueue_due()
            if names:
                self.stdout.write(f"enqueued: {', '.join(names)}")
            if once:
                return
            time.sleep(interval)
