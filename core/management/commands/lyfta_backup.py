from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = ("Back up the database and the media files (attachments) together into one archive "
            "<directory>/lyfta-backup-<UTC time>.tar with a manifest of checksums (docs/operations.md).")

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **opts):
        try:
            result = backup_create(directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        m = result.manifest
        self.stdout.write(f"{result.path} ({m['database']['vendor']}, {m['media']['files']} media files, "
                          f"{m['media']['bytes']} bytes)")
