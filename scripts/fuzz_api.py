#!/usr/bin/env python3
"""Fuzz Lyfta's JSON API with schemathesis against a real server on this machine.

Starts gunicorn (demo settings) on 127.0.0.1 over a throwaway database loaded with the demo
data, then runs `schemathesis run` against `/api/v1/openapi.json` once per demo bearer token
(the region's and the supply centre's), with the checks `not_a_server_error` and
`response_schema_conformance`, bounded in time. Prints a summary per operation and the
exceptions the server logged, and exits non-zero on any failure.

    .venv/bin/python scripts/fuzz_api.py [--max-time 300] [--max-examples 50] [--seed N]
    make fuzz FUZZ_ARGS="--max-time 60"

Database: SQLite in a temporary directory by default. With DATABASE_URL set (PostgreSQL), the
server runs on a database named after it with a `_fuzz` suffix, dropped and created fresh first
(and dropped afterwards unless --keep): the database in DATABASE_URL itself is never touched.
Reports (schemathesis' JSON/JUnit reports, the server log) go to --report-dir.

Not collected by pytest (not a test_*.py file); CI runs it after the PostgreSQL suite (.ci/run; LYFTA_FUZZ=0 skips it).
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHECKS = "not_a_server_error,response_schema_conformance"


def log(msg: str) -> None:
    print(f"fuzz: {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fuzz_database_url(url: str) -> tuple[str, str, str]:
    """(url of the throwaway database, its name, url of the maintenance database) for DATABASE_URL."""
    import dj_database_url

    cfg = dj_database_url.parse(url)
    if not cfg["ENGINE"].endswith("postgresql"):
        raise SystemExit(f"fuzz: DATABASE_URL must be PostgreSQL (or unset for SQLite), not {cfg['ENGINE']}")
    name = f"{cfg['NAME']}_fuzz"
    base, _, query = url.partition("?")
    head = base.rsplit("/", 1)[0]
    suffix = f"?{query}" if query else ""
    return f"{head}/{name}{suffix}", name, f"{head}/postgres{suffix}"


def recreate_database(maintenance_url: str, name: str, create: bool = True) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def demo_tokens(env: dict) -> list[tuple[str, str]]:
    """(name, token) of the demo API clients, as integration.demo creates them."""
    code = ("import django, json; django.setup(); from integration.demo import DEMO_CLIENTS; "
            "print(json.dumps([[n, t] for n, t, _ in DEMO_CLIENTS]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return [tuple(pair) for pair in json.loads(out.strip().splitlines()[-1])]


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"fuzz: the server exited with {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"fuzz: no answer from {url} within {timeout:.0f} s")


@contextlib.contextmanager
def server(env: dict, port: int, log_path: Path):
    with open(log_path, "w") as out:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--threads", "4", "--worker-class", "gthread", "--timeout", "60",
             "--access-logfile", "-"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz", proc)
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def schemathesis(port: int, name: str, token: str, args, report_dir: Path, budget: int) -> int:
    cmd = [
        str(BIN / "schemathesis"), "run", f"http://127.0.0.1:{port}/api/v1/openapi.json",
        "--checks", CHECKS,
        "--header", f"Authorization: Bearer {token}",
        "--max-time", str(budget),
        "--max-examples", str(args.max_examples),
        "--workers", str(args.workers),
        "--request-timeout", "30",
        "--generation-database", "none",
        "--continue-on-failure",
        "--no-color",
        "--report", "json,junit",
        "--report-dir", str(report_dir),
        "--report-json-path", str(report_dir / f"{name}.json"),
        "--report-junit-path", str(report_dir / f"{name}.junit.xml"),
    ]
    if args.seed is not None:
        cmd += ["--seed", str(args.seed)]
    cmd += args.schemathesis_args
    log(f"schemathesis as {name} (max {budget} s, {args.max_examples} examples per operation)")
    with open(report_dir / f"{name}.log", "w") as out:
        proc = subprocess.run(cmd, cwd=report_dir, stdout=out, stderr=subprocess.STDOUT)
    # Schemathesis' own closing lines stay in its log: CI reads pytest-like closing lines.
    tail = (report_dir / f"{name}.log").read_text().rstrip().splitlines()[-12:]
    print("\n".join("    " + line for line in tail if line.strip() and not line.startswith("=")), flush=True)
    return proc.returncode


def summarise_report(path: Path) -> tuple[list[dict], list[dict], dict]:
    """(failures, errors, warnings) from schemathesis' JSON report: each failure has its code,
    title, count and operations; errors are schemathesis' own (its log has the traceback);
    warnings name operations that only ever answered 401/403 and the like."""
    if not path.exists():
        return [], [], {}
    data = json.loads(path.read_text())
    warnings = {k: v for k, v in (data.get("warnings") or {}).items() if v}
    return data.get("failures") or [], data.get("errors") or [], warnings


def failures_by_operation(log_path: Path) -> collections.Counter:
    """Counter of (operation, failure title) from the FAILURES section of schemathesis' output;
    a failure of the stateful phase is named by the path its failing response gives."""
    found: collections.Counter = collections.Counter()
    lines = log_path.read_text(errors="replace").splitlines() if log_path.exists() else []
    operation = None
    for i, line in enumerate(lines):
        if m := re.match(r"^_{3,} (.+?) _{3,}$", line):
            operation = m.group(1)
        elif line.startswith("=") and "FAILURES" not in line:
            operation = None
        elif operation and (m := re.match(r"^- (.+)$", line)):
            where = operation
            if operation == "Stateful tests":
                for later in lines[i + 1:i + 12]:
                    if inst := re.search(r'"instance": "([^"]+)"', later):
                        where = f"stateful, response of {inst.group(1)}"
                        break
            found[(where, m.group(1).strip())] += 1
    return found


RECORD = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|\d+\.\d+\.\d+\.\d+ - |\[\d{4}-)")
ACCESS = re.compile(r'"([A-Z]+) ([^ ?"]+)[^"]* HTTP/[\d.]+" (5\d\d) ')


def summarise_server_log(path: Path) -> tuple[collections.Counter, collections.Counter]:
    """(5xx answers per method and path, with numbers as {id}; the exception behind each logged
    error: the last exception line of its traceback, chained causes left out)."""
    answers: collections.Counter = collections.Counter()
    exceptions: collections.Counter = collections.Counter()
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    last, in_tb = None, False
    for line in lines + ["0.0.0.0 - end"]:
        if RECORD.match(line):
            if last:
                exceptions[last] += 1
            last, in_tb = None, False
            if m := ACCESS.search(line):
                route = re.sub(r"/\d+(?=/|$)", "/{id}", m.group(2))
                answers[f"{m.group(3)} {m.group(1)} {route}"] += 1
        elif line.startswith("Traceback (most recent call last)"):
            in_tb = True
        elif in_tb and line and not line[0].isspace():
            last, in_tb = re.sub(r"0x[0-9a-f]+", "0x…", line)[:160], False
    return answers, exceptions


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--max-time", type=int, default=int(os.environ.get("LYFTA_FUZZ_SECONDS", 300)),
                   help="seconds of fuzzing in all, shared between the tokens (default 300)")
    p.add_argument("--max-examples", type=int, default=50, help="test cases per operation and phase")
    # One worker: with several threads, hypothesis' lambda-source parsing trips CPython 3.11's
    # "AST constructor recursion depth mismatch" now and then, an error of the fuzzer, not of Lyfta.
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--token", action="append", help="only this demo client (demo-region, demo-supply)")
    p.add_argument("--report-dir", type=Path, default=ROOT / "var" / "fuzz")
    p.add_argument("--keep", action="store_true", help="keep the throwaway database")
    p.add_argument("schemathesis_args", nargs="*", help="after --: passed to `schemathesis run`")
    args = p.parse_args()

    report_dir = args.report_dir.resolve()
    shutil.rmtree(report_dir, ignore_errors=True)
    report_dir.mkdir(parents=True)
    var_dir = Path(tempfile.mkdtemp(prefix="lyfta-fuzz-"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.demo", LYFTA_VAR_DIR=str(var_dir),
               LYFTA_LOG_LEVEL="WARNING", PYTHONDONTWRITEBYTECODE="1")
    (var_dir / "static").mkdir()

    pg = None
    if os.environ.get("DATABASE_URL", "").strip():
        url, name, maintenance = fuzz_database_url(os.environ["DATABASE_URL"].strip())
        recreate_database(maintenance, name)
        env["DATABASE_URL"] = url
        pg = (maintenance, name)
        log(f"PostgreSQL database {name} (fresh)")
    else:
        env.pop("DATABASE_URL", None)
        log(f"SQLite in {var_dir}")

    try:
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        manage(env, "collectstatic", "--noinput", "-v", "0")  # error pages link the static files
        tokens = demo_tokens(env)
        if args.token:
            tokens = [t for t in tokens if t[0] in args.token]
        port = int(os.environ.get("LYFTA_FUZZ_PORT") or free_port())
        server_log = report_dir / "server.log"
        codes = {}
        with server(env, port, server_log):
            log(f"server on http://127.0.0.1:{port}/ (log: {server_log})")
            budget = max(10, args.max_time // max(1, len(tokens)))
            for name, token in tokens:
                codes[name] = schemathesis(port, name, token, args, report_dir, budget)
    finally:
        if pg and not args.keep:
            with contextlib.suppress(Exception):
                recreate_database(*pg, create=False)
        shutil.rmtree(var_dir, ignore_errors=True)

    print("\n=== fuzz summary ===")
    for name, code in codes.items():
        failures, errors, warnings = summarise_report(report_dir / f"{name}.json")
        print(f"{name}: schemathesis exit {code}, {sum(f.get('count', 1) for f in failures)} failures")
        for f in failures:
            print(f"  {f.get('count', 1):4d}  {f.get('code', '')} {f.get('title', f.get('type'))}")
            for operation in f.get("operations", []):
                print(f"          {operation}")
        by_operation = failures_by_operation(report_dir / f"{name}.log")
        if by_operation:
            print("  by operation:")
            for (operation, title), n in sorted(by_operation.items()):
                print(f"  {n:4d}  {operation}: {title}")
        for e in errors:
            print(f"  error in schemathesis itself: {e.get('title')} ({e.get('count', 1)}; see {name}.log)")
        for kind, operations in warnings.items():
            print(f"  warning {kind}: {len(operations)} operations")
    answers, exceptions = summarise_server_log(server_log)
    if answers:
        print(f"server errors answered ({sum(answers.values())}):")
        for line, n in answers.most_common():
            print(f"  {n:4d}  {line}")
    if exceptions:
        print(f"server exceptions ({sum(exceptions.values())}, from {server_log}):")
        for line, n in exceptions.most_common(20):
            print(f"  {n:4d}  {line}")
    failed = any(code != 0 for code in codes.values())
    print(f"fuzz: {'FAILED' if failed else 'passed'}; reports in {report_dir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
