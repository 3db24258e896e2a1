"""PostgreSQL: an index for prefix search on order numbers (LIKE 'KO00012%'), which the
unique index cannot serve under a non-C collation. SQLite needs nothing."""
from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS ord_number_pattern_idx ON ordering_order (number varchar_pattern_ops)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS ord_number_pattern_idx")


class Migration(migrations.Migration):
    dependencies = [("ordering", "0002_order_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]
