"""Checks that need a separate process: the health check against an unreachable database,
and `check --deploy` with production settings."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HEALTH_SNIPPET = (
    "import django; django.setup(); from django.test import Client; "
    "r = Client().get('/healthz'); print(r.status_code, r.json()['database'])"
)


def run(code_or_args, env_extra, is_code=True):
    env = {**os.environ, **env_extra}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    args = [sys.executable, "-c", code_or_args] if is_code else [sys.executable, *code_or_args]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_healthz_answers_503_when_database_is_unreachable():
    result = run(HEALTH_SNIPPET, {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
    })
    assert result.stdout.strip() == "503 unreachable", result.stderr[-2000:]


PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "k" * 20 + "Zq9!xT3#vB7@pL1$wR5%yN8^mC2&hF6*jD4(" + "s" * 10,
    "DJANGO_ALLOWED_HOSTS": "lyfta.example.se",
}


def test_check_deploy_is_clean_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PROD_ENV, is_code=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_settings_refuse_to_start_without_secrets(missing):
    env = {**PROD_ENV, missing: ""}
    result = run(["manage.py", "check"], env, is_code=False)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_demo_data():
    result = run(["manage.py", "seed_demo"], {**PROD_ENV, "LYFTA_SQLITE_PATH": ":memory:"}, is_code=False)
    assert result.returncode != 0
    assert "demoinställningar" in result.stderr
