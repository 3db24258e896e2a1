from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, archive_in, backup_restore, backup_verify


class Command(BaseCommand):
    help = ("Restore the database and media files from a lyfta_backup archive (or the newest one in a "
            "directory). Checks every checksum first; refuses a non-empty database or media root unless "
            "--replace. Run `manage.py migrate` afterwards if the code is newer than the backup.")

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="archive file, or a directory of archives (newest is used)")
        parser.add_argument("--replace", action="store_true",
                            help="overwrite an existing database and existing media files")
        parser.add_argument("--verify-only", action="store_true", help="check the archive, restore nothing")

    def handle(self, *args, archive: Path, replace=False, verify_only=False, **opts):
        try:
            if verify_only:
                path = archive_in(archive)
                m = backup_verify(path)
                self.stdout.write(f"{path}: ok ({len(m['files'])} members, from {m['created_at']})")
                return
            m = backup_restore(archive, replace=replace)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored: database ({m['database']['vendor']}, from {m['created_at']}), "
                          f"{m['restored_media_files']} media files")
