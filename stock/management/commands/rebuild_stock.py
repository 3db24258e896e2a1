from django.core.management.base import BaseCommand, CommandError

from stock.services import rebuild_levels


class Command(BaseCommand):
    help = ("Recompute stock levels (and catalogue availability) from the stock ledger and report every "
            "difference. Without --fix nothing is changed and the exit code is 1 when differences exist.")

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="overwrite the projection with the ledger's figures")

    def handle(self, *args, fix=False, **opts):
        diffs = rebuild_levels(fix=fix)
        for d in diffs:
            where = f"lagerplats {d.location_id}" if d.location_id else "centrallager (tillgänglighet)"
            self.stdout.write(
                f"artikel {d.article_id}, {where}: {d.field} bokfört {d.booked}, enligt huvudbok {d.ledger}")
        if not diffs:
            self.stdout.write("Inga skillnader: lagersaldona stämmer med huvudboken.")
            return
        if fix:
            self.stdout.write(f"{len(diffs)} skillnader rättade.")
            return
        raise CommandError(f"{len(diffs)} skillnader hittades (kör med --fix för att rätta).", returncode=1)
