import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.transactions import composed

# Order matters: lower contexts first (DESIGN.md §3).
DEMO_MODULES = [
    "access.demo",
    "catalogue.demo",
    "patients.demo",
    "stock.demo",
    "ordering.demo",
    "supply.demo",
    "invoicing.demo",
    "integration.demo",
    "operations.demo",
]


class Command(BaseCommand):
    help = "Load demo data (idempotent: data that exists already is kept). Demo settings only."

    def handle(self, *args, **opts):
        if not settings.LYFTA_DEMO_MODE:
            raise CommandError("Demodata kan bara laddas med demoinställningar (LYFTA_DEMO_MODE).")
        for name in DEMO_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    continue
                raise
            with composed():  # each context's demo data, all or nothing
                result = module.load()
            self.stdout.write(f"{name}: {result or 'ok'}")
