"""Inbox benchmark (issue 4, section 7): the inbox list and the conversation page at a small
and a large scale, SQLite and PostgreSQL, in one run.

    .venv/bin/python bench/inbox.py --sizes 10000,1000000   # both databases (the issue's run)
    .venv/bin/python bench/inbox.py                         # 10k and 200k messages, both DBs
    .venv/bin/python bench/inbox.py --sizes 10000,200000 --db sqlite --json /tmp/inbox.json

For every database, one "fill" child process per size creates an empty database (SQLite in a
temporary folder; PostgreSQL `parley_inbox_bench_<size>`, created and dropped here) and fills
it in batches of 20,000 messages, one transaction each, with plain executemany (SQLite) or
COPY (PostgreSQL) — linear in the size, memory bounded by the batch: conversations of 1 to
19 messages (10 on average, so 1,000,000 messages are ~100,000 conversations), 90 % in the
benchmark user's team, with queues, categories, priorities, statuses, assignees, tags and
per-user read state spread over them; then ANALYZE.

Then one "serve" child per size (the web processes) signs in an agent with the Django test
client, and the parent times the pages in rounds, alternating the small and the large
database request by request so both see the same machine load:

- the inbox, first page (folder Open);
- a filtered page (queue + priority + assignee: ~5 rows at 10,000 messages, 50 at 1,000,000);
- a filtered full page (queue + status, oldest activity first: 50 rows at both sizes);
- a deep keyset page (the cursor of the row in the middle of the "All" folder);
- the conversation page of a 10-message conversation.

The report gives per page the median, fastest and web-process CPU time (process_time, which
other jobs on the machine disturb less) at both sizes and their ratio large/small (target
< 2), the SQL queries and rows per page, the web processes' resident memory (VmRSS) before
and after the timed requests, the fill processes' peak memory and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
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

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "parley_inbox_bench"
BATCH = 20_000  # messages per transaction
TEAM_B_SHARE = 10  # every 10th conversation belongs to another team
RUNS = 20
PAGES = (
    "inbox first page",
    "inbox filtered page",
    "inbox filtered full page",
    "inbox deep keyset page",
    "conversation page",
)


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# Child: one database, one size.


def _pg_name(size: int) -> str:
    return f"{PG_BENCH_DB}_{size}"


def _setup(db: str, workdir: Path, size: int, *, migrate: bool = True) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["PARLEY_DATA_DIR"] = str(workdir)
    os.environ["PARLEY_LOG_LEVEL"] = "WARNING"
    os.environ["PARLEY_ALLOWED_HOSTS"] = "testserver"
    if db == "postgresql":
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{_pg_name(size)}"
    import django

    django.setup()
    from django.core.management import call_command

    if migrate:
        call_command("migrate", verbosity=0)
    # Plain static URLs: no collectstatic (and its manifest) needed for server timings.
    from django.conf import settings

    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": plain}


def _create_pg_db(size: int) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_pg_name(size)}")
        conn.execute(f"CREATE DATABASE {_pg_name(size)}")


def _drop_pg_db(size: int) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_pg_name(size)} WITH (FORCE)")


class Table:
    """Insert rows of one model with plain executemany (no model instances).

    Building a model instance and letting bulk_create prepare each of its ~30 fields cost
    ~95 % of the fill time (cProfile, 50,000 messages); here the constant columns are
    prepared once and only the varying values per row.
    """

    def __init__(self, model: Any, varying: list[str]) -> None:
        from django.db import connection
        from django.db.models import DateTimeField, JSONField

        self.connection = connection
        fields = [
            f for f in model._meta.concrete_fields if not (f.primary_key and f.name not in varying)
        ]
        fields = [
            f for f in fields if f.name in varying or f.has_default() or not f.has_db_default()
        ]
        self.columns = [f.column for f in fields]
        self.constant: list[Any] = []
        self.prep: dict[str, Any] = {}
        by_name = {f.name: f for f in fields}
        for name in varying:
            field = by_name[name]
            if isinstance(field, (DateTimeField, JSONField)):
                self.prep[name] = lambda value, field=field: field.get_db_prep_save(
                    value, connection
                )
        self.order = [f.name if f.name in varying else None for f in fields]
        self.constant = [
            None if f.name in varying else f.get_db_prep_save(f.get_default(), connection)
            for f in fields
        ]
        quote = connection.ops.quote_name
        # Table and column names come from the model, quoted; values are parameters.
        table, columns = quote(model._meta.db_table), ", ".join(map(quote, self.columns))
        marks = ", ".join(["%s"] * len(self.columns))
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        self.rows: list[tuple[Any, ...]] = []

    def add(self, **values: Any) -> None:
        prep = self.prep
        self.rows.append(
            tuple(
                const
                if name is None
                else (prep[name](values[name]) if name in prep else values[name])
                for name, const in zip(self.order, self.constant, strict=True)
            )
        )

    def flush(self) -> None:
        if not self.rows:
            return
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                # COPY: several times faster than row-by-row INSERTs on PostgreSQL.
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, self.rows)
        self.rows.clear()


class Filler:
    """Builds rows as tuples and writes them in batches, one transaction per batch."""

    def __init__(self) -> None:
        from parley.conversations.models import Conversation, ConversationRead
        from parley.mail.models import Message

        self.conversations = Table(
            Conversation,
            [
                "id", "team", "number", "subject", "status", "priority", "queue", "category",
                "message_count", "last_message_at", "last_activity_at", "created_at",
                "updated_at",
            ],
        )  # fmt: skip
        self.messages = Table(
            Message,
            [
                "id", "conversation", "message_id", "content_hash", "raw_sha256", "raw_size",
                "subject", "from_name", "from_address", "to", "date", "direction", "source",
                "text", "snippet", "has_attachments",
            ],
        )  # fmt: skip
        self.assignees = Table(Conversation.assignees.through, ["conversation", "user"])
        self.tags = Table(Conversation.tags.through, ["conversation", "tag"])
        self.reads = Table(ConversationRead, ["user", "conversation", "last_read_at"])

    def flush(self) -> None:
        from django.db import transaction

        with transaction.atomic():
            # Parents first: PostgreSQL checks the foreign keys row by row.
            for table in (self.conversations, self.assignees, self.tags, self.reads, self.messages):
                table.flush()

    def reset_sequences(self) -> None:
        """Rows were inserted with explicit ids: move PostgreSQL's sequences past them."""
        from django.core.management.color import no_style
        from django.db import connection

        from parley.conversations.models import Conversation
        from parley.mail.models import Message

        statements = connection.ops.sequence_reset_sql(no_style(), [Conversation, Message])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def generate(n: int, seed: int) -> tuple[dict[str, Any], float]:  # a flat script
    """Fill the database with n messages; returns (ids the measurements need, seconds)."""
    from django.utils import timezone

    from parley.accounts.models import Role
    from parley.accounts.services import create_team, create_user, set_membership
    from parley.conversations.models import (
        Category,
        ConversationNumber,
        Priority,
        Queue,
        Status,
        Tag,
    )
    from parley.mail.models import Direction, MessageSource

    started = time.perf_counter()
    team_a, team_b = create_team(name="Bench A"), create_team(name="Bench B")
    user = create_user(email="bench@parley.test", password="bench-password-1", name="Bench")  # noqa: S106  # throwaway database
    set_membership(user=user, team=team_a, role=Role.AGENT)
    agents = [user]
    for k in range(3):
        email, name = f"agent{k}@parley.test", f"Agent {k}"
        agent = create_user(email=email, password="bench-password-1", name=name)  # noqa: S106  # throwaway database
        set_membership(user=agent, team=team_a, role=Role.AGENT)
        agents.append(agent)
    queues = [Queue.objects.create(team=team_a, name=f"Queue {k}") for k in range(5)]
    categories = [Category.objects.create(team=team_a, name=f"Category {k}") for k in range(5)]
    tags = [Tag.objects.create(team=team_a, name=f"tag{k}") for k in range(10)]
    other_queue = Queue.objects.create(team=team_b, name="Other")
    rng = random.Random(seed)
    statuses = [Status.NEW, Status.OPEN, Status.OPEN, Status.PENDING, Status.CLOSED, Status.CLOSED]
    priorities = [Priority.LOW, Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.URGENT]
    now = timezone.now()
    fill = Filler()
    index = conversation_id = 0
    target_id = None
    while index < n:
        conversation_id += 1
        length = min(rng.randint(1, 19), n - index)
        in_b = conversation_id % TEAM_B_SHARE == 0
        start = now - timedelta(days=rng.randint(0, 730), minutes=rng.randint(0, 1440))
        last = start + timedelta(hours=(length - 1) * 3)
        subject = f"Zamówienie {rng.randint(100_000, 999_999)}"
        address = f"klient{rng.randint(1, n)}@example.pl"
        if target_id is None and length == 10 and not in_b and conversation_id * 10 > n // 2:
            target_id = conversation_id
        for position in range(length):
            index += 1
            inbound = position % 2 == 0
            text = f"Dzień dobry, wiadomość {position + 1} w sprawie: {subject}. " * 4
            fill.messages.add(
                id=index,
                conversation=conversation_id,
                message_id=f"{index}.{seed}@bench.example",
                content_hash=f"{index:064x}",
                raw_sha256=f"{index:064x}",
                raw_size=len(text) + 600,
                subject=subject if position == 0 else f"Re: {subject}",
                from_name="Klient" if inbound else "Support",
                from_address=address if inbound else "support@bench.example",
                to=[{"name": "", "address": "support@bench.example" if inbound else address}],
                date=start + timedelta(hours=position * 3),
                direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
                source=MessageSource.IMPORT,
                text=text,
                snippet=text[:200],
                has_attachments=rng.random() < 0.1,
            )
        category = None if in_b else rng.choice([None, *categories])
        fill.conversations.add(
            id=conversation_id,
            team=team_b.pk if in_b else team_a.pk,
            number=conversation_id,
            subject=subject,
            status=rng.choice(statuses),
            priority=rng.choice(priorities),
            queue=other_queue.pk if in_b else rng.choice(queues).pk,
            category=category.pk if category else None,
            message_count=length,
            last_message_at=last,
            last_activity_at=last,
            created_at=start,
            updated_at=last,
        )
        if not in_b:
            for agent in rng.sample(agents, rng.choice([0, 1, 1, 2])):
                fill.assignees.add(conversation=conversation_id, user=agent.pk)
            for tag in rng.sample(tags, rng.choice([0, 0, 1, 2])):
                fill.tags.add(conversation=conversation_id, tag=tag.pk)
            if rng.random() < 0.5:
                fill.reads.add(user=user.pk, conversation=conversation_id, last_read_at=last)
        if len(fill.messages.rows) >= BATCH:
            fill.flush()
    fill.flush()
    fill.reset_sequences()
    ConversationNumber.objects.update_or_create(pk=1, defaults={"last": conversation_id})
    ids = {
        "user": user.pk,
        "agent": agents[1].pk,
        "queue": queues[2].pk,
        "conversation": target_id or 1,
        "conversations": conversation_id,
    }
    return ids, time.perf_counter() - started


def _deep_cursor(user: Any) -> str:
    from parley.conversations.inbox import Folder, InboxFilters, Sort, _filtered, encode_cursor

    qs = _filtered(user, InboxFilters(folder=Folder.ALL)).order_by("-last_activity_at", "-pk")
    middle = qs.count() // 2
    # A one-off OFFSET to find the row in the middle; the timed page uses the keyset cursor.
    return encode_cursor(qs[middle], Sort.ACTIVITY)


def _get(client: Any, url: str) -> Any:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return response


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def fill(db: str, size: int, seed: int, workdir: Path) -> dict[str, Any]:
    """Child "fill": create and fill one database, write the ids the pages need."""
    _setup(db, workdir, size)
    from django.db import connection

    log(f"{db} {size:,}: generating")
    ids, generate_s = generate(size, seed)
    fill_peak = _peak_rss_mb()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(
        f"{db} {size:,}: {ids['conversations']:,} conversations generated in "
        f"{generate_s:.0f} s ({size / generate_s:,.0f} msg/s), peak RSS {fill_peak:.0f} MB"
    )
    connection.close()
    return {**ids, "generate_s": generate_s, "fill_peak_rss_mb": fill_peak}


def serve(db: str, size: int, workdir: Path, ids: dict[str, Any]) -> None:
    """Child "serve": the web process of one database. Reads commands on stdin, answers one
    JSON line each, so the parent can interleave the requests of the small and the large
    database and both see the same machine load."""
    _setup(db, workdir, size, migrate=False)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from parley.accounts.models import User

    user = User.objects.get(pk=ids["user"])
    client = Client()
    client.force_login(user)
    urls = {
        "inbox first page": "/inbox/",
        "inbox filtered page": f"/inbox/?queue={ids['queue']}&priority=high&assignee={ids['agent']}",
        # Fills a whole page at 10,000 messages too (the one above lists ~5 rows there).
        "inbox filtered full page": f"/inbox/?queue={ids['queue']}&status=open&sort=activity_asc",
        "inbox deep keyset page": f"/inbox/?folder=all&cursor={_deep_cursor(user)}",
        "conversation page": f"/conversations/{ids['conversation']}/",
    }
    for url in urls.values():  # warm caches and the template loader once
        _get(client, url)
    rss_before = rss_mb()
    print(json.dumps({"ready": True, "rss_mb": rss_before}), flush=True)
    for command in sys.stdin:
        name, _sep, label = command.strip().partition(" ")
        if name == "time":
            began, cpu = time.perf_counter(), time.process_time()
            _get(client, urls[label])
            wall_ms = (time.perf_counter() - began) * 1000
            answer: dict[str, Any] = {"ms": wall_ms, "cpu_ms": (time.process_time() - cpu) * 1000}
        elif name == "stats":
            pages = {}
            for page, url in urls.items():
                with CaptureQueriesContext(connection) as queries:
                    body = client.get(url).content
                rows = body.count(b'data-testid="inbox-row"') or body.count(b"<article")
                pages[page] = {"url": url, "queries": len(queries), "rows": rows}
            answer = {"pages": pages, "rss_before_mb": rss_before, "rss_after_mb": rss_mb()}
        else:
            break
        print(json.dumps(answer), flush=True)
    connection.close()


# Parent: fill the databases, run the web processes side by side, print the report.


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median": statistics.median(ordered),
        "min": ordered[0],
        "p95": ordered[max(0, int(len(ordered) * 0.95) - 1)],
    }


def _ask(server: subprocess.Popen[str], command: str, name: str) -> dict[str, Any]:
    """Send one command to a web process and read its one-line JSON answer."""
    if server.stdin is None or server.stdout is None:
        raise RuntimeError(f"{name}: no pipe to the web process")
    server.stdin.write(command + "\n")
    server.stdin.flush()
    line = server.stdout.readline()
    if not line:
        raise RuntimeError(f"{name}: the web process stopped")
    answer: dict[str, Any] = json.loads(line)
    return answer


def run_db(db: str, sizes: list[int], seed: int, runs: int) -> list[dict[str, Any]]:  # noqa: PLR0912  # one linear script: fill, start, time, collect
    workdirs = {
        size: Path(tempfile.mkdtemp(prefix=f"parley-inbox-bench-{size}-")) for size in sizes
    }
    me = [sys.executable, __file__, "--db", db, "--seed", str(seed)]
    fills: dict[int, dict[str, Any]] = {}
    servers: dict[int, subprocess.Popen[str]] = {}
    try:
        for size in sizes:
            if db == "postgresql":
                _create_pg_db(size)
            load_before = os.getloadavg()
            out = subprocess.run(
                [*me, "--child", "fill", "--sizes", str(size), "--workdir", str(workdirs[size])],
                check=True, stdout=subprocess.PIPE, text=True, cwd=REPO,
            )  # fmt: skip
            fills[size] = json.loads(out.stdout.strip().splitlines()[-1])
            fills[size]["load_during_fill"] = [load_before, os.getloadavg()]
        ids_file = {size: workdirs[size] / "ids.json" for size in sizes}
        for size in sizes:
            ids_file[size].write_text(json.dumps(fills[size]), encoding="utf-8")
            servers[size] = subprocess.Popen(
                [*me, "--child", "serve", "--sizes", str(size), "--workdir", str(workdirs[size])],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO,
            )  # fmt: skip

        def ask(size: int, command: str) -> dict[str, Any]:
            return _ask(servers[size], command, f"{db} {size}")

        for size in sizes:
            servers[size].stdout.readline()  # type: ignore[union-attr]  # "ready"
        log(f"{db}: timing {runs} rounds of {len(PAGES)} pages, sizes interleaved")
        load_before = os.getloadavg()
        times: dict[int, dict[str, list[float]]] = {s: {p: [] for p in PAGES} for s in sizes}
        cpu: dict[int, dict[str, list[float]]] = {s: {p: [] for p in PAGES} for s in sizes}
        for round_no in range(runs):
            for label in PAGES:
                order = sizes if round_no % 2 == 0 else sizes[::-1]
                for size in order:
                    answer = ask(size, f"time {label}")
                    times[size][label].append(answer["ms"])
                    cpu[size][label].append(answer["cpu_ms"])
        load_after = os.getloadavg()
        results = []
        for size in sizes:
            stats = ask(size, "stats")
            pages = {}
            for label in PAGES:
                pages[label] = {
                    **stats["pages"][label],
                    **{f"{k}_ms": v for k, v in _summary(times[size][label]).items()},
                    **{f"cpu_{k}_ms": v for k, v in _summary(cpu[size][label]).items()},
                }
                log(
                    f"  {db} {size:>9,} {label:24} {pages[label]['median_ms']:8.1f} ms "
                    f"(cpu {pages[label]['cpu_median_ms']:.1f})  {pages[label]['queries']} queries"
                )
            results.append(
                {
                    "db": db,
                    "size": size,
                    "conversations": fills[size]["conversations"],
                    "generate_s": fills[size]["generate_s"],
                    "fill_peak_rss_mb": fills[size]["fill_peak_rss_mb"],
                    "load_during_fill": fills[size]["load_during_fill"],
                    "load_during_timing": [load_before, load_after],
                    "rss_before_mb": stats["rss_before_mb"],
                    "rss_after_mb": stats["rss_after_mb"],
                    "pages": pages,
                }
            )
        return results
    finally:
        for server in servers.values():
            if server.stdin is not None:
                server.stdin.close()
            server.wait(timeout=60)
        for size in sizes:
            if db == "postgresql":
                _drop_pg_db(size)
            shutil.rmtree(workdirs[size], ignore_errors=True)


def report(runs: list[dict[str, Any]], rounds: int) -> None:
    by_db: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        by_db.setdefault(run["db"], []).append(run)
    for db, sized in by_db.items():
        sized.sort(key=lambda run: run["size"])
        small, large = sized[0], sized[-1]
        print(
            f"\n## {db}: {small['size']:,} messages ({small['conversations']:,} conversations) "
            f"vs {large['size']:,} ({large['conversations']:,})\n"
        )
        for run in sized:
            load = ", ".join(
                f"{a:.1f}→{b:.1f}" for a, b in zip(*run["load_during_timing"], strict=True)
            )
            print(
                f"- {run['size']:,} messages: filled in {run['generate_s']:.0f} s "
                f"({run['size'] / run['generate_s']:,.0f} msg/s, fill process peak RSS "
                f"{run['fill_peak_rss_mb']:.0f} MB); web process RSS {run['rss_before_mb']:.0f} MB "
                f"before, {run['rss_after_mb']:.0f} MB after {rounds * len(PAGES)} requests; "
                f"load average (1, 5, 15 min) during the timing {load}"
            )
        print(
            "\n| page | median ms small | large | ratio (target < 2) | min ms small | large "
            "| ratio (min) | web-process CPU ms small | large | ratio (CPU) | queries small | large "
            "| rows small | large |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for label in PAGES:
            a, b = small["pages"][label], large["pages"][label]
            print(
                f"| {label} | {a['median_ms']:.1f} | {b['median_ms']:.1f} | "
                f"{b['median_ms'] / a['median_ms']:.2f} | {a['min_ms']:.1f} | {b['min_ms']:.1f} | "
                f"{b['min_ms'] / a['min_ms']:.2f} | {a['cpu_median_ms']:.1f} | "
                f"{b['cpu_median_ms']:.1f} | {b['cpu_median_ms'] / a['cpu_median_ms']:.2f} | "
                f"{a['queries']} | {b['queries']} | {a['rows']} | {b['rows']} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000,200000")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL only.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=RUNS, help="Timed rounds per page.")
    parser.add_argument("--json", type=Path, help="Also write the raw figures here.")
    parser.add_argument("--child", choices=["fill", "serve"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "fill":
        result = fill(args.db, int(args.sizes), args.seed, args.workdir)
        print(json.dumps(result))
        return
    if args.child == "serve":
        ids = json.loads((args.workdir / "ids.json").read_text(encoding="utf-8"))
        serve(args.db, int(args.sizes), args.workdir, ids)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    runs = []
    started = time.perf_counter()
    for db in ["postgresql"] if args.postgres else args.db.split(","):
        runs += run_db(db, sizes, args.seed, args.runs)
        if args.json:  # after each database, so a late failure keeps the first
            args.json.write_text(json.dumps(runs, indent=2), encoding="utf-8")
    log(f"bench/inbox.py: done in {time.perf_counter() - started:.0f} s")
    report(runs, args.runs)


if __name__ == "__main__":
    main()
