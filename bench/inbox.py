"""Inbox benchmark (issue 4, section 7): the inbox list and the conversation page at a small
and a large scale, SQLite and PostgreSQL.

    .venv/bin/python bench/inbox.py                        # 10k and 200k messages, both DBs
    .venv/bin/python bench/inbox.py --sizes 10000,1000000 --db sqlite
    .venv/bin/python bench/inbox.py --postgres             # PostgreSQL only

For every database and size, a child process (the "web process") creates an empty database
(PostgreSQL: `parley_inbox_bench`, created and dropped here), fills it with bulk_create —
conversations of 1 to 19 messages (10 on average, so 1,000,000 messages are 100,000
conversations), 90 % in the benchmark user's team, with queues, categories, priorities,
statuses, assignees, tags and per-user read state spread over them — and then times, with the
Django test client as a signed-in agent, the median server time of 20 requests of:

- the inbox, first page (folder Open);
- a filtered page (queue + priority + assignee);
- a deep keyset page (the cursor of the row in the middle of the "All" folder);
- the conversation page of a 10-message conversation.

It also counts the SQL queries of each page and reads the child's resident memory (VmRSS)
before and after the 80 timed requests. The report shows the ratio large/small (target < 2)
of the medians, and of the fastest runs, which a busy machine disturbs less.
"""

from __future__ import annotations

import argparse
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

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "parley_inbox_bench"
BATCH = 20_000  # messages per transaction
TEAM_B_SHARE = 10  # every 10th conversation belongs to another team
RUNS = 20
PAGES = ("inbox first page", "inbox filtered page", "inbox deep keyset page", "conversation page")


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# Child: one database, one size.


def _setup(db: str, workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["PARLEY_DATA_DIR"] = str(workdir)
    os.environ["PARLEY_LOG_LEVEL"] = "WARNING"
    os.environ["PARLEY_ALLOWED_HOSTS"] = "testserver"
    if db == "postgresql":
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Plain static URLs: no collectstatic (and its manifest) needed for server timings.
    from django.conf import settings

    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = {**settings.STORAGES, "staticfiles": plain}


def _create_pg_db() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")
        conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")


def _drop_pg_db() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB}")


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
        if self.rows:
            with self.connection.cursor() as cursor:
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


def measure(ids: dict[str, Any]) -> dict[str, Any]:
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
        "inbox deep keyset page": f"/inbox/?folder=all&cursor={_deep_cursor(user)}",
        "conversation page": f"/conversations/{ids['conversation']}/",
    }
    for url in urls.values():  # warm caches and the template loader once
        _get(client, url)
    rss_before = rss_mb()
    pages: dict[str, Any] = {}
    for label, url in urls.items():
        times = []
        for _ in range(RUNS):
            began = time.perf_counter()
            _get(client, url)
            times.append((time.perf_counter() - began) * 1000)
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).content
        pages[label] = {
            "url": url,
            "median_ms": statistics.median(times),
            "min_ms": min(times),
            "p95_ms": sorted(times)[int(len(times) * 0.95) - 1],
            "queries": len(queries),
            "rows": body.count(b"data-conversation-row") or body.count(b"<article"),
        }
        log(f"  {label:24} {pages[label]['median_ms']:8.1f} ms  {len(queries)} queries")
    return {"pages": pages, "rss_before_mb": rss_before, "rss_after_mb": rss_mb()}


def child(db: str, size: int, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="parley-inbox-bench-") as tmp:
        _setup(db, Path(tmp))
        from django.db import connection

        log(f"{db} {size:,}: generating")
        ids, generate_s = generate(size, seed)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        log(
            f"{db} {size:,}: {ids['conversations']:,} conversations generated in "
            f"{generate_s:.0f} s ({size / generate_s:,.0f} msg/s)"
        )
        result = measure(ids)
        connection.close()
        return {
            "db": db,
            "size": size,
            "conversations": ids["conversations"],
            "generate_s": generate_s,
            **result,
        }


# Parent: run the children, print the report.


def report(runs: list[dict[str, Any]]) -> None:
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
            print(
                f"- {run['size']:,} messages: filled in {run['generate_s']:.0f} s; web process "
                f"RSS {run['rss_before_mb']:.0f} MB before, {run['rss_after_mb']:.0f} MB after "
                f"{RUNS * len(PAGES)} requests"
            )
        print(
            "\n| page | median ms small | large | min ms small | large | p95 ms small | large "
            "| ratio (median, target < 2) | ratio (min) | queries small | large |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for label in PAGES:
            a, b = small["pages"][label], large["pages"][label]
            ratio = b["median_ms"] / a["median_ms"] if a["median_ms"] else float("nan")
            ratio_min = b["min_ms"] / a["min_ms"] if a["min_ms"] else float("nan")
            print(
                f"| {label} | {a['median_ms']:.1f} | {b['median_ms']:.1f} | {a['min_ms']:.1f} | "
                f"{b['min_ms']:.1f} | {a['p95_ms']:.1f} | {b['p95_ms']:.1f} | {ratio:.2f} | "
                f"{ratio_min:.2f} | {a['queries']} | {b['queries']} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10000,200000")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL only.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="Also write the raw figures here.")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.db, int(args.sizes), args.seed)))
        return
    runs = []
    for db in ["postgresql"] if args.postgres else args.db.split(","):
        for size in [int(s) for s in args.sizes.split(",")]:
            if db == "postgresql":
                _create_pg_db()
            try:
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        "--db",
                        db,
                        "--sizes",
                        str(size),
                        "--seed",
                        str(args.seed),
                    ],
                    check=True,
                    stdout=subprocess.PIPE,
                    text=True,
                    cwd=REPO,
                )
            finally:
                if db == "postgresql":
                    _drop_pg_db()
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    if args.json:
        args.json.write_text(json.dumps(runs, indent=2), encoding="utf-8")
    report(runs)


if __name__ == "__main__":
    main()
