"""Backup and restore of everything Lyfta keeps: the database and the media files (work-order
attachments) together, in one archive with a manifest of SHA-256 checksums (docs/operations.md).

Archive (`lyfta-backup-<UTC time>.tar`, uncompressed: the PostgreSQL dump is compressed already,
attachments are PDF/PNG/JPEG):

- `database.sqlite3`: a consistent copy made with SQLite's online backup API (writers may go on), or
  `database.pgdump`: `pg_dump --format=custom` (one consistent snapshot; restored with `pg_restore`);
- `media/<name>`: every file of the default storage, read through the storage API;
- `manifest.json` (last): format, time, database vendor, the latest applied migration per app,
  and size and SHA-256 of every other member. Restore checks all of them before it writes anything.

The database is dumped first, the files copied after it: an attachment's file is stored before its
row is committed, so every file the dumped database refers to is in the archive (a file uploaded
during the backup may be in it without its row; harmless)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

FORMAT = "lyfta-backup/1"
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


class BackupError(Exception):
    pass


@dataclass
class BackupResult:
    path: Path
    manifest: dict


# --------------------------------------------------------------------------- helpers


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


class _HashingReader(io.RawIOBase):
    def __init__(self, fh):
        self._fh = fh
        self.sha = hashlib.sha256()
        self.size = 0

    def readable(self):
        return True

    def read(self, n=-1):
        data = self._fh.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data


def _pg_env_and_args() -> tuple[dict, list[str]]:
    s = connection.settings_dict
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    args = []
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    return env, args


def _run(cmd: list[str], env: dict) -> None:
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise BackupError(f"{cmd[0]} saknas: installera PostgreSQL-klientverktygen ({exc}).") from exc
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} misslyckades ({done.returncode}): {done.stderr.strip()[-2000:]}")


def _applied_migrations() -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).migration_qs.order_by("app", "name").values_list("app", "name"):
        latest[app] = name
    return latest


def _walk_storage(storage, top: str = ""):
    dirs, files = storage.listdir(top)
    for name in sorted(files):
        yield f"{top}/{name}" if top else name
    for d in sorted(dirs):
        yield from _walk_storage(storage, f"{top}/{d}" if top else d)


def _media_exists(storage) -> bool:
    try:
        return any(True for _ in _walk_storage(storage))
    except FileNotFoundError:
        return False


# --------------------------------------------------------------------------- backup


def _dump_database(target: Path) -> str:
    if connection.in_atomic_block:
        raise BackupError("lyfta_backup must run outside a transaction (it copies committed data only).")
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        dst = sqlite3.connect(target)
        try:
            connection.connection.backup(dst)
        finally:
            dst.close()
        return "database.sqlite3"
    if connection.vendor == "postgresql":
        env, args = _pg_env_and_args()
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args, "--file", str(target),
              str(connection.settings_dict["NAME"])], env)
        return "database.pgdump"
    raise BackupError(f"Databasen {connection.vendor} stöds inte av lyfta_backup.")


def backup_create(directory: Path, *, storage=None) -> BackupResult:
    storage = storage or default_storage
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().astimezone(dt.UTC)
    final = directory / f"lyfta-backup-{stamp:%Y%m%dT%H%M%S}Z.tar"
    partial = final.with_suffix(".tar.partial")
    files: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(dir=directory, prefix=".lyfta-backup-") as tmp:
        db_path = Path(tmp) / "database"
        db_member = _dump_database(db_path)
        migrations = _applied_migrations()
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(db_path, arcname=db_member, recursive=False)
            files[db_member] = {"size": db_path.stat().st_size, "sha256": _sha256_file(db_path)}
            media_bytes = 0
            for name in (_walk_storage(storage) if _media_exists(storage) else []):
                info = tarfile.TarInfo(f"media/{name}")
                info.size = storage.size(name)
                info.mtime = int(stamp.timestamp())
                with storage.open(name, "rb") as fh:
                    reader = _HashingReader(fh)
                    tar.addfile(info, reader)
                if reader.size != info.size:
                    raise BackupError(f"{name} ändrades under säkerhetskopieringen; kör om.")
                files[f"media/{name}"] = {"size": reader.size, "sha256": reader.sha.hexdigest()}
                media_bytes += reader.size
            manifest = {
                "format": FORMAT, "created_at": stamp.isoformat(),
                "database": {"vendor": connection.vendor, "member": db_member, "migrations": migrations},
                "media": {"files": sum(1 for k in files if k.startswith("media/")), "bytes": media_bytes},
                "files": files,
            }
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(stamp.timestamp())
            tar.addfile(info, io.BytesIO(data))
        with open(partial, "rb+") as fh:
            os.fsync(fh.fileno())
        partial.rename(final)
    return BackupResult(final, manifest)


# --------------------------------------------------------------------------- restore


def archive_in(path: Path) -> Path:
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob("lyfta-backup-*.tar"))
        if not found:
            raise BackupError(f"Ingen säkerhetskopia (lyfta-backup-*.tar) i {path}.")
        return found[-1]
    return path


def backup_verify(archive: Path) -> dict:
    """Check the manifest and every member's size and checksum; returns the manifest."""
    with tarfile.open(archive, "r") as tar:
        try:
            manifest = json.load(tar.extractfile(MANIFEST))
        except KeyError as exc:
            raise BackupError(f"{archive} saknar {MANIFEST}.") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Okänt format {manifest.get('format')!r} (väntade {FORMAT}).")
        members = {m.name: m for m in tar.getmembers() if m.name != MANIFEST}
        if set(members) != set(manifest["files"]):
            raise BackupError("Arkivets innehåll stämmer inte med manifestet.")
        for name, expected in manifest["files"].items():
            member = members[name]
            pure = PurePosixPath(name)
            if not member.isfile() or pure.is_absolute() or ".." in pure.parts:
                raise BackupError(f"Otillåten post i arkivet: {name}")
            h = hashlib.sha256()
            fh = tar.extractfile(member)
            for chunk in iter(lambda fh=fh: fh.read(CHUNK), b""):
                h.update(chunk)
            if member.size != expected["size"] or h.hexdigest() != expected["sha256"]:
                raise BackupError(f"Kontrollsumman stämmer inte för {name}: arkivet är skadat.")
    return manifest


def _database_has_tables() -> bool:
    return bool(connection.introspection.table_names())


def _restore_database(tar: tarfile.TarFile, manifest: dict, tmp: Path, *, replace: bool) -> None:
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(f"Säkerhetskopian är från {vendor}; den här installationen kör {connection.vendor}.")
    member = manifest["database"]["member"]
    path = tmp / member
    with tar.extractfile(member) as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst, CHUNK)
    if vendor == "sqlite":
        connection.close()
        target = str(connection.settings_dict["NAME"])
        src = sqlite3.connect(path)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # replaces the whole target database, in one step
        finally:
            src.close()
            dst.close()
        return
    env, args = _pg_env_and_args()
    connection.close()
    cmd = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *args,
           "--dbname", str(connection.settings_dict["NAME"])]
    if replace:
        cmd += ["--clean", "--if-exists"]
    _run([*cmd, str(path)], env)


def _restore_media(tar: tarfile.TarFile, manifest: dict, storage, *, replace: bool) -> int:
    count = 0
    for name in manifest["files"]:
        if not name.startswith("media/"):
            continue
        target = name[len("media/"):]
        if storage.exists(target):
            if not replace:
                raise BackupError(f"Filen {target} finns redan i mediakatalogen.")
            storage.delete(target)
        with tar.extractfile(name) as fh:
            saved = storage.save(target, File(fh, name=PurePosixPath(target).name))
        if saved != target:
            raise BackupError(f"Filen {target} sparades som {saved}.")
        count += 1
    return count


def backup_restore(path: Path, *, storage=None, replace: bool = False) -> dict:
    """Restore database and media from an archive (or the newest archive in a directory). Refuses
    a database that has tables, or media that exist, unless `replace`. Returns the manifest."""
    storage = storage or default_storage
    archive = archive_in(path)
    manifest = backup_verify(archive)
    if not replace:
        if _database_has_tables():
            raise BackupError("Databasen är inte tom. Återställ till en ny databas, eller ange --replace.")
        if _media_exists(storage):
            raise BackupError("Mediakatalogen är inte tom. Återställ till en ny katalog, eller ange --replace.")
    with tarfile.open(archive, "r") as tar, tempfile.TemporaryDirectory(prefix="lyfta-restore-") as tmp:
        _restore_database(tar, manifest, Path(tmp), replace=replace)
        manifest["restored_media_files"] = _restore_media(tar, manifest, storage, replace=replace)
    return manifest
