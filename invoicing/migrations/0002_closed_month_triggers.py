"""On PostgreSQL the database itself keeps a closed month's invoice basis frozen: no UPDATE or
DELETE of its lines, no INSERT into it, and a closed month cannot be reopened or deleted (like
the audit log's append-only triggers). TRUNCATE (test teardown, a DBA) is not covered."""
from django.db import migrations

LINE_FUNCTION = """
CREATE OR REPLACE FUNCTION lyfta_invoice_line_frozen() RETURNS trigger AS $$
DECLARE
    closed boolean;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT status = 'closed' INTO closed FROM invoicing_invoicemonth WHERE id = OLD.month_id;
        IF closed THEN
            RAISE EXCEPTION 'invoice lines of a closed month are frozen (% on %)', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT status = 'closed' INTO closed FROM invoicing_invoicemonth WHERE id = NEW.month_id;
        IF closed THEN
            RAISE EXCEPTION 'invoice lines of a closed month are frozen (% on %)', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
"""

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
    schema_editor.execute(LINE_FUNCTION, params=None)
    schema_editor.execute(MONTH_FUNCTION, params=None)
    schema_editor.execute(
        "CREATE TRIGGER invoicing_invoiceline_frozen BEFORE INSERT OR UPDATE OR DELETE ON invoicing_invoiceline "
        "FOR EACH ROW EXECUTE FUNCTION lyfta_invoice_line_frozen();")
    schema_editor.execute(
        "CREATE TRIGGER invoicing_invoicemonth_frozen BEFORE UPDATE OR DELETE ON invoicing_invoicemonth "
        "FOR EACH ROW EXECUTE FUNCTION lyfta_invoice_month_frozen();")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS invoicing_invoiceline_frozen ON invoicing_invoiceline;")
    schema_editor.execute("DROP TRIGGER IF EXISTS invoicing_invoicemonth_frozen ON invoicing_invoicemonth;")
    schema_editor.execute("DROP FUNCTION IF EXISTS lyfta_invoice_line_frozen();")
    schema_editor.execute("DROP FUNCTION IF EXISTS lyfta_invoice_month_frozen();")


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
