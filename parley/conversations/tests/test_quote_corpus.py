"""The splitter on labelled replies: ours (always) and the open corpora (when present)."""

from __future__ import annotations

import pytest

from parley.conversations.quoting import split_reply
from parley.conversations.tests.reply_corpus import (
    Case,
    corpus_root,
    failures,
    load_cases,
    normalize,
    our_cases,
)

# A floor, not a target: bench/quotes.py prints the figure. Raise it once the corpora have
# been measured here (docs/decisions/0008-quoted-text.md).
CORPUS_FLOOR = 0.5


def _visible(text: str) -> str:
    return split_reply(text).visible


def test_we_have_a_real_labelled_set():
    cases = our_cases()

    assert len(cases) >= 30
    assert all(c.text.strip() and c.expected.strip() for c in cases)


@pytest.mark.parametrize("case", our_cases(), ids=lambda c: c.name)
def test_our_labelled_reply_splits_exactly(case: Case):
    assert normalize(_visible(case.text)) == normalize(case.expected)


def test_the_open_corpora_split_above_the_floor():
    root = corpus_root()
    if not root.is_dir():
        pytest.skip(f"the open reply corpora are absent ({root}); bench/quotes.py measures them")
    cases, unlabelled = load_cases(root)
    if not cases:
        pytest.skip(f"no labelled reply in {root} ({len(unlabelled)} files without expectations)")

    missed = failures(_visible, cases)

    assert 1 - len(missed) / len(cases) >= CORPUS_FLOOR, missed


def test_the_loader_reads_talon_and_our_layouts(tmp_path):
    talon = tmp_path / "talon" / "standard_replies"
    talon.mkdir(parents=True)
    eml = "From: a@b.example\nSubject: x\nContent-Type: text/plain\n\nHello\n\nOn Mon, A wrote:\n> hi\n"
    (talon / "gmail.eml").write_text(eml)
    (talon / "sparrow.eml").write_text(eml.replace("Hello", "Hi there"))
    (talon / "sparrow_reply_text").write_text("Hi there")
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "a.txt").write_text("Yes.\n-- \nJan")
    (ours / "a.reply.txt").write_text("Yes.")
    (ours / "unknown.txt").write_text("no expectation")

    cases, unlabelled = load_cases(tmp_path)

    assert {c.name: normalize(c.expected) for c in cases} == {
        "ours/a.txt": "Yes.",
        "talon/standard_replies/gmail.eml": "Hello",
        "talon/standard_replies/sparrow.eml": "Hi there",
    }
    assert [p.name for p in unlabelled] == ["unknown.txt"]
    assert failures(_visible, cases) == []
