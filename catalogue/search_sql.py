"""SQLite search triggers, shared by migrations.

On SQLite, Django rebuilds a table for many schema changes (create new, copy, drop, rename),
which drops its triggers. Any migration that alters `catalogue_article` on SQLite must end
with `RunPython(sqlite_restore_article_triggers, noop)`.
"""

SQLITE_ARTICLE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS catalogue_article_fts_ai AFTER INSERT ON catalogue_article BEGIN
        INSERT INTO catalogue_article_fts(rowid, search_text) VALUES (new.id, new.search_text); END""",
    """CREATE TRIGGER IF NOT EXISTS catalogue_article_fts_ad AFTER DELETE ON catalogue_article BEGIN
        INSERT INTO catalogue_article_fts(catalogue_article_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text); END""",
    """CREATE TRIGGER IF NOT EXISTS catalogue_article_fts_au AFTER UPDATE OF search_text ON catalogue_article BEGIN
        INSERT INTO catalogue_article_fts(catalogue_article_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO catalogue_article_fts(rowid, search_text) VALUES (new.id, new.search_text); END""",
]


def sqlite_restore_article_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in SQLITE_ARTICLE_TRIGGERS:
        schema_editor.execute(sql)
    schema_editor.execute("INSERT INTO catalogue_article_fts(catalogue_article_fts) VALUES ('rebuild')")
