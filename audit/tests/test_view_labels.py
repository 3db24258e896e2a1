"""Issue 15: the auditor's extract names every view in words, never as a code
(`identity_lookup`). Every literal view code the source passes to the patient-access log has a
label in audit.labels."""
import ast
from pathlib import Path

from django.conf import settings

from audit.labels import VIEW_LABELS, view_label

ROOT = Path(settings.BASE_DIR)
LOGGING_CALLS = {"patient_access_record": 2, "patient_access_record_many": 2, "patient_get_for_view": 2,
                 "patient_find_by_identity": 2, "loan_for_view": 2, "patient_for_view": 2,
                 "one_visible_order": 3, "log_patients": 2}


def view_codes_in_source() -> dict[str, str]:
    found = {}
    for path in ROOT.glob("*/**/*.py"):
        if {".venv", "node_modules", "tests", "migrations"} & set(path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in LOGGING_CALLS:
                continue
            args = [a for a in node.args[LOGGING_CALLS[name]:LOGGING_CALLS[name] + 1]]
            args += [k.value for k in node.keywords if k.arg == "view"]
            for a in args:
                if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value:
                    found[a.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name in LOGGING_CALLS:
                for arg, default in zip(reversed(node.args.args), reversed(node.args.defaults), strict=False):
                    if arg.arg == "view" and isinstance(default, ast.Constant) and default.value:
                        found[default.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_every_logged_view_code_has_a_readable_label():
    codes = view_codes_in_source()
    assert "identity_lookup" in codes and "fhir_device" in codes  # the scan finds what it must
    missing = {c: where for c, where in codes.items() if c not in VIEW_LABELS}
    assert not missing, f"view codes without a label in audit/labels.py: {missing}"


def test_unknown_code_is_shown_as_it_is():
    from django.utils import translation

    assert view_label("no_such_view") == "no_such_view"
    with translation.override("sv"):
        assert view_label("identity_lookup") == "Sökning på personnummer"
