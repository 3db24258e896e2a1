
"""`Article.is_listed` (published, and its product published) so search filters on one column;
PostgreSQL: keep long values (search_text, search_vector) out of the heap rows, so the rows a
search has to visit stay small."""
from django.db import migrations, models

from catalogue.search_sql import sqlite_restore_article_triggers


def backfill(apps, schema_editor):
    Article = apps.get_model("catalogue", "Article")
    Article.objects.filter(models.Q(is_published=False) | models.Q(product__is_published=False)).update(
        is_listed=False)


def pg_storage(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE catalogue_article SET (toast_tuple_target = 128)")


def pg_storage_back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE catalogue_article RESET (toast_tuple_target)")


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0006_search_vector_column'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='is_listed',
            field=models.BooleanField(default=True, editable=False),
        ),
        migrations.RunPython(sqlite_restore_article_triggers, migrations.RunPython.noop),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(pg_storage, pg_storage_back),
    ]
