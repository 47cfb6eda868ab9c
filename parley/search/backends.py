"""The two index implementations: SQLite FTS5 and PostgreSQL tsvector + GIN.

Both store, per indexed record, one row keyed by `kind code << 40 | primary key`, with four
weighted columns (title, sender, recipients, body) of pre-folded, space-separated tokens
(`parley.search.text`) and a digest of that text. A match is added to an ORM queryset of the
live, visible records of one kind (`Message.objects.visible_to(user)`), so permissions,
deletions and filters are the queryset's business and the index only ranks. A search is two
queries per kind: `newest` lists the newest matching ids without scoring them (bounded by a
LIMIT, however common the word), `match` scores only those. The two databases differ only in
a few SQL strings; the rest of Parley calls `parley.search.services`, never this module.
See docs/decisions/0003-search.md.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, override

from django.db import connection, transaction

from parley.search.query import Column, Phrase, Term

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

KIND_SPAN = 1 << 40
SCORE = "search_score"
# On PostgreSQL a phrase is looked for among the newest ids of its kind first: FIRST_WINDOW
# times as many as the matches wanted (`IndexBackend.newest`).
FIRST_WINDOW = 16


class IndexRow(NamedTuple):
    """One index row; a tuple, so it is the executemany parameter row as it is."""

    id: int
    digest: str
    title: str
    sender: str
    recipients: str
    body: str


class IndexBackend(ABC):
    """One index table whose rows are keyed by `ID`; subclasses say how to write a row,
    match an expression and score a match."""

    TABLE: ClassVar[str]
    ID: ClassVar[str]
    # Writes one IndexRow (its fields in order), replacing the row of the same id.
    UPSERT: ClassVar[str]
    # SQL true for the rows matching the expression parameter.
    MATCHES: ClassVar[str]
    # SQL of the score (higher is better) and how many expression parameters it takes.
    SCORE: ClassVar[tuple[str, int]]
    # SQL of the index's size in bytes; the table name is its parameter.
    SIZE: ClassVar[str]
    # `newest` looks for a phrase in windows of ids, the newest first.
    WINDOWED_PHRASES: ClassVar[bool] = False

    def replace(self, rows: Sequence[IndexRow]) -> None:
        """Insert or overwrite `rows` (in the caller's transaction)."""
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.UPSERT, rows)

    def delete(self, ids: Sequence[int]) -> None:
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ", ".join(["%s"] * len(chunk))
            self._execute(f"DELETE FROM {{table}} WHERE {{id}} IN ({marks})", chunk)  # noqa: S608 (placeholders only)

    def __init__(self) -> None:
        self._expressions: dict[tuple[Term, ...], str] = {}

    @abstractmethod
    def expression(self, terms: list[Term]) -> str:
        """`terms` in the database's query syntax (passed as one parameter)."""

    def _expression(self, terms: list[Term]) -> str:
        """`expression`, worked out once per backend: `newest` and `match` of one kind ask
        for the same (on SQLite it reads the word list)."""
        key = tuple(terms)
        if key not in self._expressions:
            self._expressions[key] = self.expression(terms)
        return self._expressions[key]

    @contextmanager
    def searching(self) -> Iterator[None]:
        """Around the queries of one search: the database's settings for short reads."""
        yield

    def rebuilt(self) -> None:
        """After a reindex: settle, and rebuild what is derived from the whole index."""
        self.settle()

    @abstractmethod
    def ensure(self) -> None:
        """Recreate what a full reindex drops for a while, had it stopped half-way (the
        periodic sweep calls this)."""

    @abstractmethod
    def settle(self) -> None:
        """Fold what the last writes left aside into the index proper, so that searches
        do not pay for it (after an indexer pass that wrote rows)."""

    def size_bytes(self) -> int:
        return int(self._fetch(self.SIZE, [self.TABLE])[0][0] or 0)

    def _column(self) -> str:
        return f"{self.TABLE}.{self.ID}"

    def _execute(self, sql: str, params: Sequence[Any]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(table=self.TABLE, id=self.ID), params)

    def _fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(table=self.TABLE, id=self.ID), params)
            return list(cursor.fetchall())

    def clear(self, low: int, high: int) -> None:
        """Delete every row with low <= id <= high (one kind)."""
        self._execute("DELETE FROM {table} WHERE {id} BETWEEN %s AND %s", [low, high])

    @abstractmethod
    def clear_all(self) -> None:
        """Empty the whole index at once (a reindex of every kind): deleting a million rows
        one by one took FTS5 longer than indexing them, and left PostgreSQL a table of dead
        rows twice its size."""

    def digests(self, low: int, high: int) -> dict[int, str]:
        """Ids and digests of the rows with low <= id <= high."""
        sql = "SELECT {id}, digest FROM {table} WHERE {id} BETWEEN %s AND %s"
        return dict(self._fetch(sql, [low, high]))

    def max_id(self, low: int, high: int) -> int | None:
        """The highest id with low <= id <= high, if any."""
        sql = "SELECT {id} FROM {table} WHERE {id} BETWEEN %s AND %s ORDER BY {id} DESC LIMIT 1"
        rows = self._fetch(sql, [low, high])
        return int(rows[0][0]) if rows else None

    def row_count(self) -> int:
        return int(self._fetch("SELECT COUNT(*) FROM {table}", [])[0][0])

    def _joined[M: Model](
        self, queryset: QuerySet[M], *, base: int, expression: str, low: int, high: int
    ) -> QuerySet[M]:
        """`queryset` joined to its matching index rows with ids in [low, high]."""
        return queryset.extra(  # noqa: S610 (no user text in SQL: the expression is a parameter)
            tables=[self.TABLE],
            where=[
                self.MATCHES,
                f"{self._column()} BETWEEN %s AND %s",
                f"{_pk_column(queryset)} = {self._column()} - %s",
            ],
            params=[expression, low, high, base],
        )

    def newest(
        self, queryset: QuerySet[Model], *, base: int, terms: list[Term], limit: int
    ) -> list[int]:
        """Primary keys of the newest (highest id) records of `queryset` matching every
        term, at most `limit`, unranked: the index yields rows in id order and the scan
        stops at `limit`, so it costs the same for a rare and a common word.

        On PostgreSQL a phrase is looked for in windows of ids, the newest first: word order
        is checked on every row holding the phrase's words, and for a phrase of two common
        words that meant reading and joining all 20,020 such rows at a million messages
        (180 ms). The first window holds the newest FIRST_WINDOW times `limit` ids; the next is
        as wide as the rest needs at the density the last one showed, twice over, or all
        the rest when it held none. With the lookup of the highest id, three queries
        (38 ms) for that phrase; three cheap ones for a rare phrase (a sender's address). FTS5 checks word order as it reads its doclists
        in id order and stops at the limit: SQLite takes one query (9 ms for that phrase)."""
        queryset = queryset.prefetch_related(None)
        expression = self._expression(terms)
        low, high = base, base + KIND_SPAN - 1
        positional = any(len(phrase.tokens) > 1 for term in terms for phrase in term.options)
        if not (positional and self.WINDOWED_PHRASES):
            return self._newest_between(queryset, expression, base, (low, high), limit)
        top = self.max_id(low, high)
        found: list[int] = []
        width = limit * FIRST_WINDOW
        while top is not None and len(found) < limit:
            bottom = max(low, top - width + 1)
            got = self._newest_between(
                queryset, expression, base, (bottom, top), limit - len(found)
            )
            found += got
            top = bottom - 1 if bottom > low else None
            width = width * (limit - len(found)) * 2 // len(got) if got else KIND_SPAN
        return found

    def _newest_between(
        self,
        queryset: QuerySet[Model],
        expression: str,
        base: int,
        window: tuple[int, int],
        limit: int,
    ) -> list[int]:
        """`newest` among the index ids in `window` (lowest, highest)."""
        low, high = window
        joined = self._joined(queryset, base=base, expression=expression, low=low, high=high)
        rows = joined.extra(select={"search_id": self._column()}).order_by("-search_id")  # noqa: S610 (constant SQL)
        return [row[0] for row in rows.values_list("pk", "search_id")[:limit]]

    def match[M: Model](
        self, queryset: QuerySet[M], *, base: int, terms: list[Term], pks: Sequence[int]
    ) -> QuerySet[M]:
        """The records `pks` of `queryset` (found by `newest`) scored and best first, in the
        SCORE extra column (higher is better)."""
        if not pks:
            return queryset.none()
        expression = self._expression(terms)
        joined = self._joined(
            queryset.filter(pk__in=pks),
            base=base,
            expression=expression,
            low=base + min(pks),
            high=base + max(pks),
        )
        score, uses = self.SCORE
        return joined.extra(  # noqa: S610 (no user text in SQL: the expression is a parameter)
            select={SCORE: score}, select_params=[expression] * uses
        ).order_by(f"-{SCORE}", "-pk")


def _pk_column(queryset: QuerySet[Any]) -> str:
    meta = queryset.model._meta
    column = meta.pk.column or "id"
    return f"{connection.ops.quote_name(meta.db_table)}.{connection.ops.quote_name(column)}"


# As `parley/search/migrations/0001_initial.py` creates it.
CREATE_FTS5 = (
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "digest UNINDEXED, title, sender, recipients, body, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
)
# A typed word of at least this many letters is looked up in the word list (below) when
# FTS5 has no prefix index of its length ('2 3').
WORD_LIST_PREFIX = 4
# More completions than this: the prefix is searched as FTS5 does it.
MAX_COMPLETIONS = 100


class SqliteIndex(IndexBackend):
    """FTS5, plus a list of the indexed words (`search_term`) for prefix queries.

    FTS5 answers `"zamow"*` by merging, in memory, the whole doclist of every word that
    starts with "zamow", before any LIMIT or rowid range applies: 80 ms for one kind at a
    million messages, paid again by every kind and by the ranking, so a common word typed
    into the instant search took 400 to 700 ms. A whole word is read lazily in rowid order and
    stops at the LIMIT (1 ms). So a prefix of WORD_LIST_PREFIX letters or more becomes the
    words it completes to (`"zamowienie" OR "zamowienia"`), read from the word list, which
    holds every word of letters only (numbers are selective: their prefixes stay as FTS5
    does them). The list is kept exact: rows written add their words, and words that no
    row holds any more after a rewrite or deletion (a GDPR erasure) are dropped from it.
    """

    TABLE = "search_fts"
    ID = "rowid"
    MATCHES = "search_fts MATCH %s"
    # bm25 weights per column, the unindexed digest first.
    SCORE = ("-bm25(search_fts, 0, 10.0, 4.0, 2.0, 1.0)", 0)
    # FTS5 keeps its data in shadow tables named after it.
    SIZE = "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE %s || '%%'"
    # FTS5 honours OR REPLACE on the rowid: it removes the old row's tokens itself.
    UPSERT = (
        "INSERT OR REPLACE INTO search_fts (rowid, digest, title, sender, recipients, body) "
        "VALUES (%s, %s, %s, %s, %s, %s)"
    )

    @override
    def size_bytes(self) -> int:
        return super().size_bytes() + int(self._fetch(self.SIZE, ["search_term"])[0][0] or 0)

    @override
    def clear_all(self) -> None:
        """Drop and create the FTS5 table: a regular FTS5 table has no truncate ('delete-all'
        is for contentless tables only), and deleting row by row re-reads every row's text."""
        self._execute("DROP TABLE search_fts", [])
        self._execute(CREATE_FTS5, [])
        self._execute("DELETE FROM search_term", [])

    @override
    def replace(self, rows: Sequence[IndexRow]) -> None:
        if not rows:
            return
        before = self._words_of([row.id for row in rows])
        super().replace(rows)
        written = {
            w for row in rows for w in _listed(row.title, row.sender, row.recipients, row.body)
        }
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT OR IGNORE INTO search_term (term) VALUES (%s)", [(w,) for w in written]
            )
        self._forget(before - written)

    @override
    def delete(self, ids: Sequence[int]) -> None:
        before = self._words_of(ids)
        super().delete(ids)
        self._forget(before)

    def _words_of(self, ids: Sequence[int]) -> set[str]:
        """The listed words of the index rows `ids` as they are now (FTS5 keeps the text)."""
        words: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ", ".join(["%s"] * len(chunk))
            sql = f"SELECT title, sender, recipients, body FROM search_fts WHERE rowid IN ({marks})"  # noqa: S608 (placeholders only)
            for columns in self._fetch(sql, chunk):
                words |= _listed(*columns)
        return words

    def _forget(self, words: set[str]) -> None:
        """Drop from the word list those of `words` no index row holds any more."""
        gone = [
            (word,)
            for word in sorted(words)
            if not self._fetch(
                "SELECT 1 FROM search_fts WHERE search_fts MATCH %s LIMIT 1", [f'"{word}"']
            )
        ]
        if gone:
            with connection.cursor() as cursor:
                cursor.executemany("DELETE FROM search_term WHERE term = %s", gone)

    def completions(self, prefix: str) -> list[str] | None:
        """The listed words starting with `prefix`, or None when the word list cannot stand
        in for FTS5's own prefix search (short prefix, digits, too many words)."""
        if len(prefix) < WORD_LIST_PREFIX or not prefix.isalpha():
            return None
        # The next string after every word with this prefix, in code point (= UTF-8) order.
        after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        words = [
            row[0]
            for row in self._fetch(
                "SELECT term FROM search_term WHERE term >= %s AND term < %s LIMIT %s",
                [prefix, after, MAX_COMPLETIONS + 1],
            )
        ]
        return words if 0 < len(words) <= MAX_COMPLETIONS else None

    @override
    def expression(self, terms: list[Term]) -> str:
        return fts5_expression(terms, self.completions)

    @override
    def settle(self) -> None:
        """Nothing to do: FTS5 merges its segments as it writes (`automerge`)."""

    @override
    def ensure(self) -> None:
        """Nothing to do: `clear_all` creates the table again in the transaction that drops
        it."""

    @override
    def rebuilt(self) -> None:
        """Rebuild the word list from the index itself (`fts5vocab`): a reindex clears
        rows without reading them."""
        self._execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_vocab "
            "USING fts5vocab(main, search_fts, row)",
            [],
        )
        self._execute("DELETE FROM search_term", [])
        self._execute(REFILL_WORD_LIST, [WORD_LIST_PREFIX])
        self._execute("DROP TABLE temp.search_vocab", [])


# Words of letters only, as SQL: no digit and not shorter than the parameter.
REFILL_WORD_LIST = (
    "INSERT INTO search_term (term) SELECT term FROM temp.search_vocab "
    "WHERE length(term) >= %s AND term NOT GLOB '*[0-9]*'"
)


def _listed(*columns: str) -> set[str]:
    """The words of index columns (space-separated tokens) that the word list holds."""
    return {
        word
        for column in columns
        for word in column.split()
        if len(word) >= WORD_LIST_PREFIX and word.isalpha()
    }


def _fts5_phrase(phrase: Phrase, completions: Callable[[str], list[str] | None]) -> str:
    """A phrase as FTS5 syntax; a prefix becomes the words it completes to when listed."""
    words = phrase.tokens
    if phrase.prefix and (whole := completions(words[-1])) is not None:
        return " OR ".join(_fts5_phrase(Phrase((*words[:-1], word)), completions) for word in whole)
    return '"' + " ".join(words).replace('"', '""') + '"' + ("*" if phrase.prefix else "")


def fts5_expression(
    terms: list[Term], completions: Callable[[str], list[str] | None] = lambda _prefix: None
) -> str:
    """Terms as an FTS5 query: `{sender} : ("jan"*) AND ("601234567" OR "48601234567")`;
    `completions` may replace a prefix by the whole words it stands for."""
    parts = []
    for term in terms:
        options = "(" + " OR ".join(_fts5_phrase(p, completions) for p in term.options) + ")"
        parts.append(f"{{{term.column}}} : {options}" if term.column else options)
    return " AND ".join(parts)


# As `parley/search/migrations/0001_initial.py` creates it.
CREATE_GIN = "CREATE INDEX IF NOT EXISTS search_document_tsv ON search_document USING gin (tsv)"


class PostgresIndex(IndexBackend):
    TABLE = "search_document"
    ID = "id"
    UPSERT = (
        "INSERT INTO search_document (id, digest, tsv) VALUES (%s, %s, "
        "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
        " || setweight(to_tsvector('simple', %s), 'C') || to_tsvector('simple', %s)) "
        "ON CONFLICT (id) DO UPDATE SET digest = EXCLUDED.digest, tsv = EXCLUDED.tsv"
    )
    MATCHES = "search_document.tsv @@ to_tsquery('simple', %s)"
    SCORE = ("ts_rank(search_document.tsv, to_tsquery('simple', %s))", 1)
    SIZE = "SELECT pg_total_relation_size(%s)"
    WINDOWED_PHRASES = True

    @override
    def expression(self, terms: list[Term]) -> str:
        return tsquery_expression(terms)

    @override
    def clear_all(self) -> None:
        """Truncate, and drop the GIN index until `rebuilt` creates it over the new rows: a
        GIN index built in one go was 118 MB where the same rows added one by one made
        279 MB, and a sender query took 1 ms on it instead of 33 ms."""
        self._execute("TRUNCATE search_document", [])
        self._execute("DROP INDEX IF EXISTS search_document_tsv", [])

    @override
    def rebuilt(self) -> None:
        self._execute(CREATE_GIN, [])
        self.settle()

    @override
    def ensure(self) -> None:
        """The GIN index, if a full reindex dropped it and stopped before building it again
        (the rows are there; without the index every search would read the whole table).
        Looked up first: CREATE INDEX IF NOT EXISTS locks the table even when it exists."""
        if self._fetch("SELECT to_regclass('search_document_tsv') IS NULL", [])[0][0]:
            self._execute(CREATE_GIN, [])

    @override
    @contextmanager
    def searching(self) -> Iterator[None]:
        """No parallel workers: for a rare word at a million messages the planner guessed
        thousands of matches and started two workers for five, and starting them cost more
        than the whole query (7 ms of 8). Local to the search's transaction."""
        with transaction.atomic():
            self._execute("SET LOCAL max_parallel_workers_per_gather = 0", [])
            yield

    @override
    def settle(self) -> None:
        """Move the GIN index's pending list into the index. New rows go to that unsorted
        list first (`fastupdate`), and every search reads all of it, up to 4 MB, and rechecks
        each row in it: at a million messages that was most of a rare word's time."""
        # to_regclass: NULL (nothing to do) while a reindex has dropped the index.
        self._execute("SELECT gin_clean_pending_list(to_regclass('search_document_tsv'))", [])


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
