"""PostgreSQL: a stored tsvector column kept by a trigger and GIN-indexed, so a row can be
checked against a query without recomputing to_tsvector (the planner may walk another index)."""
import django.contrib.postgres.search
from django.db import migrations


PG_FORWARD = [
    "DROP INDEX IF EXISTS catalogue_article_search_vector",
    """CREATE TRIGGER catalogue_article_search_vector_tg BEFORE INSERT OR UPDATE OF search_text
       ON catalogue_article FOR EACH ROW
       EXECUTE FUNCTION tsvector_update_trigger(search_vector, 'pg_catalog.simple', search_text)""",
    "UPDATE catalogue_article SET search_vector = to_tsvector('simple'::regconfig, COALESCE(search_text, ''))",
    "CREATE INDEX IF NOT EXISTS catalogue_article_search_vector_gin ON catalogue_article USING gin (search_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS catalogue_article_search_vector_gin",
    "DROP TRIGGER IF EXISTS catalogue_article_search_vector_tg ON catalogue_article",
    "CREATE INDEX IF NOT EXISTS catalogue_article_search_vector ON catalogue_article "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)
    return run



class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0005_reindex_iso_tokens'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='search_vector',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD)),
    ]
