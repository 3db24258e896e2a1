"""PostgreSQL: the search lists hits by `name_norm COLLATE "C"` (bytewise, like SQLite), so a
name prefix is an index range; index exactly that expression."""
from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('CREATE INDEX IF NOT EXISTS catalogue_article_name_c ON catalogue_article '
                              '((name_norm COLLATE "C"), article_number)')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalogue_article_name_c")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0008_article_name_order_index")]
    operations = [migrations.RunPython(forwards, backwards)]
