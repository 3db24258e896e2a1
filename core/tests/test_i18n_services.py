"""Issue 15 ("English complete"): the error messages the service layer raises reach the user
(next to a form field) and API clients (the problem document's `detail` and `errors`), so they are
gettext'd at raise time, in the request's language, like every other UI string. This test walks
the AST of the service modules and fails on a Swedish message that is a bare string literal: the
argument of an exception (`raise ValidationFailed("...")`, `Conflict(f"...")`), of the field-error
helpers (`fail(field, "...")`, `field_error`, and the labels `clean_text`/`_required` put into
their messages), or a value of an errors dict (`errors["x"] = "..."`, `{"x": ["..."]}`).

Wrap the text in `gettext` (`_`), with parameters outside the msgid:
`_("Artikeln %(number)s finns inte.") % {"number": n}`, and add the English msgstr to
locale/en/LC_MESSAGES/django.po (core/tests/test_i18n_ui.py checks that every msgid has one)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# The service layer: services, flows, transitions, and the helpers/selectors whose errors reach the user.
SERVICE_GLOBS = [
    "*/services.py", "*/services/*.py", "*/*/services.py", "*/selectors.py", "*/*/selectors.py",
    "*/api.py", "*/api/*.py", "*/*/api.py",
    "ordering/flows/*.py", "ordering/transitions.py", "ordering/kind_selectors.py",
    "supply/*.py", "supply/runs/*.py", "stock/*.py", "stock/buffer/*.py", "invoicing/*.py",
    "operations/*.py", "operations/statistics/*.py", "access/*.py", "patients/*.py",
    "catalogue/pictures.py", "catalogue/prescribing.py", "catalogue/pricing.py",
    "integration/*.py", "integration/fhir/*.py", "core/errors.py", "core/idempotency.py", "core/views.py",
]

EXCEPTION_NAME = re.compile(r"(Error|Exception|Failed|Denied|NotFound|Conflict|Transition|Refused|Requests)$")
# helper -> (positions, keywords) of its arguments that end up in a message shown to the user
MESSAGE_HELPERS = {
    "fail": ({1}, {"message"}), "_fail": ({1}, {"message"}), "field_error": ({1}, {"message"}),
    "clean_choice": ({3}, {"message"}),
    "clean_text": ({2, 3}, {"label"}), "clean_email": ({2}, {"label"}), "_required": ({2}, {"label"}),
    "refuse_if_work_in_progress": ({1}, {"what"}),
    "problem_response": ({1, 2}, {"title", "detail"}),
}
# their text argument is a label put into a message ("Ange %(label)s."), often one lower-case word
LABEL_HELPERS = {"clean_text", "clean_email", "_required", "refuse_if_work_in_progress"}
# Programming errors (never shown to users) may carry English text; a Swedish one is still a message.
# (OidcFailed and CsrfFailed carry a code and an English detail for the log; the user gets a page.)
PROGRAMMING_ERRORS = {"Exception", "RuntimeError", "ValueError", "TypeError", "KeyError", "LookupError",
                      "AssertionError", "NotImplementedError", "AttributeError", "OSError", "ImproperlyConfigured",
                      "OidcFailed", "CsrfFailed"}
NOT_SERVICE = {"integration/openapi.py"}  # the OpenAPI document's (English) schema descriptions
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "pgettext", "ngettext", "pgettext_lazy", "ngettext_lazy"}
SWEDISH_WORDS = {
    "inte", "finns", "och", "för", "kan", "ska", "måste", "saknas", "redan", "ingen", "inga", "ange", "välj",
    "ogiltig", "ogiltigt", "ogiltiga", "endast", "högst", "minst", "har", "det", "ett", "en", "till", "av", "med",
    "på", "om", "rad", "är", "eller", "som", "hittades", "okänd", "okänt", "får", "vara",
}


def service_modules() -> list[Path]:
    found = set()
    for pattern in SERVICE_GLOBS:
        found.update(p for p in ROOT.glob(pattern) if "tests" not in p.parts and "migrations" not in p.parts
                     and str(p.relative_to(ROOT)) not in NOT_SERVICE)
    return sorted(found)


def is_message(text: str) -> bool:
    """Text for a person (not a code such as "not_found" or a field path such as "lines.0")."""
    return bool(re.search(r"[A-Za-zÅÄÖåäö]", text)) and " " in text.strip()


def is_swedish(text: str, *, label: bool = False) -> bool:
    if not re.search(r"[A-Za-zÅÄÖåäö]", text):
        return False
    if label:  # a label such as "Orsak", "Frågan" or "motivering"
        return True
    words = set(re.findall(r"[a-zåäö]+", text.lower()))
    return bool(re.search(r"[åäöÅÄÖ]", text) or words & SWEDISH_WORDS)


def _literal_text(node) -> str | None:
    """The text of an unwrapped string expression: a literal, an f-string, `"..." % x`, `"...".format()`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return _literal_text(node.left) or _literal_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _literal_text(node.func.value)
    return None


def _values(node):
    """The leaves of a message argument: dict values, list items, both branches of `a if c else b`."""
    if isinstance(node, ast.Dict):
        for v in node.values:
            yield from _values(v)
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for v in node.elts:
            yield from _values(v)
    elif isinstance(node, ast.IfExp):
        yield from _values(node.body)
        yield from _values(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for v in node.values:
            yield from _values(v)
    else:
        yield node


def _name(func) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _is_errors(name: str) -> bool:
    return bool(re.search(r"err|problem", name, re.I))


def bare_messages(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, text) of every Swedish message in `source` that is not wrapped in gettext."""
    found = []

    def check(nodes, *, label: bool = False, user_facing: bool = True):
        for arg in nodes:
            for leaf in _values(arg):
                text = _literal_text(leaf)
                if text and (is_swedish(text, label=label) or (user_facing and is_message(text))):
                    found.append((leaf.lineno, text))

    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in GETTEXT_NAMES:
                continue
            if name in MESSAGE_HELPERS:
                positions, keywords = MESSAGE_HELPERS[name]
                label = name in LABEL_HELPERS
                check([a for i, a in enumerate(node.args) if i in positions], label=label)
                check([k.value for k in node.keywords if k.arg in keywords], label=label)
            elif EXCEPTION_NAME.search(name):
                user_facing = name not in PROGRAMMING_ERRORS
                check(node.args, user_facing=user_facing)
                check([k.value for k in node.keywords if k.arg in (None, "message", "detail", "errors")],
                      user_facing=user_facing)
            elif name in ("append", "setdefault", "add_error") and isinstance(node.func, ast.Attribute) and node.args:
                target = node.func.value
                while isinstance(target, (ast.Subscript, ast.Call, ast.Attribute)):
                    target = target.func if isinstance(target, ast.Call) else target.value
                if isinstance(target, ast.Name) and _is_errors(target.id):
                    check(node.args[-1:])
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                        and _is_errors(target.value.id):
                    check([node.value])
                elif isinstance(target, ast.Name) and _is_errors(target.id) and isinstance(node.value, ast.Dict):
                    check([node.value])
    return found


def test_service_messages_are_gettext():
    bare = []
    for path in service_modules():
        for line, text in bare_messages(path.read_text(encoding="utf-8"), str(path)):
            bare.append(f"{path.relative_to(ROOT)}:{line}: {text[:80]!r}")
    assert not bare, "Swedish service messages not wrapped in gettext:\n" + "\n".join(bare)


def test_the_check_finds_bare_messages():
    """The shapes the service layer used before issue 15 are all caught; wrapped ones and
    non-message strings (field names, codes, English internal errors) are not."""
    old = '''
def f(n, errors):
    raise ValidationFailed("Ange ett datum.")
    raise NotFound(f"Artikeln {n} finns inte.")
    raise Conflict("Individ %s är utlånad." % n, code="on_loan")
    fail("quantity", "Antal måste vara minst 1.")
    field_error("date", "Datumet får inte ligga i framtiden.")
    clean_text(n, "note", 10, "Orsak", required=True)
    errors["serial"] = ["Okänt individnummer."]
    errors.setdefault("lines", []).append(f"Rad {n}: okänd artikel.")
    raise ValidationFailed("x", errors={"note": "Högst 100 tecken."})
    errors.setdefault(n, []).append(f"Artikeln {n} {n}.")
    raise NotFound("Resource not found")
'''
    assert sorted(line for line, _ in bare_messages(old)) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    new = '''
def f(n, errors):
    raise ValidationFailed(_("Ange ett datum."), code="missing_date")
    raise NotFound(gettext("Artikeln %(n)s finns inte.") % {"n": n})
    fail("quantity", _("Antal måste vara minst 1."))
    clean_text(n, "note", 10, _("Orsak"), required=True)
    errors["serial"] = [_("Okänt individnummer.")]
    raise RuntimeError("lock_order must run inside a transaction")
    raise ValidationFailed(_("Ogiltigt."), errors={"note": [_("Högst %(n)s tecken.") % {"n": 100}]})
'''
    assert bare_messages(new) == []


def test_the_service_modules_are_found():
    names = {str(p.relative_to(ROOT)) for p in service_modules()}
    assert {"ordering/flows/core.py", "ordering/transitions.py", "patients/services.py",
            "stock/buffer/services.py", "operations/services/support.py", "supply/runs/services.py"} <= names
