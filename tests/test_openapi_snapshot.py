"""The OpenAPI document is a contract with the customers' systems: it changes only on purpose.
The test compares the generated document with `tests/openapi_snapshot.json` (as JSON, so key
order does not matter). After a deliberate change, regenerate the snapshot with
`LYFTA_UPDATE_OPENAPI=1 make test PYTEST_ARGS=tests/test_openapi_snapshot.py` and commit it with the change."""
import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("openapi_snapshot.json")


def _document() -> dict:
    from integration.api import api

    return json.loads(json.dumps(api.get_openapi_schema(), default=str))  # int keys → str, as served


def test_openapi_document_matches_the_snapshot():
    doc = _document()
    if os.environ.get("LYFTA_UPDATE_OPENAPI") == "1":
        SNAPSHOT.write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    changed = sorted(set(doc["paths"]) ^ set(expected["paths"]))
    assert doc == expected, ("the OpenAPI document changed; if on purpose, regenerate the snapshot "
                             f"(see this module's docstring). Paths added or removed: {changed}")
