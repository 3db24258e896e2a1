from django.core.management.base import BaseCommand

from core.tasks_reclaim import reclaim_stale_tasks


class Command(BaseCommand):
    help = ("Put background tasks left RUNNING by a lost worker (older than LYFTA_TASK_LEASE_SECONDS, "
            "or --lease-seconds) back in the queue; give up after LYFTA_TASK_MAX_ATTEMPTS. "
            "The scheduler does this on every pass.")

    def add_arguments(self, parser):
        parser.add_argument("--lease-seconds", type=float, default=None)

    def handle(self, *args, lease_seconds=None, **opts):
        result = reclaim_stale_tasks(lease_seconds=lease_seconds)
        self.stdout.write(f"retried: {len(result.retried)}, given up: {len(result.failed)}")
        for pk in result.retried:
            self.stdout.write(f"  retried {pk}")
        for pk in result.failed:
            self.stdout.write(f"  given up {pk}")
