"""PostgreSQL: one SEQUENCE per order-number prefix (see ordering.numbering), starting after
the counter in core.NumberSequence and after any number already used."""
from django.db import migrations

PREFIXES = ("KO", "AO", "HO", "AV")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    NumberSequence = apps.get_model("core", "NumberSequence")
    with schema_editor.connection.cursor() as cur:
        for prefix in PREFIXES:
            row = NumberSequence.objects.filter(prefix=prefix).first()
            cur.execute("SELECT MAX(SUBSTRING(number FROM 3)::bigint) FROM ordering_order "
                        "WHERE number ~ %s", [f"^{prefix}[0-9]+$"])
            used = cur.fetchone()[0] or 0
            start = max(row.last_value if row else 0, used) + 1
            cur.execute(f"CREATE SEQUENCE IF NOT EXISTS ordering_number_{prefix.lower()} START WITH {int(start)}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for prefix in PREFIXES:
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS ordering_number_{prefix.lower()}")


class Migration(migrations.Migration):
    dependencies = [("ordering", "0002_order_indexes"), ("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
