"""PostgreSQL: index exactly the expression Django's SearchVector produces
(`to_tsvector('simple', COALESCE(search_text, ''))`) so the planner can use it."""
from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS catalogue_article_search_fts",
    "CREATE INDEX IF NOT EXISTS catalogue_article_search_vector ON catalogue_article "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS catalogue_article_search_vector",
    "CREATE INDEX IF NOT EXISTS catalogue_article_search_fts ON catalogue_article "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0003_price_replaced_at")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
