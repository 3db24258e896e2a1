"""Settings for the benchmarks: Lyfta's test settings with production's task backend.

The test settings run background work at once, inside the request that enqueues it
(`ImmediateBackend`) — right for tests, wrong for a measurement: since the statistics projection
(`operations.statistics.services.projection_events_committed`) enqueues a month's recompute after
an order event, every order a benchmark makes would recompute that month in the request (a buffer
sweep of 1,581 orders took 519 s instead of 43 s). In production the task is a row written for the
worker (django-tasks-db, debounced per month); here too, so a figure is what a request costs.
Never used by Lyfta itself."""
from config.settings.test import *  # noqa: F401,F403

TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}
