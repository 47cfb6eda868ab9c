"""Ingest benchmark: how fast and how correctly `parley sync --once` takes in a mailbox.

    .venv/bin/python bench/ingest.py [--messages N] [--runs 3] [--postgres] [--skip-sqlite]

Generates a deterministic support mailbox (bench/mailgen.py), APPENDs it to a private Dovecot
on loopback (parley.mail.testing.servers), then measures, in the same run:

(a) the raw limit: FETCH of every message with stdlib imaplib (batches of 500) and a parse
    with `email.policy.default`, nothing else;
(b) `parley sync bench --once` end to end into a fresh database (SQLite in a fresh
    PARLEY_DATA_DIR; with --postgres also PostgreSQL, a database created and dropped here);
(c) a re-sync of the unchanged mailbox;
(d) the peak RSS of the sync process;
(e) correctness: exactly N messages in `parley export --format jsonl`, and the threading
    against the generator's ground truth.

Every figure is the median of --runs runs. See bench/README.md for the figures on our machine.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import mailgen  # noqa: E402

from parley.mail.testing.servers import DovecotServer  # noqa: E402

MAILBOX = "bench"
USER = "pomoc"
FETCH_BATCH = 500
APPEND_CHUNK = 1000
PROGRESS_SECONDS = 60
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "parley_bench"
# The module run as `parley` (python -m CLI_MODULE ...); PARLEY_BENCH_CLI overrides it.
CLI_MODULE = os.environ.get("PARLEY_BENCH_CLI", "parley.cli")
# Where Parley's code is run from (--code): the checkout, or an export of one commit.
CODE = REPO

# Targets on the 2-core machine (issue 3 part 9).
TARGET_RATIO = 0.5
TARGET_RESYNC_S = 2.0
TARGET_RSS_MB = 300


@dataclass
class SyncRun:
    seconds: float
    resync_seconds: float
    peak_rss_mb: float
    messages: int
    score: mailgen.ThreadingScore
    groups: list[list[str | None]] = field(default_factory=list)
    directions: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ filling


def fill(dovecot: DovecotServer, n: int, seed: int) -> tuple[int, int]:
    """APPEND the generated mailbox; (messages, bytes)."""
    dovecot.add_user(USER)
    buffers: dict[str, list[bytes]] = {mailgen.INBOX: [], mailgen.SENT: []}
    count = size = 0
    for folder, raw in mailgen.generate(n, seed):
        buffers[folder].append(raw)
        count += 1
        size += len(raw)
        if len(buffers[folder]) >= APPEND_CHUNK:
            dovecot.append(USER, folder, buffers[folder])
            buffers[folder] = []
    for folder, rest in buffers.items():
        if rest:
            dovecot.append(USER, folder, rest)
    return count, size


# ---------------------------------------------------------------------------- raw limit


def raw_limit(dovecot: DovecotServer) -> tuple[float, float, int]:
    """(seconds, of which FETCH seconds, messages): FETCH all + policy.default parse."""
    parse = email.message_from_bytes
    policy = email.policy.default
    began = time.perf_counter()
    fetch_seconds = 0.0
    messages = 0
    with dovecot.imap(USER) as conn:
        for folder in (mailgen.INBOX, mailgen.SENT):
            typ, data = conn.select(f'"{folder}"', readonly=True)
            if typ != "OK":
                raise RuntimeError(f"SELECT {folder}: {data!r}")
            exists = int(data[0] or 0)
            for start in range(1, exists + 1, FETCH_BATCH):
                end = min(start + FETCH_BATCH - 1, exists)
                t0 = time.perf_counter()
                typ, fetched = conn.fetch(f"{start}:{end}", "(BODY.PEEK[])")
                fetch_seconds += time.perf_counter() - t0
                if typ != "OK":
                    raise RuntimeError(f"FETCH {start}:{end}: {typ}")
                for item in fetched:
                    if isinstance(item, tuple):
                        parse(item[1], policy=policy)
                        messages += 1
            conn.close()
    return time.perf_counter() - began, fetch_seconds, messages


# -------------------------------------------------------------------------- parley sync


def parley(args: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", CLI_MODULE, *args],
        env=env,
        cwd=CODE,
        check=True,
        text=True,
        **kwargs,
    )


def stored_messages(env: dict[str, str]) -> int | None:
    """Messages stored so far (read-only peek while the sync runs), for progress lines."""
    try:
        if "DATABASE_URL" in env:
            import psycopg

            with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
                row = conn.execute("SELECT count(*) FROM mail_message").fetchone()
        else:
            import sqlite3

            path = Path(env["PARLEY_DATA_DIR"]) / "parley.sqlite3"
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
                row = db.execute("SELECT count(*) FROM mail_message").fetchone()
    except Exception:
        return None
    return int(row[0]) if row else None


def timed_sync(
    env: dict[str, str],
    profile: Path | None = None,
    progress: Callable[[], int | None] | None = None,
) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one `parley sync bench --once` process."""
    prefix = [sys.executable]
    if profile is not None:
        prefix += ["-m", "cProfile", "-o", str(profile)]
    began = time.perf_counter()
    proc = subprocess.Popen(
        [*prefix, "-m", CLI_MODULE, "sync", MAILBOX, "--once"], env=env, cwd=CODE
    )
    last_report, last_count = began, 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.05)
        now = time.perf_counter()
        if progress is not None and now - last_report >= PROGRESS_SECONDS:
            count = progress()
            if count is not None:
                rate = (count - last_count) / (now - last_report)
                log(f"  {now - began:6.0f} s: {count} messages stored, {rate:.0f} msg/s lately")
                last_report, last_count = now, count
    elapsed = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"parley sync exited with {proc.returncode}")
    return elapsed, usage.ru_maxrss / 1024  # KiB on Linux


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]  # fixed statements built here


def sync_run(
    dovecot: DovecotServer,
    truth: mailgen.Expected,
    *,
    postgres: bool,
    profile: Path | None = None,
) -> SyncRun:
    data_dir = Path(tempfile.mkdtemp(prefix="parley-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        PARLEY_DATA_DIR=str(data_dir),
        PARLEY_MAILBOX_PASSWORD=dovecot.password(USER),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    if postgres:
        pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        pg_admin(f"CREATE DATABASE {PG_BENCH_DB}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
    try:
        parley(["migrate", "--no-input", "-v", "0"], env)
        parley(
            [
                "mailbox",
                "add",
                MAILBOX,
                "--email",
                mailgen.SUPPORT_ADDRESS,
                "--imap-host",
                dovecot.host,
                "--imap-port",
                str(dovecot.port),
                "--imap-security",
                "none",
                "--smtp-host",
                "127.0.0.1",
                "--smtp-port",
                "25",
                "--smtp-security",
                "none",
                "--username",
                USER,
            ],
            env,
            stdout=subprocess.DEVNULL,
        )
        seconds, rss = timed_sync(env, profile, progress=lambda: stored_messages(env))
        resync, _ = timed_sync(env)
        log(f"  sync {seconds:.1f} s, peak RSS {rss:.0f} MB, re-sync {resync:.2f} s")
        exported = parley(
            ["export", "--mailbox", MAILBOX, "--format", "jsonl", "-"],
            env,
            stdout=subprocess.PIPE,
        ).stdout
        groups: list[list[str | None]] = []
        directions: Counter[str] = Counter()
        flags: Counter[str] = Counter()
        for line in exported.splitlines():
            if not line.strip():
                continue
            conversation = json.loads(line)
            groups.append([m["message_id"] for m in conversation["messages"]])
            for m in conversation["messages"]:
                directions[m["direction"]] += 1
                flags.update(m["flags"])
        return SyncRun(
            seconds=seconds,
            resync_seconds=resync,
            peak_rss_mb=rss,
            messages=sum(len(g) for g in groups),
            score=mailgen.compare_threads(truth, groups),
            groups=groups,
            directions=directions,
            flags=flags,
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if postgres:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")


# ------------------------------------------------------------------------------ report


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def explain(run: SyncRun, truth: mailgen.Expected, n: int, seed: int, limit: int) -> None:
    """Why messages were mis-threaded: what the generator gave them to be threaded by."""
    wrong = mailgen.misthreaded(truth, run.groups)
    if not wrong:
        return
    by_id = {p.message_id: p for p in mailgen.plan(n, seed)}
    kinds: Counter[str] = Counter()
    for mid in wrong:
        p = by_id[mid]
        parent = by_id.get(p.parent_id)
        if not p.in_reply_to:
            how = "no In-Reply-To/References (subject fallback)"
        elif not p.references:
            how = "In-Reply-To only"
        else:
            how = "In-Reply-To + References"
        order = ""
        if parent is not None:
            order = f", answers a {parent.folder} message"
        kinds[f"{p.kind} in {p.folder}, {how}{order}"] += 1
    print(f"  mis-threaded by what the generator gave them ({len(wrong)} messages):")
    for text, count in kinds.most_common(limit):
        print(f"    {count:5d}  {text}")


def report_sync(name: str, runs: list[SyncRun], limit_rate: float, truth: mailgen.Expected) -> None:
    n = truth.messages
    seconds = statistics.median(r.seconds for r in runs)
    rate = n / seconds
    ratio = rate / limit_rate
    resync = statistics.median(r.resync_seconds for r in runs)
    rss = statistics.median(r.peak_rss_mb for r in runs)
    last = runs[-1]
    score = last.score
    print(f"\n[{name}] parley sync --once, fresh database")
    print(f"  full sync          {seconds:8.1f} s   {rate:8.0f} msg/s")
    target = f"(target >= {TARGET_RATIO:.0%} on SQLite)" if name == "SQLite" else ""
    ok = ratio >= TARGET_RATIO
    print(
        f"  Parley / limit     {ratio:8.0%}              {target} {verdict(ok) if target else ''}"
    )
    print(
        f"  re-sync unchanged  {resync:8.2f} s              (target <= {TARGET_RESYNC_S:.0f} s"
        f" at 20,000) {verdict(resync <= TARGET_RESYNC_S)}"
    )
    print(
        f"  peak RSS of sync   {rss:8.0f} MB             (target <= {TARGET_RSS_MB} MB)"
        f" {verdict(rss <= TARGET_RSS_MB)}"
    )
    counts = sorted({r.messages for r in runs})
    print(f"  messages stored    {', '.join(map(str, counts))} of {n}  {verdict(counts == [n])}")
    print(
        f"  direction          in {last.directions['in']} (expected {truth.folders.get('INBOX', 0)}),"
        f" out {last.directions['out']} (expected {truth.folders.get('Sent', 0)})"
    )
    print(
        f"  flags              auto_reply {last.flags['auto_reply']}"
        f" (generated {truth.kinds.get('auto_reply', 0)} auto-replies,"
        f" {truth.auto_submitted} with Auto-Submitted),"
        f" bulk {last.flags['bulk']} (generated {truth.kinds.get('bulk', 0)} bulk),"
        f" parse_error {last.flags['parse_error']}"
    )
    print(
        f"  conversations      {score.found_conversations} found, "
        f"{score.expected_conversations} expected, {score.exact_conversations} exactly right"
        f"  {verdict(score.perfect)}"
    )
    print(
        f"  mis-threaded       {score.split_messages} split off their thread, "
        f"{score.merged_messages} merged into another; pairwise precision "
        f"{score.pair_precision:.4f}, recall {score.pair_recall:.4f}"
    )
    if score.unknown_messages or score.missing_messages:
        print(
            f"  ids                {score.missing_messages} expected Message-IDs missing, "
            f"{score.unknown_messages} unknown"
        )
    if len(runs) > 1:
        print(
            "  runs (s)           "
            + ", ".join(
                f"{r.seconds:.1f}/{r.resync_seconds:.2f}/{r.peak_rss_mb:.0f}MB" for r in runs
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", action="store_true", help="also sync into PostgreSQL")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-limit", action="store_true", help="do not measure the raw limit")
    parser.add_argument(
        "--profile",
        type=Path,
        help="write a cProfile of the first SQLite (else PostgreSQL) sync to this file",
    )
    parser.add_argument(
        "--code",
        type=Path,
        default=REPO,
        help="run Parley from this directory, e.g. `git archive HEAD | tar -x -C DIR`, so "
        "uncommitted edits in a shared checkout do not skew the figures",
    )
    args = parser.parse_args()
    global CODE  # noqa: PLW0603 - set once from the command line
    CODE = args.code.resolve()

    truth = mailgen.expected(args.messages, args.seed)
    print(
        f"Mailbox: {truth.messages} messages, {truth.conversations} conversations, "
        f"folders {truth.folders}, seed {args.seed}; {os.cpu_count()} CPUs; median of {args.runs}"
    )
    print(f"Parley code: {CODE}")
    with DovecotServer.start() as dovecot:
        began = time.perf_counter()
        count, size = fill(dovecot, args.messages, args.seed)
        elapsed = time.perf_counter() - began
        print(
            f"Generated and APPENDed {count} messages, {size / 1e6:.1f} MB "
            f"(mean {size / count / 1024:.1f} KiB) in {elapsed:.1f} s"
        )

        limit_rate = float("nan")
        if not args.skip_limit:
            limits = [raw_limit(dovecot) for _ in range(args.runs)]
            seconds = statistics.median(s for s, _, _ in limits)
            fetch = statistics.median(f for _, f, _ in limits)
            fetched = limits[0][2]
            limit_rate = fetched / seconds
            print("\n[limit] imaplib FETCH (500 per batch) + email policy.default parse")
            print(f"  messages           {fetched}")
            print(
                f"  FETCH + parse      {seconds:8.1f} s   {limit_rate:8.0f} msg/s"
                f"   (FETCH alone {fetched / fetch:.0f} msg/s)"
            )

        backends = ([] if args.skip_sqlite else ["SQLite"]) + (
            ["PostgreSQL"] if args.postgres else []
        )
        for backend in backends:
            runs = []
            for index in range(args.runs):
                log(f"{backend} run {index + 1}/{args.runs}...")
                profile = args.profile if (index == 0 and backend == backends[0]) else None
                runs.append(
                    sync_run(dovecot, truth, postgres=backend == "PostgreSQL", profile=profile)
                )
            report_sync(backend, runs, limit_rate, truth)
            explain(runs[-1], truth, args.messages, args.seed, limit=8)
        print(
            f"\nTargets: Parley >= {TARGET_RATIO:.0%} of the limit on SQLite, re-sync <= "
            f"{TARGET_RESYNC_S:.0f} s at 20,000, peak RSS <= {TARGET_RSS_MB} MB."
        )


if __name__ == "__main__":
    main()
