"""Test settings with attachments on disk (LYFTA_MEDIA_ROOT), for the restore test's separate
process (tests/test_backup_restore.py)."""
from config.settings.test import *  # noqa: F401,F403

STORAGES = {**STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}  # noqa: F405
