"""The two index implementations: SQLite FTS5 and PostgreSQL tsvector + GIN.

Both store, per indexed record, one row keyed by `kind code << 40 | primary key`, with four
weighted columns (title, sender, recipients, body) of pre-folded, space-separated tokens
(`parley.search.text`) and a digest of that text. A match is added to an ORM queryset of the
live, visible records of one kind (`Message.objects.visible_to(user)`), so permissions,
deletions and filters are the queryset's business and the index only ranks. The rest of
Parley calls `parley.search.services`, never this module. See docs/decisions/0003-search.md.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, override

from django.db import connection

from parley.search.query import Column, Phrase, Term

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

KIND_SPAN = 1 << 40
SCORE = "search_score"


@dataclass(frozen=True)
class IndexRow:
    id: int
    digest: str
    title: str
    sender: str
    recipients: str
    body: str


class IndexBackend(ABC):
    @abstractmethod
    def replace(self, rows: Sequence[IndexRow]) -> None:
        """Insert or overwrite `rows` (in the caller's transaction)."""

    @abstractmethod
    def delete(self, ids: Sequence[int]) -> None: ...

    @abstractmethod
    def clear(self, low: int, high: int) -> None:
        """Delete every row with low <= id <= high (one kind)."""

    @abstractmethod
    def digests(self, low: int, high: int) -> dict[int, str]:
        """Ids and digests of the rows with low <= id <= high."""

    @abstractmethod
    def max_id(self, low: int, high: int) -> int | None:
        """The highest id with low <= id <= high, if any."""

    @abstractmethod
    def match[M: Model](
        self, queryset: QuerySet[M], *, base: int, terms: list[Term]
    ) -> QuerySet[M]:
        """`queryset` narrowed to records matching every term, best first, scored in
        the SCORE extra column (higher is better)."""

    @abstractmethod
    def size_bytes(self) -> int: ...

    @abstractmethod
    def row_count(self) -> int: ...


def _pk_column(queryset: QuerySet[Model]) -> str:
    meta = queryset.model._meta
    column = meta.pk.column or "id"
    return f"{connection.ops.quote_name(meta.db_table)}.{connection.ops.quote_name(column)}"


class SqliteIndex(IndexBackend):
    TABLE = "search_fts"
    # bm25 weights per column, the unindexed digest first.
    WEIGHTS = "0, 10.0, 4.0, 2.0, 1.0"

    @override
    def replace(self, rows: Sequence[IndexRow]) -> None:
        if not rows:
            return
        self.delete([row.id for row in rows])
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.TABLE} (rowid, digest, title, sender, recipients, body) "  # noqa: S608 (constant table name)
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [(r.id, r.digest, r.title, r.sender, r.recipients, r.body) for r in rows],
            )

    @override
    def delete(self, ids: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {self.TABLE} WHERE rowid IN ({marks})", chunk)  # noqa: S608 (placeholders only)

    @override
    def clear(self, low: int, high: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {self.TABLE} WHERE rowid BETWEEN %s AND %s",  # noqa: S608 (constant table name)
                [low, high],
            )

    @override
    def digests(self, low: int, high: int) -> dict[int, str]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, digest FROM {self.TABLE} WHERE rowid BETWEEN %s AND %s",  # noqa: S608 (constant table name)
                [low, high],
            )
            return dict(cursor.fetchall())

    @override
    def max_id(self, low: int, high: int) -> int | None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {self.TABLE} WHERE rowid BETWEEN %s AND %s "  # noqa: S608 (constant table name)
                "ORDER BY rowid DESC LIMIT 1",
                [low, high],
            )
            row = cursor.fetchone()
        return int(row[0]) if row else None

    @override
    def match[M: Model](
        self, queryset: QuerySet[M], *, base: int, terms: list[Term]
    ) -> QuerySet[M]:
        return queryset.extra(  # noqa: S610 (no user text in SQL: the expression is a parameter)
            tables=[self.TABLE],
            where=[
                f"{self.TABLE} MATCH %s",
                f"{self.TABLE}.rowid BETWEEN %s AND %s",
                f"{_pk_column(queryset)} = {self.TABLE}.rowid - %s",
            ],
            params=[fts5_expression(terms), base, base + KIND_SPAN - 1, base],
            select={SCORE: f"-bm25({self.TABLE}, {self.WEIGHTS})"},
        ).order_by(f"-{SCORE}", "-pk")

    @override
    def size_bytes(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE %s", [f"{self.TABLE}%"])
            (size,) = cursor.fetchone()
        return int(size or 0)

    @override
    def row_count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {self.TABLE}")  # noqa: S608 (constant table name)
            (count,) = cursor.fetchone()
        return int(count)


def _fts5_phrase(phrase: Phrase) -> str:
    return '"' + " ".join(phrase.tokens).replace('"', '""') + '"' + ("*" if phrase.prefix else "")


def fts5_expression(terms: list[Term]) -> str:
    """Terms as an FTS5 query: `{sender} : ("jan"*) AND ("601234567" OR "48601234567")`."""
    parts = []
    for term in terms:
        options = "(" + " OR ".join(_fts5_phrase(p) for p in term.options) + ")"
        parts.append(f"{{{term.column}}} : {options}" if term.column else options)
    return " AND ".join(parts)


class PostgresIndex(IndexBackend):
    TABLE = "search_document"
    VECTOR = (
        "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
        " || setweight(to_tsvector('simple', %s), 'C') || to_tsvector('simple', %s)"
    )

    @override
    def replace(self, rows: Sequence[IndexRow]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.TABLE} (id, digest, tsv) VALUES (%s, %s, {self.VECTOR}) "  # noqa: S608 (constant SQL)
                "ON CONFLICT (id) DO UPDATE SET digest = EXCLUDED.digest, tsv = EXCLUDED.tsv",
                [(r.id, r.digest, r.title, r.sender, r.recipients, r.body) for r in rows],
            )

    @override
    def delete(self, ids: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.TABLE} WHERE id = ANY(%s)", [list(ids)])  # noqa: S608 (constant table name)

    @override
    def clear(self, low: int, high: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {self.TABLE} WHERE id BETWEEN %s AND %s",  # noqa: S608 (constant table name)
                [low, high],
            )

    @override
    def digests(self, low: int, high: int) -> dict[int, str]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, digest FROM {self.TABLE} WHERE id BETWEEN %s AND %s",  # noqa: S608 (constant table name)
                [low, high],
            )
            return dict(cursor.fetchall())

    @override
    def max_id(self, low: int, high: int) -> int | None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {self.TABLE} WHERE id BETWEEN %s AND %s "  # noqa: S608 (constant table name)
                "ORDER BY id DESC LIMIT 1",
                [low, high],
            )
            row = cursor.fetchone()
        return int(row[0]) if row else None

    @override
    def match[M: Model](
        self, queryset: QuerySet[M], *, base: int, terms: list[Term]
    ) -> QuerySet[M]:
        expression = tsquery_expression(terms)
        query = "to_tsquery('simple', %s)"
        return queryset.extra(  # noqa: S610 (no user text in SQL: the expression is a parameter)
            tables=[self.TABLE],
            where=[
                f"{self.TABLE}.tsv @@ {query}",
                f"{self.TABLE}.id BETWEEN %s AND %s",
                f"{_pk_column(queryset)} = {self.TABLE}.id - %s",
            ],
            params=[expression, base, base + KIND_SPAN - 1, base],
            select={SCORE: f"ts_rank({self.TABLE}.tsv, {query})"},
            select_params=[expression],
        ).order_by(f"-{SCORE}", "-pk")

    @override
    def size_bytes(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size(%s)", [self.TABLE])
            (size,) = cursor.fetchone()
        return int(size or 0)

    @override
    def row_count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {self.TABLE}")  # noqa: S608 (constant table name)
            (count,) = cursor.fetchone()
        return int(count)


_WEIGHT = {Column.TITLE: "A", Column.SENDER: "B", Column.RECIPIENTS: "C", Column.BODY: "D"}


def _tsquery_phrase(phrase: Phrase, column: Column | None) -> str:
    weight = _WEIGHT[column] if column else ""
    last = len(phrase.tokens) - 1
    lexemes = [
        "'"
        + token.replace("'", "''")
        + "':"
        + ("*" if phrase.prefix and i == last else "")
        + weight
        for i, token in enumerate(phrase.tokens)
    ]
    return "(" + " <-> ".join(lexeme.removesuffix(":") for lexeme in lexemes) + ")"


def tsquery_expression(terms: list[Term]) -> str:
    """Terms as a tsquery: `('jan':*B) & (('601234567') | ('48601234567'))`."""
    return " & ".join(
        "(" + " | ".join(_tsquery_phrase(p, term.column) for p in term.options) + ")"
        for term in terms
    )


def index_backend() -> IndexBackend:
    """The index of the default database."""
    if connection.vendor == "postgresql":
        return PostgresIndex()
    if connection.vendor == "sqlite":
        return SqliteIndex()
    msg = f"Search supports SQLite and PostgreSQL, not {connection.vendor}."
    raise NotImplementedError(msg)
