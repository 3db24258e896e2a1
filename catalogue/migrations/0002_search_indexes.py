"""Search indexes, per database vendor.

SQLite: FTS5 tables (external content) kept in step with `catalogue_article.search_text` and
`catalogue_searchterm.word` by triggers. PostgreSQL: the pg_trgm extension, a GIN index on
`to_tsvector('simple', search_text)` and a GIN trigram index on the vocabulary.
"""
from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE catalogue_article_fts USING fts5(
        search_text, content='catalogue_article', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER catalogue_article_fts_ai AFTER INSERT ON catalogue_article BEGIN
        INSERT INTO catalogue_article_fts(rowid, search_text) VALUES (new.id, new.search_text); END""",
    """CREATE TRIGGER catalogue_article_fts_ad AFTER DELETE ON catalogue_article BEGIN
        INSERT INTO catalogue_article_fts(catalogue_article_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text); END""",
    """CREATE TRIGGER catalogue_article_fts_au AFTER UPDATE OF search_text ON catalogue_article BEGIN
        INSERT INTO catalogue_article_fts(catalogue_article_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO catalogue_article_fts(rowid, search_text) VALUES (new.id, new.search_text); END""",
    """CREATE VIRTUAL TABLE catalogue_searchterm_fts USING fts5(
        word, content='catalogue_searchterm', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER catalogue_searchterm_fts_ai AFTER INSERT ON catalogue_searchterm BEGIN
        INSERT INTO catalogue_searchterm_fts(rowid, word) VALUES (new.id, new.word); END""",
    """CREATE TRIGGER catalogue_searchterm_fts_ad AFTER DELETE ON catalogue_searchterm BEGIN
        INSERT INTO catalogue_searchterm_fts(catalogue_searchterm_fts, rowid, word)
        VALUES ('delete', old.id, old.word); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalogue_searchterm_fts_ad",
    "DROP TRIGGER IF EXISTS catalogue_searchterm_fts_ai",
    "DROP TABLE IF EXISTS catalogue_searchterm_fts",
    "DROP TRIGGER IF EXISTS catalogue_article_fts_au",
    "DROP TRIGGER IF EXISTS catalogue_article_fts_ad",
    "DROP TRIGGER IF EXISTS catalogue_article_fts_ai",
    "DROP TABLE IF EXISTS catalogue_article_fts",
]
PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS catalogue_article_search_fts ON catalogue_article "
    "USING gin (to_tsvector('simple'::regconfig, search_text))",
    "CREATE INDEX IF NOT EXISTS catalogue_searchterm_word_trgm ON catalogue_searchterm USING gin (word gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS catalogue_article_name_norm_like ON catalogue_article "
    "(name_norm text_pattern_ops)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS catalogue_article_name_norm_like",
    "DROP INDEX IF EXISTS catalogue_searchterm_word_trgm",
    "DROP INDEX IF EXISTS catalogue_article_search_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
        ),
    ]
