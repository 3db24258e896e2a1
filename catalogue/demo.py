"""Demo catalogue: about 600 articles across mobility, beds, lifts, hygiene, hearing, vision and
communication, generated in memory and loaded through the same import service as a real file.
Idempotent: a second load changes nothing (the import is an upsert and keeps prices)."""
import json
import os
import tempfile

from . import generator, services

DEMO_ARTICLES = 600


def load():
    fd, path = tempfile.mkstemp(prefix="lyfta-demo-catalogue-", suffix=".jsonl")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for rec in generator.records(DEMO_ARTICLES, seed=2026):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        result = services.catalogue_import(path, actor=None, source="demo")
    finally:
        os.unlink(path)
    articles = result.counts.get("article", {})
    return f"{articles.get('created', 0)} artiklar skapade, {articles.get('updated', 0)} uppdaterade"
