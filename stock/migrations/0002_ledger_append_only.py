"""On PostgreSQL the database refuses UPDATE and DELETE on the stock ledger, so the ledger
stays the truth even against raw SQL. (TRUNCATE, used by test teardown, is not covered.)"""
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION lyfta_stock_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stock ledger rows are append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    schema_editor.execute(
        "CREATE TRIGGER stock_stockmovement_append_only BEFORE UPDATE OR DELETE ON stock_stockmovement "
        "FOR EACH ROW EXECUTE FUNCTION lyfta_stock_ledger_append_only();"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS stock_stockmovement_append_only ON stock_stockmovement;")
    schema_editor.execute("DROP FUNCTION IF EXISTS lyfta_stock_ledger_append_only();")


class Migration(migrations.Migration):
    dependencies = [("stock", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
