"""Dispatcher: `python -m benchmarks <name> [options]`.

To add a benchmark, write `benchmarks/<name>.py` with `main(argv: list[str]) -> int` and add one
line to REGISTRY.
"""
from __future__ import annotations

import importlib
import sys

# name -> (module, one-line description)
REGISTRY: dict[str, tuple[str, str]] = {
    "buffer": ("benchmarks.buffer", "400 stores × 40 rules: withdrawal API p95 with the replenishment check; nightly sweep"),
    "catalogue": ("benchmarks.catalogue", "import 60,000 articles; search latency via selector, HTTP API and raw SQL"),
    "ordering": ("benchmarks.ordering", "3M orders: submission over HTTP vs raw SQL; order search and patient view"),
    "service": ("benchmarks.service", "work orders, pickups, fault reports: patient view and device card at scale"),
    "webhooks": ("benchmarks.webhooks", "deliveries/s with 4 dispatchers; commit → delivery p50/p95, local receiver"),
    "fhir": ("benchmarks.fhir", "FHIR Device?patient= and DeviceRequest?patient= p50/p95 at planning scale"),
    "statistics": ("benchmarks.statistics", "supply statistics page, 12 months: p95 cold and cached at planning scale"),
    "profile": ("benchmarks.profile_submission", "cProfile of one order submission through the full request stack"),
}


def usage() -> str:
    lines = ["usage: python -m benchmarks <name> [options]", "", "benchmarks:"]
    lines += [f"  {name:<12} {desc}" for name, (_mod, desc) in sorted(REGISTRY.items())]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in REGISTRY:
        print(usage(), file=sys.stderr if argv and argv[0] not in ("-h", "--help") else sys.stdout)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    module = importlib.import_module(REGISTRY[argv[0]][0])
    return module.main(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
