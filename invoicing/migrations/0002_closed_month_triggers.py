"""On PostgreSQL the database itself keeps a closed month's invoice basis frozen: no UPDATE or
DELETE of its lines, no INSERT into it, and a closed month cannot be reopened or deleted (like
the audit log's append-only triggers). TRUNCATE (test teardown, a DBA) is not covered."""
from django.db import migrations

# Statement-level triggers with transition tables: one check per statement, not per row, so
# replacing an open month's hundreds of thousands of lines stays cheap.
CHECK = """EXISTS (SELECT 1 FROM {table} r JOIN invoicing_invoicemonth m ON m.id = r.month_id
                    WHERE m.status = 'closed')"""


def _line_function(name: str, tables: list[str]) -> str:
    condition = " OR ".join(CHECK.format(table=t) for t in tables)
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
    IF {condition} THEN
        RAISE EXCEPTION 'invoice lines of a closed month are frozen (% on %)', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


# (trigger, function, event, transition tables): PL/pgSQL needs one function per set of tables.
LINE_TRIGGERS = [
    ("invoicing_invoiceline_frozen_ins", "lyfta_invoice_lines_frozen_ins", "AFTER INSERT",
     "REFERENCING NEW TABLE AS new_rows", ["new_rows"]),
    ("invoicing_invoiceline_frozen_upd", "lyfta_invoice_lines_frozen_upd", "AFTER UPDATE",
     "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", ["old_rows", "new_rows"]),
    ("invoicing_invoiceline_frozen_del", "lyfta_invoice_lines_frozen_del", "AFTER DELETE",
     "REFERENCING OLD TABLE AS old_rows", ["old_rows"]),
]

MONTH_FUNCTION = """
CREATE OR REPLACE FUNCTION lyfta_invoice_month_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'closed' AND (TG_OP = 'DELETE' OR NEW.status <> 'closed' OR NEW.month <> OLD.month) THEN
        RAISE EXCEPTION 'a closed invoice month cannot be reopened or removed (% on %)', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(MONTH_FUNCTION, params=None)
    for name, function, event, referencing, tables in LINE_TRIGGERS:
        schema_editor.execute(_line_function(function, tables), params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {name} {event} ON invoicing_invoiceline {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();")
    schema_editor.execute(
        "CREATE TRIGGER invoicing_invoicemonth_frozen BEFORE UPDATE OR DELETE ON invoicing_invoicemonth "
        "FOR EACH ROW EXECUTE FUNCTION lyfta_invoice_month_frozen();")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, function, _, _, _ in LINE_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON invoicing_invoiceline;")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}();")
    schema_editor.execute("DROP TRIGGER IF EXISTS invoicing_invoicemonth_frozen ON invoicing_invoicemonth;")
    schema_editor.execute("DROP FUNCTION IF EXISTS lyfta_invoice_month_frozen();")


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
