"""Cheap checks of the benchmark mailbox generator (not in the main suite's testpaths).

.venv/bin/python -m pytest bench/test_mailgen.py -q
"""

# ruff: noqa: S101  (pytest tests; bench/ is outside the tests per-file ignores)
from __future__ import annotations

import email
import email.policy
import hashlib
from collections import Counter

import pytest

from bench import mailgen

N = 800


def _digest(n: int, seed: int) -> str:
    h = hashlib.sha256()
    for folder, raw in mailgen.generate(n, seed):
        h.update(folder.encode() + b"\0" + raw)
    return h.hexdigest()


def test_same_seed_gives_identical_bytes_and_other_seed_differs() -> None:
    assert _digest(300, 7) == _digest(300, 7)
    assert _digest(300, 7) != _digest(300, 8)


def test_yields_exactly_n_messages_matching_the_ground_truth() -> None:
    truth = mailgen.expected(N, 1)
    items = list(mailgen.generate(N, 1))
    assert len(items) == truth.messages == N
    assert Counter(folder for folder, _ in items) == Counter(truth.folders)
    ids = [
        email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"].strip("<>")
        for _, raw in items
    ]
    assert len(set(ids)) == N
    assert set(ids) == set(truth.thread_of)


def test_every_message_parses_without_defects_and_has_a_body() -> None:
    for _, raw in mailgen.generate(N, 2):
        assert b"\r\n" in raw
        assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert str(msg["Subject"]).strip()
        assert msg["From"].addresses
        for part in msg.walk():
            assert not part.defects, (msg["Message-ID"], part.defects)
        body = msg.get_body(("plain", "html"))
        assert body is not None
        assert body.get_content().strip()


def test_mailbox_mixes_charsets_structures_attachments_and_machine_mail() -> None:
    charsets: Counter[str] = Counter()
    types: Counter[str] = Counter()
    headers: Counter[str] = Counter()
    for _, raw in mailgen.generate(N, 1):
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        types[msg.get_content_type()] += 1
        for part in msg.walk():
            if part.get_content_charset():
                charsets[part.get_content_charset()] += 1
            if part.get("Content-ID"):
                headers["content-id"] += 1
        for name in ("Auto-Submitted", "X-Autoreply", "Precedence", "List-Id", "References"):
            if msg[name]:
                headers[name.lower()] += 1
        if b"=?" in raw.split(b"\r\n\r\n", 1)[0]:
            headers["rfc2047"] += 1
    assert {"utf-8", "iso-8859-2", "windows-1250"} <= set(charsets)
    assert {"text/plain", "text/html", "multipart/alternative", "multipart/mixed"} <= set(types)
    assert headers["content-id"] > 0
    assert headers["rfc2047"] > N // 4
    machine = mailgen.expected(N, 1).kinds
    share = (machine.get("auto_reply", 0) + machine.get("bulk", 0)) / N
    assert 0.07 < share < 0.14
    assert headers["x-autoreply"] == machine["auto_reply"]
    assert headers["precedence"] == machine["bulk"]


def test_replies_point_into_their_own_thread_only() -> None:
    items = mailgen.plan(N, 1)
    thread_of = {p.message_id: p.thread for p in items}
    sizes = Counter(p.thread for p in items)
    assert max(sizes.values()) <= 15
    for p in items:
        for ref in [p.in_reply_to, *p.references]:
            if ref:
                assert thread_of[ref] == p.thread
    headerless = [p for p in items if p.parent_id and not p.in_reply_to]
    assert headerless, "some replies rely on the subject fallback"


def test_compare_threads_scores_truth_perfectly_and_detects_a_split() -> None:
    truth = mailgen.expected(N, 1)
    groups: dict[int, list[str]] = {}
    for mid, thread in truth.thread_of.items():
        groups.setdefault(thread, []).append(mid)
    perfect = mailgen.compare_threads(truth, groups.values())
    assert perfect.perfect
    assert perfect.pair_precision == perfect.pair_recall == 1.0

    big = max(groups.values(), key=len)
    broken = [g for g in groups.values() if g is not big] + [big[:1], big[1:]]
    score = mailgen.compare_threads(truth, broken)
    assert not score.perfect
    assert score.split_messages == 1
    assert score.merged_messages == 0
    assert score.pair_recall < 1.0


@pytest.mark.parametrize("n", [1, 17])
def test_small_mailboxes_are_exact(n: int) -> None:
    assert len(list(mailgen.generate(n, 3))) == mailgen.expected(n, 3).messages == n
