"""Labelled replies for measuring the quote/signature splitter (tests and bench/quotes.py).

Two sources: our own cases in ``fixtures/replies`` (always present) and the open reply
corpora in ``../shared/corpus`` (talon, email-reply-parser; ``PARLEY_QUOTE_CORPUS`` names
another folder), which may be absent. A corpus file is a labelled case when its expected
reply is known from its layout:

- ``NAME.txt`` / ``NAME.eml`` with ``NAME.reply.txt`` beside it (our layout);
- talon's ``NAME.eml`` with ``NAME_reply_text`` beside it, and in talon's
  ``standard_replies`` folder, where a reply without that file is expected to be "Hello"
  (talon's own test does the same).

Other files (email-reply-parser keeps its expectations in test code) are listed as
unlabelled and left out of the score.
"""

from __future__ import annotations

import email
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path

from parley.mail.testing.corpus import corpus_root as shared_corpus_root

FIXTURES = Path(__file__).parent / "fixtures" / "replies"
REPO = Path(__file__).resolve().parents[3]
SUFFIXES = (".txt", ".eml")


def corpus_root() -> Path:
    return shared_corpus_root("PARLEY_QUOTE_CORPUS")  # then PARLEY_CORPUS, ../shared/corpus


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    expected: str


def normalize(text: str) -> str:
    """Compare texts without trailing spaces and surrounding blank lines."""
    return "\n".join(line.rstrip() for line in text.strip().splitlines()).strip()


def body_text(path: Path) -> str:
    """The plain text of a case file: the file itself, or an .eml's text/plain part."""
    data = path.read_bytes()
    if path.suffix != ".eml":
        return data.decode("utf-8", errors="replace")
    message = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)  # policy.default builds these
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else ""


def _expected(path: Path) -> str | None:
    for sibling in (
        path.with_name(f"{path.stem}.reply.txt"),
        path.with_name(f"{path.stem}_reply_text"),
    ):
        if sibling.is_file():
            return sibling.read_text(encoding="utf-8", errors="replace")
    if path.parent.name == "standard_replies" and path.suffix == ".eml":
        return "Hello"
    return None


def _candidates(folder: Path) -> Iterable[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in SUFFIXES and not path.name.endswith(".reply.txt"):
            yield path


def load_cases(folder: Path) -> tuple[list[Case], list[Path]]:
    """The labelled cases under ``folder`` and the files whose expected reply is unknown."""
    cases: list[Case] = []
    unlabelled: list[Path] = []
    for path in _candidates(folder):
        expected = _expected(path)
        if expected is None:
            unlabelled.append(path)
            continue
        name = str(path.relative_to(folder))
        cases.append(Case(name=name, text=body_text(path), expected=expected))
    return cases, unlabelled


def our_cases() -> list[Case]:
    return load_cases(FIXTURES)[0]


def failures(split: Callable[[str], str], cases: Iterable[Case]) -> list[str]:
    """Names of the cases whose visible text is not exactly the expected one."""
    return [c.name for c in cases if normalize(split(c.text)) != normalize(c.expected)]
