"""The allowed import directions between contexts (docs/architecture.md)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["core", "audit", "access", "catalogue", "patients", "stock", "ordering", "supply", "invoicing",
         "integration", "operations"]


def imports_of(app: str):
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in ORDER and top != app:
                    yield path.relative_to(ROOT), top


# The audit log's own pages (log extracts for the auditor) are guarded by access's permission
# decorator; audit's models and services stay below access, which writes audit rows.
UI_EXCEPTIONS = {("audit/views.py", "access"), ("audit/apps.py", "access")}


def _exempt(path: Path) -> bool:
    """Tests, and demo-data builders (`demo.py`, run only by `seed_demo`, which composes every
    context, e.g. to carry demo orders through the supply centre's steps), are not runtime code."""
    return "tests" in path.parts or path.name == "demo.py"


@pytest.mark.parametrize("app", ORDER)
def test_app_imports_only_lower_contexts(app):
    allowed = set(ORDER[: ORDER.index(app)])
    # integration mounts every context's router; tests may use fixtures from anywhere below them.
    if app == "integration":
        allowed = set(ORDER) - {app}
    wrong = [(str(p), top) for p, top in imports_of(app)
             if top not in allowed and not _exempt(p) and (str(p), top) not in UI_EXCEPTIONS]
    assert not wrong, f"{app} imports contexts above it: {wrong}"
