"""Settings for `make run`: embedded SQLite, demo data and demo conveniences, served over
plain HTTP on localhost by gunicorn. Never use these in production."""
import secrets

from .base import *  # noqa: F401,F403
from .base import VAR_DIR

LYFTA_DEMO_MODE = True


def _local_secret() -> str:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


import os  # noqa: E402

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _local_secret()
