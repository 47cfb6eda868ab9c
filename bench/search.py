"""Search benchmark (issue 8 part 4): typical queries at a small and a large scale.

    .venv/bin/python bench/search.py --sizes 10000,1000000   # SQLite and PostgreSQL
    .venv/bin/python bench/search.py --sizes 10000,200000 --db sqlite
    .venv/bin/python bench/search.py --sizes 10000,1000000 --keep /var/tmp/search --rounds 3

For every database and size, a child process creates an empty database, generates support
conversations straight into it (Polish text built from the vocabulary of `bench/mailgen.py`,
90 % in the benchmark user's team, 10 % in another team), builds the index with
`parley.search.indexer.reindex` and times the search service as the web page calls it:
a rare word, a common word, a phrase, a sender and a Polish word typed without diacritics.
The same questions asked with a naive `LIKE '%…%'` scan (what FreeScout does) are timed for
comparison. Selective queries (rare word, sender, Polish word) match the same handful of
messages at every size, so their ratio large/small shows how search scales; the common word
and the phrase match a fixed share of all messages.

Generation writes plain parameter tuples with executemany in batches of BATCH messages (the
ORM's bulk_create spends four fifths of its time compiling SQL), so memory stays flat at any
size. The databases of one size are built at the same time (one child each); the children
then take turns to time their queries, so one database's build never disturbs the other's
timings.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import mailgen  # noqa: E402

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "parley_search_bench_{size}"
BATCH = 5000
TEAM_B_SHARE = 10  # every 10th conversation belongs to another team

RARE = "hydroforowy"
SENDER_NAME = "Grzegorz Brzęczyszczykiewicz"
SENDER = "g.brzeczyszczykiewicz@chrzaszczyrzewoszyce.pl"
POLISH = "źdźbło"
PHRASE = "termin płatności"
QUERIES = [
    ("rare word", RARE, RARE),
    ("common word", "zamówienie", "zamówienie"),
    ("common word, first letters", "zamow", "zamow"),
    ("phrase", f'"{PHRASE}"', PHRASE),
    ("sender", f"from:{SENDER}", SENDER),
    ("Polish, no diacritics", "zdzblo", "zdzblo"),
]
SELECTIVE = {"rare word", "sender", "Polish, no diacritics"}
PLANTED = {RARE: 5, SENDER: 20, POLISH: 10}
MIN_RUNS, MAX_RUNS, MAX_SECONDS = 3, 25, 8.0
# A LIKE scan of a million messages takes seconds: two timed runs are enough to compare.
LIKE_MIN_RUNS = 2


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# Child: one database, one size.


def _pg_database(name: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        if create:
            conn.execute(f"CREATE DATABASE {name}")


def _setup(db: str, size: int, workdir: Path, *, fresh: bool) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["PARLEY_DATA_DIR"] = str(workdir)
    os.environ["PARLEY_LOG_LEVEL"] = "WARNING"
    if db == "postgresql":
        name = PG_BENCH_DB.format(size=size)
        if fresh:
            _pg_database(name, create=True)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    import django

    django.setup()


def _planted_positions(n: int, count: int, salt: int) -> list[int]:
    return [(n * (k + 1)) // (count + 1) + salt for k in range(count)]


class Rows:
    """Rows of one model as parameter tuples for executemany: every column starts from the
    model's defaults (prepared for the database once) and a few are set per row."""

    def __init__(self, model: Any) -> None:
        from django.db import connection

        self.connection = connection
        self.fields = {f.attname: f for f in model._meta.concrete_fields}
        prototype = model()
        self.defaults = [
            f.get_db_prep_save(getattr(prototype, name), connection)
            for name, f in self.fields.items()
        ]
        self.position = {name: i for i, name in enumerate(self.fields)}
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields.values())
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 (model metadata only)
        self.pending: list[list[Any]] = []

    def add(self, **values: Any) -> None:
        row = self.defaults.copy()
        for name, value in values.items():
            # Plain strings and numbers need no preparing (half the time of a row otherwise).
            plain = type(value) in {str, int}
            prepared = (
                value if plain else self.fields[name].get_db_prep_save(value, self.connection)
            )
            row[self.position[name]] = prepared
        self.pending.append(row)

    def flush(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(self.sql, self.pending)
        self.pending.clear()


def generate(n: int, seed: int) -> tuple[Any, float]:
    """Fill the database with n messages; returns (the benchmark user, seconds)."""
    from django.db import transaction
    from django.utils import timezone

    from parley.accounts.models import Role
    from parley.accounts.services import create_team, create_user, set_membership
    from parley.conversations.models import Conversation, Status
    from parley.mail.models import Message, MessageSource

    started = time.perf_counter()
    team_a, team_b = create_team(name="Bench A"), create_team(name="Bench B")
    user = create_user(email="bench@parley.test", password="bench-password-1", name="Bench")  # noqa: S106 (throwaway database)
    set_membership(user=user, team=team_a, role=Role.AGENT)
    rng = random.Random(seed)
    plants: dict[int, str] = {}
    for salt, (word, count) in enumerate(PLANTED.items()):
        for position in _planted_positions(n, count, salt):
            plants[position] = word
    now = timezone.now()
    conversations, messages = Rows(Conversation), Rows(Message)
    index = 0
    conversation_id = 0
    while index < n:
        conversation_id += 1
        length = min(rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 7]), n - index)
        first, last = rng.choice(mailgen.FIRST_NAMES), rng.choice(mailgen.LAST_NAMES)
        address = (
            f"{mailgen._ascii(first).lower()}.{mailgen._ascii(last).lower()}{rng.randint(1, 999)}"
            f"@{rng.choice(mailgen.DOMAINS)}"
        )
        order = rng.randint(100_000, 999_999)
        subject = rng.choice(mailgen.SUBJECTS).format(n=order)
        planted = [plants.get(i) for i in range(index, index + length)]
        # Planted messages stay in the benchmark user's team, so every size finds them all.
        team = team_b if conversation_id % TEAM_B_SHARE == 0 and not any(planted) else team_a
        start = now - timedelta(days=rng.randint(0, 730), minutes=rng.randint(0, 1440))
        conversations.add(
            id=conversation_id,
            team_id=team.pk,
            number=conversation_id,
            subject=subject,
            status=rng.choice([Status.OPEN, Status.CLOSED, Status.CLOSED]),
            message_count=length,
            last_message_at=start + timedelta(hours=(length - 1) * 5),
            last_activity_at=start + timedelta(hours=(length - 1) * 5),
            created_at=start,
            updated_at=start,
        )
        for position in range(length):
            support = position % 2 == 1
            bank = mailgen.SUPPORT_SENTENCES if support else mailgen.SENTENCES
            sentences = [rng.choice(bank) for _ in range(rng.randint(2, 8))]
            if rng.random() < 0.02:
                sentences.append(f"Przypominamy, że {PHRASE} faktury minął wczoraj.")
            sentences.append(f"Numer zamówienia: {order}, produkt SKU-{rng.randint(1, 60_000)}.")
            name, sender = (
                (mailgen.AGENTS[0], mailgen.SUPPORT_ADDRESS)
                if support
                else (f"{first} {last}", address)
            )
            word = planted[position]
            if word == SENDER:
                name, sender = SENDER_NAME, SENDER
            elif word:
                sentences.insert(1, f"Chodzi o {word} element, o który pytałem.")
            text = "Dzień dobry,\n\n" + " ".join(sentences) + f"\n\nPozdrawiam\n{name}"
            index += 1
            messages.add(
                id=index,
                conversation_id=conversation_id,
                message_id=f"{index}.{seed}@bench.example",
                content_hash=f"{index:064x}",
                raw_sha256=f"{index:064x}",
                raw_size=len(text) + 600,
                subject=subject if position == 0 else f"Re: {subject}",
                from_name=name,
                from_address=sender,
                to=[{"name": "", "address": address if support else mailgen.SUPPORT_ADDRESS}],
                date=start + timedelta(hours=position * 5),
                source=MessageSource.IMPORT,
                text=text,
                snippet=text[:200],
                created_at=start,
            )
        if len(messages.pending) >= BATCH:
            with transaction.atomic():
                conversations.flush()
                messages.flush()
    with transaction.atomic():
        conversations.flush()
        messages.flush()
    return user, time.perf_counter() - started


def _time(function: Any, min_runs: int = MIN_RUNS) -> tuple[list[float], Any]:
    function()  # warm the caches once
    times: list[float] = []
    result = None
    began = time.perf_counter()
    while len(times) < min_runs or (
        len(times) < MAX_RUNS and time.perf_counter() - began < MAX_SECONDS
    ):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def _stats(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": statistics.median(ordered), "p95_ms": p95, "runs": len(ordered)}


def measure(user: Any, rounds: int) -> list[dict[str, Any]]:
    """Time every query `rounds` times over (the queries in turn, so a burst of load on the
    shared machine touches every query alike); the LIKE scan once."""
    from django.db.models import Q

    from parley.mail.models import Message
    from parley.search.services import search

    rows = []
    for label, query, needle in QUERIES:

        def like(needle: str = needle) -> int:
            found = Message.objects.visible_to(user).filter(
                Q(subject__icontains=needle)
                | Q(text__icontains=needle)
                | Q(from_name__icontains=needle)
                | Q(from_address__icontains=needle)
            )
            list(found.order_by("-date")[:20])
            return found.count()

        like_times, like_hits = _time(like, LIKE_MIN_RUNS)
        rows.append({"query": label, "q": query, "samples": [], "round_medians": []})
        rows[-1] |= {"like_hits": like_hits, "like": _stats(like_times)}
    for round_number in range(rounds):
        for row in rows:

            def indexed(query: str = row["q"]) -> int:
                results = search(user=user, q=query)
                return sum(g.count for g in results.groups if g.kind == "conversations")

            times, row["hits"] = _time(indexed)
            row["samples"] += times
            row["round_medians"].append(statistics.median(times))
            log(
                f"  round {round_number + 1}: {row['query']:24} "
                f"{row['round_medians'][-1]:8.1f} ms  ({row['hits']} hits)  "
                f"LIKE {row['like']['median_ms']:8.1f} ms ({row['like_hits']})"
            )
    for row in rows:
        # The median of the rounds' medians; p95 over every sample.
        row.update(_stats(row.pop("samples")))
        row["median_ms"] = statistics.median(row["round_medians"])
    return rows


def _wait_for(sync: Path, step: str, db: str, peers: int) -> None:
    """Say this database reached `step` and wait until every database of the size has."""
    (sync / f"{step}-{db}").touch()
    while len(list(sync.glob(f"{step}-*"))) < peers:
        time.sleep(2)


def _take_turns(sync: Path, db: str, peers: int) -> Any:
    """Wait until every database of this size is built, then hold the timing lock."""
    _wait_for(sync, "built", db, peers)
    lock = (sync / "timing.lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def _build(db: str, size: int, seed: int, *, reindex_only: bool) -> dict[str, Any]:
    """Generate `size` messages (unless `reindex_only`) and (re)build the index."""
    from django.db import connection

    from parley.search.backends import index_backend
    from parley.search.indexer import reindex

    built: dict[str, Any] = {}
    if not reindex_only:
        log(f"{db} {size:,}: generating")
        _user, built["generate_s"] = generate(size, seed)
        log(f"{db} {size:,}: generated in {built['generate_s']:.0f} s; indexing")
    started = time.perf_counter()
    # Every kind (only messages are generated): the whole index is emptied and rebuilt in
    # one go, as `parley reindex` does, so a rebuilt kept database measures as a new one.
    reindex()
    built["index_s"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        # A rebuilt PostgreSQL index leaves the old rows dead: measure the live ones.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    built["index_bytes"] = index_backend().size_bytes()
    log(
        f"{db} {size:,}: indexed in {built['index_s']:.0f} s ({size / built['index_s']:,.0f} msg/s), "
        f"{built['index_bytes'] / size:,.0f} B/message"
    )
    return built


def child(args: argparse.Namespace) -> dict[str, Any]:
    """Build (or, with --keep, reuse) one database of `size` messages and time the queries."""
    db, size, seed, keep = args.db, int(args.sizes), args.seed, args.keep
    with tempfile.TemporaryDirectory(prefix="parley-search-bench-") as tmp:
        workdir = keep / f"{db}-{size}-seed{seed}" if keep else Path(tmp)
        marker = workdir / "built.json"
        # A kept database is reused as it is; --reindex rebuilds only its index.
        reuse = marker.exists()
        workdir.mkdir(parents=True, exist_ok=True)
        _setup(db, size, workdir, fresh=not reuse)
        from django.core.management import call_command
        from django.db import connection

        from parley.accounts.models import User

        call_command("migrate", verbosity=0)
        if reuse and not args.reindex:
            built = json.loads(marker.read_text(encoding="utf-8"))
            log(f"{db} {size:,}: reusing the database kept in {workdir}")
        else:
            built = _build(db, size, seed, reindex_only=reuse)
            if reuse:
                built = json.loads(marker.read_text(encoding="utf-8")) | built
            if keep:
                marker.write_text(json.dumps(built), encoding="utf-8")
        user = User.objects.get(email="bench@parley.test")
        with _take_turns(args.sync, db, args.peers):
            log(f"{db} {size:,}: timing")
            queries = measure(user, args.rounds)
        # Deleting gigabytes would disturb the other database's timings: wait for them.
        _wait_for(args.sync, "timed", db, args.peers)
        connection.close()
        if db == "postgresql" and not keep:
            _pg_database(PG_BENCH_DB.format(size=size), create=False)
        return {
            "db": db,
            "size": size,
            "generate_s": built["generate_s"],
            "index_s": built["index_s"],
            "index_rate": size / built["index_s"],
            "index_bytes": built["index_bytes"],
            "index_bytes_per_message": built["index_bytes"] / size,
            "queries": queries,
        }


# Parent: run the children, print the report.


def _rounds(row: dict[str, Any]) -> str:
    return " / ".join(f"{m:.1f}" for m in row.get("round_medians", [row["median_ms"]]))


def report(runs: list[dict[str, Any]]) -> None:
    by_db: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        by_db.setdefault(run["db"], []).append(run)
    for db, sized in by_db.items():
        sized.sort(key=lambda run: run["size"])
        small, large = sized[0], sized[-1]
        print(f"\n## {db}: {small['size']:,} vs {large['size']:,} messages\n")
        for run in sized:
            print(
                f"- {run['size']:,} messages: index built in {run['index_s']:.0f} s "
                f"({run['index_rate']:,.0f} msg/s), {run['index_bytes'] / 1e6:,.1f} MB = "
                f"{run['index_bytes_per_message']:,.0f} bytes per message"
            )
        print(
            "\n| query | hits small/large | median ms small | large | p95 ms small | large "
            "| ratio (median) | LIKE median ms small | large | LIKE hits large "
            "| round medians small | large |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for a, b in zip(small["queries"], large["queries"], strict=True):
            ratio = b["median_ms"] / a["median_ms"] if a["median_ms"] else float("nan")
            target = " (target ≤ 1.5)" if a["query"] in SELECTIVE else ""
            print(
                f"| {a['query']} | {a['hits']}/{b['hits']} | {a['median_ms']:.1f} | "
                f"{b['median_ms']:.1f} | {a['p95_ms']:.1f} | {b['p95_ms']:.1f} | "
                f"{ratio:.2f}{target} | {a['like']['median_ms']:.1f} | "
                f"{b['like']['median_ms']:.1f} | {b['like_hits']} | "
                f"{_rounds(a)} | {_rounds(b)} |"
            )


def run_size(size: int, databases: list[str], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Build every database of `size` at once, one child each; they time one at a time."""
    with tempfile.TemporaryDirectory(prefix="parley-search-sync-") as sync:
        children = {
            db: subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    *("--db", db, "--sizes", str(size), "--seed", str(args.seed)),
                    *("--sync", sync, "--peers", str(len(databases))),
                    *(("--keep", str(args.keep)) if args.keep else ()),
                    *(("--reindex",) if args.reindex else ()),
                    *("--rounds", str(args.rounds)),
                ],
                stdout=subprocess.PIPE,
                text=True,
                cwd=REPO,
            )
            for db in databases
        }
        runs = []
        while children:
            time.sleep(1)
            for db, process in list(children.items()):
                if process.poll() is None:
                    continue
                del children[db]
                # The child prints one line of JSON on stdout (its log goes to stderr).
                out = process.stdout.read() if process.stdout else ""
                if process.returncode:
                    log(f"{db} {size:,}: failed (exit {process.returncode})")
                    # Let the other children go on rather than wait for this one.
                    (Path(sync) / f"built-{db}").touch()
                    (Path(sync) / f"timed-{db}").touch()
                    continue
                runs.append(json.loads(out.strip().splitlines()[-1]))
        return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,200000")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="Also write the raw figures here.")
    parser.add_argument(
        "--keep",
        type=Path,
        help="Keep the databases in this directory (PostgreSQL: keep the database) and reuse "
        "them on the next run instead of generating them again.",
    )
    parser.add_argument(
        "--reindex", action="store_true", help="With --keep: rebuild the kept databases' index."
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="Time every query this many times over."
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sync", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--peers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args)))
        return
    runs: list[dict[str, Any]] = []
    for size in [int(s) for s in args.sizes.split(",")]:
        runs += run_size(size, args.db.split(","), args)
        # Written after every size, so a run cut short keeps what it measured.
        if args.json:
            args.json.write_text(json.dumps(runs, indent=2), encoding="utf-8")
        report(runs)


if __name__ == "__main__":
    main()
