from django.core.management.base import BaseCommand

from catalogue import generator


class Command(BaseCommand):
    help = "Skriv en realistisk katalogfil i utbytesformatet (för test, demo och prestandamätning)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--articles", type=int, default=60000)
        parser.add_argument("--seed", type=int, default=20261122)
        parser.add_argument("--valid-from", default="2026-01-01")

    def handle(self, *args, **opts):
        lines = generator.write(opts["file"], opts["articles"], seed=opts["seed"], valid_from=opts["valid_from"])
        self.stdout.write(self.style.SUCCESS(f"Skrev {lines} rader ({opts['articles']} artiklar) till {opts['file']}."))
