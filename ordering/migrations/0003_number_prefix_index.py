"""Kept as a no-op so later migrations (service orders' 0004) keep their dependency.

It first created an extra `varchar_pattern_ops` index on the order number; Django already
creates one for a unique CharField on PostgreSQL (`…_number_…_like`), and order-number prefix
search now uses a range on the unique index (ordering.selectors.order_search). Order-number
sequences are created on first use (core.numbering)."""
from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ord_number_pattern_idx")


class Migration(migrations.Migration):
    dependencies = [("ordering", "0002_order_indexes")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
