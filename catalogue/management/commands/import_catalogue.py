from django.core.management.base import BaseCommand, CommandError

from catalogue import importer, services


class Command(BaseCommand):
    help = ("Importera en katalogfil (JSON Lines, docs/catalogue-format.md). Hela filen valideras först; "
            "vid fel importeras ingenting.")

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **opts):
        path = opts["file"]
        try:
            result = services.catalogue_import(path, actor=None)
        except FileNotFoundError:
            raise CommandError(f"Filen {path} finns inte.") from None
        except importer.ImportFailed as exc:
            for err in exc.errors:
                self.stderr.write(str(err))
            if exc.truncated:
                self.stderr.write(f"… fler fel (visar de första {importer.MAX_ERRORS}).")
            raise CommandError(f"Importen avbröts: {len(exc.errors)} fel. Ingenting har importerats.") from None
        for rtype, counts in result.counts.items():
            self.stdout.write(f"{rtype}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        self.stdout.write(self.style.SUCCESS(f"Klart: {result.lines} rader lästa, {result.prices_changed} nya priser."))
