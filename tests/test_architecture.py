"""The allowed import directions between contexts (docs/architecture.md)."""
import ast
import sys
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


# --------------------------------------------------------------------------- who writes whose models
# Ordering is the only writer of order data, stock the only writer of stock data (DESIGN.md §3) and
# integration the only writer of the outbox, subscriptions and deliveries:
# other contexts call their services. A write is `Model.objects.create/update/...`, a queryset's
# `.update()`/`.delete()`, or `instance.save()`/`.delete()`; `apps.get_model("ordering", …)` is a
# reach-around and is refused anywhere outside the owner.

OWNED = {"ordering": "ordering", "stock": "stock", "integration": "integration"}
WRITE_METHODS = {"create", "bulk_create", "bulk_update", "get_or_create", "update_or_create", "update", "delete",
                 "save", "select_for_update"}
MANAGER_WRITES = WRITE_METHODS - {"save", "select_for_update"}


def _model_names(owner: str) -> set[str]:
    from django.apps import apps

    return {m.__name__ for m in apps.get_app_config(owner).get_models()}


def _protected_imports(tree, owner: str, models: set[str]) -> set[str]:
    """Local names bound to the owner's model classes in this module (any import depth)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and (
                node.module == f"{owner}.models" or node.module.startswith(f"{owner}.models.")):
            for a in node.names:
                if a.name in models:
                    names.add(a.asname or a.name)
    return names


def _other_model_imports(tree, owner: str) -> bool:
    """Does the module import models from anywhere but the owner (its own or another context's)?"""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and (node.module.endswith("models") or
                                                                 ".models." in node.module):
            if node.level > 0 or not node.module.startswith(f"{owner}."):
                return True
    return False


def _root_name(expr):
    while isinstance(expr, (ast.Attribute, ast.Call, ast.Subscript)):
        expr = expr.func if isinstance(expr, ast.Call) else expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def foreign_writes(app: str, owner: str):
    """(path, line, what) for every write of `owner`'s models found in `app`'s runtime code."""
    models = _model_names(owner)
    for path in (ROOT / app).rglob("*.py"):
        rel = path.relative_to(ROOT)
        if "migrations" in path.parts or _exempt(rel):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        bound = _protected_imports(tree, owner, models)
        ambiguous = _other_model_imports(tree, owner)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            method = node.func.attr
            if method == "get_model" and node.args and isinstance(node.args[0], ast.Constant) \
                    and str(node.args[0].value).split(".")[0] == owner:
                yield str(rel), node.lineno, f"apps.get_model({node.args[0].value!r})"
                continue
            if method not in WRITE_METHODS:
                continue
            root = _root_name(node.func.value)
            if root in bound and (method in MANAGER_WRITES or method == "select_for_update"):
                yield str(rel), node.lineno, f"{root}….{method}()"
            elif bound and not ambiguous and method in {"save", "delete", "update", "create", "bulk_create"}:
                # The module reads only the owner's models: any save/delete/update in it writes them.
                yield str(rel), node.lineno, f"{ast.unparse(node.func)}()"


@pytest.mark.parametrize("owner", sorted(OWNED))
@pytest.mark.parametrize("app", ORDER)
def test_only_the_owner_writes_its_models(app, owner):
    if app == owner:
        return
    found = list(foreign_writes(app, owner))
    assert not found, f"{app} writes {owner}'s models (call {owner}'s services instead): {found}"


def test_the_write_rule_sees_the_old_ways(tmp_path, monkeypatch):
    """The rule catches each way supply used to write order rows (a test that cannot fail is a defect)."""
    fake = tmp_path / "fakeapp"
    fake.mkdir()
    (fake / "svc.py").write_text(
        "from django.apps import apps\n"
        "from ordering.models import Delivery, OrderLine\n"
        "def f(line):\n"
        "    line.save(update_fields=['x'])\n"
        "    Delivery.objects.create(order=None)\n"
        "    OrderLine.objects.filter(pk=1).update(quantity=2)\n"
        "    apps.get_model('ordering', 'Order').objects.all()\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = {what for _p, _l, what in foreign_writes("fakeapp", "ordering")}
    assert {"line.save()", "Delivery….create()", "OrderLine….update()", "apps.get_model('ordering')"} <= found, found


# --------------------------------------------------------------------------- one way to answer errors on pages
# Order pages answer a service's refusal only through core.pages (422 next to the field, 404, or a
# message and a redirect). A look-up form that asks a selector (not a service) may catch on its own.
PAGE_ERROR_EXCEPTIONS = {("ordering/views/core.py", "_patient_or_lookup"), ("ordering/views/customer.py", "order_search")}


def test_order_pages_answer_errors_only_through_core_pages():
    wrong = []
    for app in ("ordering", "supply"):
        for path in (ROOT / app / "views").rglob("*.py"):
            rel = str(path.relative_to(ROOT))
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for fn in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
                for node in ast.walk(fn):
                    if isinstance(node, ast.ExceptHandler) and node.type is not None:
                        names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                        if names & {"ValidationFailed", "DomainError", "IllegalTransition", "Conflict"} \
                                and (rel, fn.name) not in PAGE_ERROR_EXCEPTIONS:
                            wrong.append((rel, fn.name))
                for kw in [k for k in ast.walk(fn) if isinstance(k, ast.keyword) and k.arg == "status"]:
                    if isinstance(kw.value, ast.IfExp) or (isinstance(kw.value, ast.Constant) and kw.value.value == 400):
                        wrong.append((rel, fn.name, "status"))
    assert not wrong, f"pages that answer errors on their own (use core.pages): {sorted(set(wrong))}"


def test_order_services_are_entry_points():
    """Top-level order services own their transaction (core.transactions.entry_point, durable):
    no bare @transaction.atomic on a public function of the flows or of supply's services."""
    wrong = []
    for path in [*(ROOT / "ordering" / "flows").glob("*.py"), ROOT / "supply" / "services.py",
                 ROOT / "supply" / "refurbishment.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in tree.body:
            if isinstance(fn, ast.FunctionDef) and not fn.name.startswith("_"):
                for d in fn.decorator_list:
                    if ast.unparse(d) in ("transaction.atomic", "atomic"):
                        wrong.append(f"{path.relative_to(ROOT)}:{fn.name}")
    assert not wrong, wrong
