"""Settings for the test suite (SQLite by default, PostgreSQL when DATABASE_URL is set)."""
import os

from .base import *  # noqa: F401,F403

LYFTA_DEMO_MODE = True
SECRET_KEY = "test-only-not-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In-memory e-mail; a worker started as a separate process by a test writes files instead
# (tests/mail_backends.py) so the test can count what was sent.
EMAIL_BACKEND = os.environ.get("LYFTA_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run at once in tests so their effects can be asserted; the real worker is
# exercised by tests that enqueue on the database backend explicitly.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
ALLOWED_HOSTS = ["*"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405  (whitenoise warns when missing)
# Query-count assertions must not depend on whether a minute boundary passed between two
# requests: the idle window is renewed only when a test forces it (access tests do).
LYFTA_SESSION_RENEW_SECONDS = 10**9
