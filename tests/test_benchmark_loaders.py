"""The raw-SQL benchmark loaders keep up with the schema: every NOT NULL column without a
database default of a table they insert into is in their column list (a new such column breaks
`python -m benchmarks service|fhir|ordering` at the first INSERT, long after a merge)."""
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

LOADERS = ["benchmarks/service.py", "benchmarks/ordering.py"]


@pytest.mark.postgres_only
@pytest.mark.django_db
@pytest.mark.parametrize("loader", LOADERS)
def test_raw_sql_loaders_name_every_required_column(loader):
    src = (Path(settings.BASE_DIR) / loader).read_text(encoding="utf-8")
    src = re.sub(r'"\s*\n\s*"', "", src)  # Python's adjacent string literals, joined
    inserts = re.findall(r"INSERT INTO (\w+) \(([^)]*)\)", src)
    assert inserts, loader
    missing = {}
    with connection.cursor() as cur:
        for table, cols in inserts:
            cur.execute("""SELECT column_name FROM information_schema.columns WHERE table_name = %s
                           AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'""", [table])
            need = {r[0] for r in cur.fetchall()} - {c.strip() for c in cols.split(",")}
            if need:
                missing[table] = sorted(need)
    assert missing == {}, f"{loader}: add these columns to its INSERTs: {missing}"
