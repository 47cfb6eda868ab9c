"""The committed OpenAPI schema (docs/openapi.json) matches the code: integrators read it."""

from __future__ import annotations

import json
from pathlib import Path

from parley.api.urls import api

SNAPSHOT = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def current_schema() -> dict[str, object]:
    schema: dict[str, object] = json.loads(
        json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"))
    )
    return schema


def test_the_committed_schema_matches_the_code():
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert committed == current_schema(), "The API changed: run `make openapi` and commit."


def test_every_operation_requires_a_token():
    schema = current_schema()
    paths = schema["paths"]
    assert isinstance(paths, dict)
    open_operations = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if not operation.get("security")
    ]
    assert open_operations == []
