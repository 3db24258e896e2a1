"""At-least-once background work with once-only e-mail: a real `manage.py db_worker` process is
killed with SIGKILL in the middle of `send_message_emails` (after the first notice was handed
off, while the second is being handed off); the task stays RUNNING until the lease reclaim puts
it back in the queue, and a second worker completes it: every notice is sent exactly once."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from ordering.models import Message
from ordering.tasks import send_message_emails
from tests import factories as f

ROOT = Path(__file__).resolve().parents[1]

STATE = (
    "import django, json; django.setup()\n"
    "from django_tasks_db.models import DBTaskResult\n"
    "from ordering.models import Message\n"
    "rows = list(DBTaskResult.objects.values('status', 'worker_ids', 'return_value'))\n"
    "msgs = {m.subject: ('sent' if m.emailed_at else 'claimed' if m.email_claimed_at else None)"
    " for m in Message.objects.all()}\n"
    "print(json.dumps({'tasks': rows, 'messages': msgs}))\n"
)


def _database_env(tmp_path: Path) -> dict:
    """The worker processes must see this test's (committed) data: on PostgreSQL the test database
    itself; on SQLite (an in-memory test database) a file copy made with SQLite's backup API."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        env["DATABASE_URL"] = (f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:"
                               f"{s['PORT'] or 5432}/{s['NAME']}")
    else:
        path = tmp_path / "worker.sqlite3"
        connection.ensure_connection()
        dst = sqlite3.connect(path)
        connection.connection.backup(dst)
        dst.close()
        env["LYFTA_SQLITE_PATH"] = str(path)
    return env


def _manage(env, *args, timeout=120):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _state(env) -> dict:
    r = subprocess.run([sys.executable, "-c", STATE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_killed_worker_task_is_reclaimed_and_every_notice_is_sent_once(tmp_path):
    user = f.UserFactory(email="anna@example.se")
    subjects = ["Order B-1 bekräftad", "Order B-2 försenad", "Order B-3 levererad"]
    ids = [Message.objects.create(recipient=user, kind="info", subject=s, text="…").pk for s in subjects]
    send_message_emails.using(backend="db").enqueue(ids)

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = _database_env(tmp_path)
    env.update({"LYFTA_TEST_EMAIL_BACKEND": "tests.mail_backends.CountingFileBackend",
                "LYFTA_TEST_MAIL_DIR": str(mail_dir), "LYFTA_EMAIL_CLAIM_SECONDS": "1"})

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--backend", "db", "--queue-name", "*", "--no-startup-delay",
         "--interval", "0.2", "--worker-id", "doomed"],
        cwd=ROOT, env={**env, "LYFTA_TEST_MAIL_HANG_ON": "B-2"}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while not (mail_dir / "hanging").exists():
            assert worker.poll() is None, worker.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the worker never reached the hand-off"
            time.sleep(0.1)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    (mail_dir / "hanging").unlink()
    assert worker.returncode == -signal.SIGKILL

    state = _state(env)
    assert [t["status"] for t in state["tasks"]] == ["RUNNING"]  # nothing reclaims it by itself
    assert state["messages"] == {"Order B-1 bekräftad": "sent", "Order B-2 försenad": "claimed",
                                 "Order B-3 levererad": None}
    assert len(list(mail_dir.iterdir())) == 1

    # Within the lease the task is left alone (its worker may still be alive).
    r = _manage(env, "reclaim_tasks")
    assert r.returncode == 0 and "retried: 0" in r.stdout, r.stdout + r.stderr
    time.sleep(1.2)  # the dead attempt's claim on B-2 expires (LYFTA_EMAIL_CLAIM_SECONDS=1)
    r = _manage(env, "reclaim_tasks", "--lease-seconds", "0")
    assert r.returncode == 0 and "retried: 1" in r.stdout, r.stdout + r.stderr

    r = _manage(env, "db_worker", "--backend", "db", "--queue-name", "*", "--no-startup-delay", "--batch",
                "--worker-id", "survivor")
    assert r.returncode == 0, r.stderr[-3000:]

    state = _state(env)
    assert len(state["tasks"]) == 1
    task = state["tasks"][0]
    assert task["status"] == "SUCCESSFUL" and task["worker_ids"] == ["doomed", "survivor"]
    assert task["return_value"] == 2  # B-2 and B-3; B-1 was not sent again
    assert set(state["messages"].values()) == {"sent"}
    sent = sorted(p.name.split("--")[1] for p in mail_dir.iterdir())
    assert sent == sorted(f"Lyfta:_{s.replace(' ', '_')}" for s in subjects)  # each exactly once
