"""Invoicing at planning scale (issue 13, DESIGN.md §9), on PostgreSQL.

    python -m benchmarks invoicing [--scale 1.0] [--db postgres://postgres@127.0.0.1:5432/lyfta_planning]
                                   [--reload] [--only compute,xlsx,csv,download] [--profile]

1. Loads planning-scale data with `benchmarks.planning.load` (kept when the database already
   holds the same scale and day; `--reload` forces a fresh load).
2. Each measurement runs in its own process (a fresh Python, Django set up against the
   database), so its peak RSS (`resource.getrusage`, the process doing the work) is its own:
   - compute: `invoicing.services.invoice_month_compute` of the benchmark month (the month
     before today: about 600,000 rent lines at scale 1.0, plus purchases, services and fees);
   - xlsx: `invoicing.exports.write_xlsx` of the customer with most lines that month
     (XlsxWriter constant_memory) into a temporary file;
   - csv: `invoicing.exports.csv_chunks` of the same customer, streamed to /dev/null;
   - download: what a download adds before streaming (`exports.record_download`: the audit row
     and one patient-access row per identified patient).
   `--profile` runs each under cProfile and prints the 25 most expensive functions.

Targets (issue 13): compute < 3 min with peak RSS < 400 MB; each export < 60 s with peak
RSS < 300 MB. Not a test: it prints figures."""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("compute", "xlsx", "csv", "download")
TARGETS = {"compute": (180, 400), "xlsx": (60, 300), "csv": (60, 300), "download": (None, None)}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {msg}", flush=True)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _current_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


# ------------------------------------------------------------------------------ worker (child)

def _largest_customer(month):
    from django.db.models import Count

    from invoicing.models import InvoiceLine

    row = (InvoiceLine.objects.filter(month=month).values("customer_id").annotate(n=Count("id"))
           .order_by("-n").first())
    return row["customer_id"] if row else None


def worker(step: str, month_label: str, profile: bool) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import datetime as dt

    from django.db import connection
    from django.db.models import Count

    from access.models import Organisation
    from invoicing import exports, services
    from invoicing.models import InvoiceLine, InvoiceMonth

    month_day = dt.date.fromisoformat(month_label + "-01")
    connection.ensure_connection()
    out: dict = {"step": step, "rss_before_mb": round(_current_rss_mb(), 1)}
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
    t0 = time.monotonic()
    c0 = time.process_time()
    if prof:
        prof.enable()
    if step == "compute":
        month = services.invoice_month_open(month=month_day)
        out["lines"] = services.invoice_month_compute(month_id=month.pk)
    else:
        month = InvoiceMonth.objects.get(month=month_day)
        customer = Organisation.objects.get(pk=_largest_customer(month))
        out["customer"] = customer.name
        out["customer_lines"] = InvoiceLine.objects.filter(month=month, customer=customer).count()
        t0 = time.monotonic()
        c0 = time.process_time()
        if step == "xlsx":
            import tempfile

            with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
                exports.write_xlsx(month, customer, f.name)
                out["bytes"] = os.path.getsize(f.name)
        elif step == "csv":
            n = 0
            with open(os.devnull, "wb") as sink:
                for chunk in exports.csv_chunks(month, customer):
                    sink.write(chunk)
                    n += len(chunk)
            out["bytes"] = n
        elif step == "download":
            from django.db import transaction

            with transaction.atomic():
                exports.record_download(None, month, customer, "csv")
    if prof:
        prof.disable()
    out["seconds"] = round(time.monotonic() - t0, 2)
    out["cpu_seconds"] = round(time.process_time() - c0, 2)
    out["peak_rss_mb"] = round(_rss_mb(), 1)
    if step == "compute":
        out["by_rule"] = dict(InvoiceLine.objects.filter(month=month).values_list("rule").annotate(n=Count("id"))
                              .order_by("rule").values_list("rule", "n"))
        out["customers"] = InvoiceLine.objects.filter(month=month).values("customer_id").distinct().count()
    if prof:
        import io
        import pstats

        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
        buf.write("\n--- by own time ---\n")
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(25)
        out["profile"] = buf.getvalue()
    return out


# ------------------------------------------------------------------------------ driver (parent)

def run_step(step: str, db_url: str, month_label: str, profile: bool) -> dict:
    env = dict(os.environ, DATABASE_URL=db_url, DJANGO_SETTINGS_MODULE="config.settings.test")
    cmd = [sys.executable, "-m", "benchmarks.invoicing", "--worker", step, "--month", month_label]
    if profile:
        cmd.append("--profile")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{step} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    from benchmarks.planning import DEFAULT_DB

    ap = argparse.ArgumentParser(prog="python -m benchmarks invoicing", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--db", default=os.environ.get("PLANNING_DATABASE_URL", DEFAULT_DB))
    ap.add_argument("--reload", action="store_true", help="load the data afresh even if the database holds it")
    ap.add_argument("--no-load", action="store_true", help="use the database as it is (month: --month)")
    ap.add_argument("--only", default=",".join(STEPS))
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--month", help="YYYY-MM (default: the loader's benchmark month)")
    ap.add_argument("--worker", choices=STEPS, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        result = worker(args.worker, args.month, args.profile)
        if "profile" in result:
            sys.stderr.write(result["profile"])
            print(result.pop("profile"), file=open(f"/tmp/invoicing_profile_{args.worker}.txt", "w"))
        print(json.dumps(result, default=str))
        return 0

    if args.no_load:
        month_label = args.month
    else:
        from benchmarks.planning import load

        info = load(args.scale, args.db, reuse=not args.reload)
        month_label = args.month or f"{info['month']:%Y-%m}"
    log(f"database {args.db}, month {month_label}, nproc {os.cpu_count()}, load {os.getloadavg()}")
    results = []
    for step in [s.strip() for s in args.only.split(",") if s.strip()]:
        load_before = os.getloadavg()[0]
        r = run_step(step, args.db, month_label, args.profile)
        r["load"] = (load_before, os.getloadavg()[0])
        results.append(r)
        secs, rss = TARGETS[step]
        extra = (f"{r['lines']:,} lines, {r['customers']} customers, by rule {r['by_rule']}" if step == "compute"
                 else f"{r.get('customer')}: {r.get('customer_lines', 0):,} lines, {r.get('bytes', 0) / 1e6:.1f} MB")
        verdict = ""
        if secs:
            ok = r["seconds"] < secs and r["peak_rss_mb"] < rss
            verdict = f" — target < {secs} s, < {rss} MB: {'met' if ok else 'NOT met'}"
        log(f"{step:<9} {r['seconds']:8.1f} s wall, {r['cpu_seconds']:7.1f} s CPU, peak RSS {r['peak_rss_mb']:6.1f} MB "
            f"(after setup {r['rss_before_mb']} MB); {extra}; load {r['load'][0]:.1f}→{r['load'][1]:.1f}{verdict}")
    print("\n| step | wall s | CPU s | peak RSS MB | what | load before→after |")
    print("|---|---:|---:|---:|---|---|")
    for r in results:
        what = (f"{r['lines']:,} lines" if r["step"] == "compute"
                else f"{r.get('customer_lines', 0):,} lines, {r.get('bytes', 0) / 1e6:.1f} MB")
        print(f"| {r['step']} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | {r['peak_rss_mb']:.0f} | {what} | "
              f"{r['load'][0]:.1f}→{r['load'][1]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
