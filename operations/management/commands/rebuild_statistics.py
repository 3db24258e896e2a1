from django.core.management.base import BaseCommand, CommandError

from core.errors import ValidationFailed
from operations.statistics import selectors as sel
from operations.statistics.services import projection_rebuild


class Command(BaseCommand):
    help = ("Recompute the statistics projection (per-month figures) from the order events and report every "
            "difference. Without --fix nothing is changed and the exit code is 1 when differences exist.")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="first month, YYYY-MM (default: the projection's first)")
        parser.add_argument("--to", dest="last", help="last month, YYYY-MM (default: the projection's last)")
        parser.add_argument("--fix", action="store_true", help="overwrite the projection with the events' figures")

    def handle(self, *args, first=None, last=None, fix=False, **opts):
        try:
            a = sel._parse_month(first, "fran") if first else None
            b = sel._parse_month(last, "till") if last else None
        except ValidationFailed as e:
            raise CommandError(str(e)) from None
        if (a is None) != (b is None):
            a, b = a or b, b or a
        diffs = projection_rebuild(a, b, fix=fix)
        for d in diffs:
            if d.part == "month":
                self.stdout.write(f"{d.month:%Y-%m}: saknas i projektionen")
            else:
                self.stdout.write(f"{d.month:%Y-%m} {d.part} {d.key}: lagrat {d.stored}, enligt händelserna {d.events}")
        if not diffs:
            self.stdout.write("Inga skillnader: statistikens projektion stämmer med orderhändelserna.")
            return
        if fix:
            self.stdout.write(f"{len(diffs)} skillnader rättade.")
            return
        raise CommandError(f"{len(diffs)} skillnader hittades (kör med --fix för att rätta).", returncode=1)
