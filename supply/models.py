"""Supply's own rows: drivers' runs (supply.runs). Order and stock rows belong to ordering/stock."""
from .runs.models import Run, RunStatus, RunStop, StopKind, StopOutcome  # noqa: F401
