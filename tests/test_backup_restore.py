"""Backup and restore (core.backup, `manage.py lyfta_backup` / `lyfta_restore`): the database and
the attachments go into one archive with checksums; restored into a fresh database and a fresh
media root (by separate processes, as an operator would), the attachment downloads byte for byte
and a PDF is rendered from the restored data."""
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from conftest import login_verified
from core.backup import BackupError, backup_verify
from ordering.models import OrderAttachment
from ordering.tests.service_fixtures import *  # noqa: F401,F403
from ordering.tests.test_service_pages_api import make_fault, make_wo

ROOT = Path(__file__).resolve().parents[1]
ATTACHMENT = b"%PDF-1.4\n% skiss av rampen\n" + bytes(range(256)) * 40

READ = """
import django, hashlib, json, sys; django.setup()
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from access.models import User
args = json.loads(sys.argv[1])
user = User.objects.get(pk=args["user"])
c = Client()
c.force_login(user)
s = c.session
s[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.get(confirmed=True).persistent_id
s.save()
a = c.get(reverse("ordering:attachment", args=[args["attachment"]]))
body = b"".join(a.streaming_content) if a.status_code == 200 else b""
p = c.get(reverse("ordering:fault_label", args=[args["fault"]]))
print(json.dumps({"attachment": [a.status_code, hashlib.sha256(body).hexdigest()],
                  "pdf": [p.status_code, p.get("Content-Type"), p.content[:5].decode("latin-1")]}))
"""


@pytest.fixture
def media_on_disk(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return settings.MEDIA_ROOT


def _fresh_database_env(tmp_path: Path):
    """Environment for a process on a new, empty database; and a clean-up."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "tests.restore_settings", "LYFTA_MEDIA_ROOT": str(tmp_path / "restored-media")})
    if connection.vendor != "postgresql":
        env["LYFTA_SQLITE_PATH"] = str(tmp_path / "restored.sqlite3")
        return env, lambda: None
    import psycopg

    s = connection.settings_dict
    name = f"{s['NAME']}_restore"
    conninfo = dict(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"] or None,
                    dbname="postgres", autocommit=True)
    with psycopg.connect(**conninfo) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{conninfo['host']}:{conninfo['port']}/{name}"

    def drop():
        with psycopg.connect(**conninfo) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return env, drop


def _run(env, *args):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_fresh_database_and_media_root(svc, tmp_path, media_on_disk, client):
    login_verified(client, svc.prescriber)
    order = make_wo(svc)
    att = OrderAttachment.objects.create(order=order, name="skiss.pdf", content_type="application/pdf",
                                         size=len(ATTACHMENT), file=SimpleUploadedFile("skiss.pdf", ATTACHMENT))
    fault = make_fault(svc)
    assert (media_on_disk / att.file.name).read_bytes() == ATTACHMENT

    call_command("lyfta_backup", str(tmp_path / "backups"))
    archives = list((tmp_path / "backups").glob("lyfta-backup-*.tar"))
    assert len(archives) == 1
    manifest = backup_verify(archives[0])
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["files"][f"media/{att.file.name}"]["size"] == len(ATTACHMENT)
    assert "ordering" in manifest["database"]["migrations"]

    # The original site is gone: restore into a new database and an empty media root.
    shutil.rmtree(media_on_disk)
    env, drop = _fresh_database_env(tmp_path)
    try:
        r = _run(env, "manage.py", "lyfta_restore", str(tmp_path / "backups"))
        assert r.returncode == 0, r.stdout + r.stderr[-3000:]
        assert "1 media files" in r.stdout
        r = _run(env, "-c", READ, json.dumps({"user": svc.prescriber.pk, "attachment": att.pk, "fault": fault.pk}))
        assert r.returncode == 0, r.stderr[-3000:]
        seen = json.loads(r.stdout.strip().splitlines()[-1])
        import hashlib

        assert seen["attachment"] == [200, hashlib.sha256(ATTACHMENT).hexdigest()]
        assert seen["pdf"] == [200, "application/pdf", "%PDF-"]
        # Restoring again onto the now populated database is refused without --replace.
        r = _run(env, "manage.py", "lyfta_restore", str(tmp_path / "backups"))
        assert r.returncode != 0 and "inte tom" in r.stderr
    finally:
        drop()


@pytest.mark.django_db(transaction=True)
def test_a_damaged_archive_is_refused_before_anything_is_written(tmp_path, media_on_disk):
    from django.core.files.storage import default_storage

    default_storage.save("order_attachments/1/a.png", SimpleUploadedFile("a.png", b"\x89PNG" + b"x" * 100))
    call_command("lyfta_backup", str(tmp_path))
    archive = next(tmp_path.glob("lyfta-backup-*.tar"))
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read()
            if m.name.endswith("a.png"):
                data = data[:-1] + b"y"
            import io

            dst.addfile(m, io.BytesIO(data))
    with pytest.raises(BackupError, match="Kontrollsumman"):
        backup_verify(damaged)
    with pytest.raises(CommandError, match="Kontrollsumman"):
        call_command("lyfta_restore", str(damaged), "--replace")
    # and the intact one verifies, but is not restored over a database in use without --replace
    call_command("lyfta_restore", str(archive), "--verify-only")
    with pytest.raises(CommandError, match="inte tom"):
        call_command("lyfta_restore", str(archive))
