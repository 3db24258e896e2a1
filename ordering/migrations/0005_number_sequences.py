"""Create the number sequences of every order prefix up front (PostgreSQL), continuing after
the counters: creating one lazily inside the first order's transaction would leave concurrent
first orders unable to see it until that transaction commits."""
from django.db import migrations

PREFIXES = ["KO", "AO", "HO", "AV", "RK"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from core.numbering import sequence_name

    counter = apps.get_model("core", "NumberSequence")
    for prefix in PREFIXES:
        last = counter.objects.filter(prefix=prefix).values_list("last_value", flat=True).first() or 0
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence_name(prefix)} START WITH {int(last) + 1}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from core.numbering import sequence_name

    for prefix in PREFIXES:
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {sequence_name(prefix)}")


class Migration(migrations.Migration):
    dependencies = [("ordering", "0004_service_orders"), ("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
