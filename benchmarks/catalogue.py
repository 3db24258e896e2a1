"""Catalogue benchmark: `python -m benchmarks catalogue [--db sqlite|postgres|URL] [--articles N]`.

1. Recreates a separate benchmark database (SQLite `var/bench/cat.sqlite3` or PostgreSQL
   `lyfta_bench_cat`) and migrates it.
2. Generates N articles (default 60,000) in the exchange format and imports them: wall time,
   peak memory (tracemalloc peak of Python allocations during the import, and the process's
   peak RSS). Then imports the same file again (the update path).
3. Gives 30 % of articles availability (as the stock context would).
4. Search latency p50/p95 for a fixed query set, each query repeated, measured
   (a) through the selector `catalogue.selectors.article_search`,
   (b) through the HTTP API `GET /api/v1/articles` — a real gunicorn on 127.0.0.1 (default) or
       Django's test Client in-process (`--inprocess`),
   (c) as the equivalent raw SQL: the statements the selector issued for that query, captured
       with parameters inlined and replayed on a plain cursor (no ORM, no HTTP).
   Prints the ratios API/raw and selector/raw.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import tracemalloc
import urllib.parse

from ._setup import BASE_DIR, BENCH_DIR, choose_database, machine, setup_django, summary

QUERIES = [
    {"q": "rullstol"},
    {"q": "rulstol"},  # typo
    {"q": "sittdyna"},
    {"q": "elrullstol 45"},
    {"q": "säng"},
    {"q": "100123"},  # exact article number
    {"q": "12 22"},  # ISO code
    {"q": "lyftsele m"},
    {"q": "invacare"},  # supplier
    {"q": "samtalsförstärkare"},
    {"q": "madras 90"},  # typo + number
    {"q": "hörslinga"},
    {"q": "rollator", "available": True},
    {"q": "", "iso": "1236"},
    {"q": "dusch", "kind": "H"},
]


def _selector_kwargs(params: dict) -> dict:
    kw = dict(params)
    q = kw.pop("q", "")
    return {"q": q, **kw}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_gunicorn(port: int) -> subprocess.Popen:
    env = dict(os.environ)
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    proc = subprocess.Popen(
        [gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "1",
         "--worker-class", "gthread", "--keep-alive", "30", "--log-level", "warning"],
        cwd=str(BASE_DIR), env=env, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def _raw_statements(params: dict) -> list[str]:
    """The SQL statements the selector executes for this query (vocabulary look-ups, capped
    count, the rank queries cut to the page, the page's rows), captured with their parameters
    inlined, to be replayed on a plain cursor."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalogue import selectors

    with CaptureQueriesContext(connection) as ctx:
        selectors.article_search(**_selector_kwargs(params))
    return [q["sql"] for q in ctx.captured_queries]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks catalogue")
    parser.add_argument("--db", help="sqlite, postgres or a postgres URL (default: DATABASE_URL or sqlite)")
    parser.add_argument("--articles", type=int, default=60000)
    parser.add_argument("--repeat", type=int, default=20, help="runs per query and method")
    parser.add_argument("--no-reimport", action="store_true", help="skip the re-import under tracemalloc")
    parser.add_argument("--inprocess", action="store_true", help="API via Django's test Client, not gunicorn")
    parser.add_argument("--json", help="write the figures to this file (default var/bench/catalogue-<db>.json)")
    args = parser.parse_args(argv)

    vendor = choose_database(args.db, "cat")
    setup_django()

    from django.db import connection
    from django.test import Client

    from catalogue import generator, services
    from catalogue.models import Article, ArticleAvailability
    from tests import factories as f

    print(f"Catalogue benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — {machine()} — {vendor}")
    path = str(BENCH_DIR / f"catalogue-{args.articles}.jsonl")
    t0 = time.perf_counter()
    lines = generator.write(path, args.articles)
    gen_s = time.perf_counter() - t0
    size_mb = os.path.getsize(path) / 1e6
    print(f"generated {args.articles} articles: {lines} lines, {size_mb:.1f} MB in {gen_s:.1f} s")

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    result = services.catalogue_import(path)
    import_s = time.perf_counter() - t0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"import: {import_s:.1f} s ({args.articles / import_s:.0f} articles/s); process peak RSS "
          f"{rss_after:.0f} MB (before import {rss_before:.0f} MB); counts {result.counts}")
    # Re-import the same file under tracemalloc: the update path, and the peak of Python allocations.
    reimport_s = peak = float("nan")
    if not args.no_reimport:
        tracemalloc.start()
        t0 = time.perf_counter()
        services.catalogue_import(path)
        reimport_s = time.perf_counter() - t0
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"re-import of the same file (nothing changes): {reimport_s:.1f} s under tracemalloc; "
          f"peak Python allocations {peak / 1e6:.1f} MB for a {size_mb:.0f} MB file")

    # Availability as the stock context would write it: 30 % of articles, some refurbished.
    ids = list(Article.objects.values_list("pk", flat=True))
    ArticleAvailability.objects.bulk_create(
        [ArticleAvailability(article_id=pk, qty_new=pk % 5, qty_refurbished=pk % 3) for pk in ids if pk % 10 < 3],
        batch_size=2000)
    with connection.cursor() as cur:
        # What autovacuum does in production after a bulk import (the import updates rows it wrote).
        cur.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")

    org = f.OrganisationFactory(name="Region Bench", kind="region")
    token = "bench-catalogue-token"
    f.api_client(org, token)
    from django.db import connections

    connections.close_all()

    def api_path(params: dict) -> str:
        q = {k: ("true" if v is True else v) for k, v in params.items() if v not in ("", None)}
        return "/api/v1/articles?" + urllib.parse.urlencode(q)

    # (a) selector
    from catalogue import selectors

    timings: dict[str, list[float]] = {"selector": [], "api": [], "raw": []}
    per_query = []
    for params in QUERIES:
        selectors.article_search(**_selector_kwargs(params))  # warm-up
        sel = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            res = selectors.article_search(**_selector_kwargs(params))
            sel.append(time.perf_counter() - t0)
        statements = _raw_statements(params)
        raw = []
        with connection.cursor() as cur:
            for _ in range(args.repeat + 1):
                t0 = time.perf_counter()
                for sql in statements:
                    cur.execute(sql)
                    cur.fetchall()
                raw.append(time.perf_counter() - t0)
        raw = raw[1:]
        timings["selector"] += sel
        timings["raw"] += raw
        per_query.append({"query": params, "hits": res.total, "selector": summary(sel), "raw": summary(raw)})

    # (b) HTTP API
    server = None
    if args.inprocess:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

        def get(p):
            r = client.get(p)
            assert r.status_code == 200, r.content
            return r
        api_mode = "Django test Client (in-process)"
    else:
        port = _free_port()
        server = _start_gunicorn(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def get(p):
            conn.request("GET", p, headers={"Authorization": f"Bearer {token}"})
            r = conn.getresponse()
            body = r.read()
            assert r.status == 200, body[:300]
            return body
        api_mode = "gunicorn (1 gthread worker) on 127.0.0.1, keep-alive"
    try:
        for i, params in enumerate(QUERIES):
            p = api_path(params)
            get(p)
            get(p)  # warm-up
            api = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                get(p)
                api.append(time.perf_counter() - t0)
            timings["api"] += api
            per_query[i]["api"] = summary(api)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)

    load = os.getloadavg()
    print(f"\nsearch latency, {args.repeat} runs per query (ms); API via {api_mode}; "
          f"load average {load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} (1/5/15 min) on {os.cpu_count()} CPUs")
    print(f"{'query':<34}{'hits':>7}{'raw p50':>9}{'p95':>7}{'sel p50':>9}{'p95':>7}{'API p50':>9}{'p95':>7}")
    for row in per_query:
        label = json.dumps(row["query"], ensure_ascii=False)[:33]
        print(f"{label:<34}{row['hits']:>7}{row['raw']['p50']:>9.1f}{row['raw']['p95']:>7.1f}"
              f"{row['selector']['p50']:>9.1f}{row['selector']['p95']:>7.1f}"
              f"{row['api']['p50']:>9.1f}{row['api']['p95']:>7.1f}")
    overall = {k: summary(v) for k, v in timings.items()}
    print(f"\nall queries: raw p50 {overall['raw']['p50']:.1f} / p95 {overall['raw']['p95']:.1f} ms; "
          f"selector p50 {overall['selector']['p50']:.1f} / p95 {overall['selector']['p95']:.1f} ms; "
          f"API p50 {overall['api']['p50']:.1f} / p95 {overall['api']['p95']:.1f} ms")
    ratio_api = overall["api"]["p95"] / overall["raw"]["p95"]
    ratio_sel = overall["selector"]["p95"] / overall["raw"]["p95"]
    print(f"ratios (p95): API/raw {ratio_api:.2f}×, selector/raw {ratio_sel:.2f}×; "
          f"API p50/raw p50 {overall['api']['p50'] / overall['raw']['p50']:.2f}×")
    print(f"target: API p95 < 50 ms → {'met' if overall['api']['p95'] < 50 else 'NOT met'}; "
          f"within 3× of raw → {'met' if ratio_api <= 3 else 'NOT met'}")
    out = args.json or str(BENCH_DIR / f"catalogue-{vendor}.json")
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"date": dt.datetime.now(dt.UTC).isoformat(), "machine": machine(), "vendor": vendor,
                   "articles": args.articles, "file_mb": size_mb, "import_s": import_s, "reimport_s": reimport_s,
                   "import_peak_python_mb": peak / 1e6, "peak_rss_mb": rss_after, "api_mode": api_mode,
                   "load_average": load, "overall": overall, "per_query": per_query}, fh, ensure_ascii=False, indent=1)
    print(f"figures written to {out}")
    return 0
