#!/usr/bin/env bash
# Regenerate the English catalogue from the Swedish msgids, fill known translations, compile.
# Needs GNU gettext (apt-get install gettext); the compiled .mo is committed so a fresh
# machine without gettext still gets English.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings.test
.venv/bin/python manage.py makemessages -l en --no-obsolete \
  --ignore ".venv/*" --ignore "var/*" --ignore "benchmarks/*" --ignore "tests/*"
.venv/bin/python scripts/translate_en.py
.venv/bin/python manage.py compilemessages -l en --ignore ".venv/*"
