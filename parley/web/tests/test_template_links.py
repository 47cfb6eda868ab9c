"""Template mistakes that render without an error but break a link."""

from __future__ import annotations

from pathlib import Path

import pytest

PARLEY = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(PARLEY.glob("*/templates/**/*.html"))


def test_templates_are_found():
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(PARLEY)))
def test_querystring_is_not_prefixed_with_a_second_question_mark(path):
    # {% querystring %} renders its own leading "?"; "?{% querystring %}" makes "??page=2",
    # which Django reads as a parameter named "?page" — the link silently shows page one.
    assert "?{% querystring" not in path.read_text(encoding="utf-8")
