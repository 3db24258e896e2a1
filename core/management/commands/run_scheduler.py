import time

from django.core.management.base import BaseCommand

from core.scheduler import enqueue_due
from core.tasks_reclaim import reclaim_stale_tasks


class Command(BaseCommand):
    help = ("Enqueue periodic background work when due and put tasks of lost workers back in the queue "
            "(runs until stopped; --once for one pass).")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=60.0)

    def handle(self, *args, once=False, interval=60.0, **opts):
        while True:
            reclaimed = reclaim_stale_tasks()
            if reclaimed.retried or reclaimed.failed:
                self.stdout.write(f"reclaimed: {len(reclaimed.retried)} retried, {len(reclaimed.failed)} given up")
            names = enqueue_due()
            if names:
                self.stdout.write(f"enqueued: {', '.join(names)}")
            if once:
                return
            time.sleep(interval)
