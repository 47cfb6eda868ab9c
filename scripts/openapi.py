"""Write the OpenAPI schema of /api/v1/ to docs/openapi.json (`make openapi`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from parley.api.urls import api  # noqa: E402

target = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"
schema = api.get_openapi_schema(path_prefix="/api/v1/")
target.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
