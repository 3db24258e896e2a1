"""Webhook delivery benchmark: events/s with N dispatcher processes, and commit → delivery
latency (p50/p95), against a local receiver (thread-based http.server on 127.0.0.1).

    python -m benchmarks webhooks [--db postgres] [--orders 500] [--dispatchers 4] [--live-orders 200]

1. Recreates a separate database (`lyfta_bench_webhooks` on PostgreSQL, or a SQLite file) and a
   small world: one region with a prescriber and a patient, two articles, a region API client with
   one subscription to the local receiver, the supply client with another.
2. Throughput: creates and submits `--orders` customer orders (2 events each, so 2 deliveries per
   subscription per order) with no dispatcher running, then starts `--dispatchers` processes of
   `manage.py dispatch_webhooks` and times until every delivery is acknowledged: deliveries/s.
3. Latency: with the dispatchers running, creates `--live-orders` more orders one after another
   and measures, per delivery, receiver arrival time − the event's time (`OrderEvent.at`, taken in
   the transaction just before commit, so slightly above commit → delivery).

Not a test: it prints figures (targets: ≥ 200 events/s with 4 dispatchers, p95 < 2 s). Run it at
scale only on a quiet machine."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from benchmarks._setup import BASE_DIR, choose_database, machine, pct, setup_django

ARRIVALS: dict[tuple[str, str], float] = {}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: one connection per dispatcher thread, not one per request

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("content-length") or 0))
        with LOCK:
            ARRIVALS.setdefault((self.path, self.headers["webhook-id"]), time.time())
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def world(url: str):
    from access.principal import principal_for_client, principal_for_user
    from access.roles import Role
    from integration import services as hooks
    from ordering.tests import factories as of
    from tests import factories as f

    region = f.OrganisationFactory(name="Region Bench", kind="region")
    supply = f.SupplyCentreFactory(name="HMC Bench")
    unit = f.UnitFactory(organisation=region, name="Rehab Bench")
    f.UnitFactory(organisation=supply, name="HMC")
    user = f.UserFactory()
    f.RoleAssignmentFactory(user=user, unit=unit, role=Role.PRESCRIBER)
    chair = of.wheelchair()
    cushion = of.cushion(chair)
    patient = of.patient(region)
    hooks.subscription_create(principal_for_client(f.api_client(region, "bench-region", name="bench-region")),
                              target_url=url + "/region")
    hooks.subscription_create(principal_for_client(f.api_client(supply, "bench-supply", name="bench-supply")),
                              target_url=url + "/supply")
    return principal_for_user(user), patient, cushion


def make_orders(p, patient, article, n: int) -> None:
    from ordering.flows import customer as services

    for _ in range(n):
        services.order_draft_create(p, services.DraftInput(
            patient_id=patient.pk, lines=[services.LineInput(article.article_number, 1)]), submit=True)


def dispatchers(n: int, seconds: float) -> list[subprocess.Popen]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return [subprocess.Popen([sys.executable, "manage.py", "dispatch_webhooks", "--interval", "0.05",
                              "--max-seconds", str(seconds)], cwd=BASE_DIR, env=env) for _ in range(n)]


def wait_delivered(total: int, timeout: float) -> bool:
    from integration.models import Delivery

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Delivery.objects.filter(status="delivered").count() >= total:
            return True
        time.sleep(0.05)
    return False


def profile(backlog: int) -> int:
    """One dispatcher in-process under cProfile: statements per delivery and where the time goes."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from integration.dispatch import dispatch_until_idle

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as q:
        prof.enable()
        n = dispatch_until_idle()
        prof.disable()
    elapsed = time.perf_counter() - t0
    print(f"\n## One dispatcher, in-process, cProfile on: {n} of {backlog} deliveries in {elapsed:.2f} s "
          f"({n / elapsed:.0f}/s), {len(q.captured_queries)} statements = "
          f"{len(q.captured_queries) / max(n, 1):.1f} per delivery; load average "
          + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    kinds: dict[str, int] = {}
    for x in q.captured_queries:
        key = x["sql"].split(" WHERE ")[0][:90]
        kinds[key] = kinds.get(key, 0) + 1
    for key, c in sorted(kinds.items(), key=lambda kv: -kv[1])[:15]:
        print(f"{c:6d}  {key}")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks webhooks")
    ap.add_argument("--db", default=None, help="sqlite, postgres or a postgres URL (default: DATABASE_URL)")
    ap.add_argument("--orders", type=int, default=500)
    ap.add_argument("--live-orders", type=int, default=200)
    ap.add_argument("--dispatchers", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--profile", action="store_true",
                    help="deliver the backlog with one dispatcher in this process under cProfile; print the "
                         "statements per delivery and the top functions (no throughput/latency run)")
    args = ap.parse_args(argv)
    vendor = choose_database(args.db, "webhooks")
    setup_django()
    from integration.models import Delivery, OutboxEvent

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    p, patient, article = world(url)
    load_before = os.getloadavg()

    make_orders(p, patient, article, args.orders)
    backlog = Delivery.objects.count()
    if args.profile:
        return profile(backlog)
    procs = dispatchers(args.dispatchers, args.timeout)
    t0 = time.monotonic()
    ok = wait_delivered(backlog, args.timeout)
    elapsed = time.monotonic() - t0
    with LOCK:
        times = sorted(ARRIVALS.values())
    # From the first arrival (the dispatchers' start-up excluded) to the last.
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    rate = len(times) / span if span else float("nan")

    first_live = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    make_orders(p, patient, article, args.live_orders)
    total = Delivery.objects.count()
    ok = wait_delivered(total, args.timeout) and ok
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(30)
    server.shutdown()
    lat = []
    for path, event_id, at in Delivery.objects.filter(event_id__gt=first_live).values_list(
            "subscription__target_url", "event__event_id", "event__occurred_at"):
        arrived = ARRIVALS.get(("/" + path.rsplit("/", 1)[1], str(event_id)))
        if arrived is not None:
            lat.append(arrived - at.timestamp())
    ms = [x * 1000 for x in lat]
    load = "load average " + " / ".join(", ".join(f"{x:.2f}" for x in la) for la in (load_before, os.getloadavg()))
    print(f"\n## Webhooks ({vendor}, {machine()}; {load} before / after)")
    print(f"- backlog: {backlog} deliveries ({args.orders} orders × 2 events × 2 subscriptions), "
          f"{args.dispatchers} dispatchers: {span:.2f} s first to last arrival ({elapsed:.2f} s with "
          f"start-up), **{rate:.0f} deliveries/s**")
    print(f"- live: {len(ms)} deliveries of {args.live_orders} orders created one after another: commit → delivery "
          f"p50 **{pct(ms, 50):.0f} ms**, p95 **{pct(ms, 95):.0f} ms**")
    if not ok:
        print("- NOT all deliveries were acknowledged within the timeout", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
