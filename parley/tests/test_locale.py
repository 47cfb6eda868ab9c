"""The committed Polish catalog is complete, well-formed and compiled.

`make messages` regenerates `parley/locale/pl/LC_MESSAGES/django.po`; these tests catch a
catalog committed with fuzzy or empty entries, wrong Polish plural forms, placeholders that
differ from the English text, or a `.mo` that was not recompiled after the `.po` changed.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LC_MESSAGES = Path(__file__).resolve().parents[1] / "locale" / "pl" / "LC_MESSAGES"
PLURAL_FORMS = (
    "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def _parse(path: Path) -> list[Entry]:
    """The entries of a .po file (enough of the format for what makemessages writes)."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] = ("msgid", 0)

    def append(text: str) -> None:
        name, index = target
        if name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
        else:
            setattr(entry, name, (getattr(entry, name) or "") + text)

    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if entry.msgstr:
                entries.append(entry)
            entry = Entry()
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            append(ast.literal_eval(line))
        else:
            keyword, _, value = line.partition(" ")
            match = re.fullmatch(r"msgstr\[(\d)\]", keyword)
            target = ("msgstr", int(match[1])) if match else (keyword, 0)
            if keyword == "msgid":
                entry.msgid = ""
            append(ast.literal_eval(value))
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return _parse(LC_MESSAGES / "django.po")


def test_it_declares_the_three_polish_plural_forms(entries: list[Entry]) -> None:
    header = entries[0]
    assert not header.msgid
    assert f"Plural-Forms: {PLURAL_FORMS}\n" in header.msgstr[0]


def test_every_entry_is_translated_and_checked(entries: list[Entry]) -> None:
    unfinished = [e.msgid for e in entries[1:] if "fuzzy" in e.flags or not all(e.msgstr.values())]
    assert unfinished == []


def test_plural_entries_have_three_forms(entries: list[Entry]) -> None:
    wrong = [
        e.msgid for e in entries if e.msgid_plural is not None and sorted(e.msgstr) != [0, 1, 2]
    ]
    assert wrong == []


def test_translations_keep_the_placeholders(entries: list[Entry]) -> None:
    wrong = []
    for e in entries[1:]:
        singular = sorted(PLACEHOLDER.findall(e.msgid))
        plural = sorted(PLACEHOLDER.findall(e.msgid_plural or e.msgid))
        for index, text in e.msgstr.items():
            found = sorted(PLACEHOLDER.findall(text))
            # The "one" form may say "raz" instead of repeating the number.
            allowed = [plural, singular] if index == 0 and e.msgid_plural else [plural]
            if found not in allowed:
                wrong.append((e.msgid, text))
    assert wrong == []


def test_the_compiled_catalog_matches_the_source(entries: list[Entry]) -> None:
    with (LC_MESSAGES / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for e in entries[1:]:
        context = e.msgctxt
        if e.msgid_plural is None:
            got = [compiled.pgettext(context, e.msgid) if context else compiled.gettext(e.msgid)]
            want = [e.msgstr[0]]
        else:
            # 1, 2 and 5 select the three Polish forms in order.
            got = [
                compiled.npgettext(context, e.msgid, e.msgid_plural, n)
                if context
                else compiled.ngettext(e.msgid, e.msgid_plural, n)
                for n in (1, 2, 5)
            ]
            want = [e.msgstr[0], e.msgstr[1], e.msgstr[2]]
        if got != want:
            stale.append(e.msgid)
    assert stale == [], "run `make messages` (compilemessages) and commit django.mo"
