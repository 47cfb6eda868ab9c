"""Parse raw messages on several cores (issue 3 part 9: parsing is the cost of a sync).

``ParsePool`` hands ``parsing.parse_for_ingest`` to worker processes: they receive bytes and
return plain dataclasses (``ParseOutcome``), touching no database, storage or settings. The
workers come from a ``forkserver`` (a clean single-threaded process), so creating the pool
is safe even from the threaded sync worker. The pool starts lazily, on the first batch big
enough to pay for it (a re-sync with nothing new never starts it), lives for one sync run
and is closed by its ``with`` block. PARLEY_PARSE_WORKERS sets the number of workers
(default: the number of cores); 0 or 1 parses in-process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Self

from django.conf import settings

from parley.mail.parsing import ParseOutcome, parse_for_ingest

# Below this many messages a batch is parsed in-process: shipping it is not worth it.
MIN_PARALLEL = 16


class ParsePool:
    def __init__(self, workers: int | None = None) -> None:
        self.workers: int = settings.PARLEY_PARSE_WORKERS if workers is None else workers
        self._executor: ProcessPoolExecutor | None = None

    def parallel(self, count: int) -> bool:
        """Whether a batch of ``count`` messages goes to the worker processes."""
        return self.workers >= 2 and count >= MIN_PARALLEL

    def parse(self, raws: Sequence[bytes]) -> list[ParseOutcome]:
        """``parse_for_ingest`` of each message, in order."""
        return self.submit(raws)()

    def submit(self, raws: Sequence[bytes]) -> Callable[[], list[ParseOutcome]]:
        """Start parsing ``raws``; the returned function waits for the outcomes, in order.

        In worker processes the parse runs while the caller does other work (writing the
        blobs); in-process it runs when the outcomes are asked for.
        """
        if not self.parallel(len(raws)):
            return lambda: [parse_for_ingest(raw) for raw in raws]
        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        chunk = max(1, len(raws) // (self.workers * 4))
        # map() submits every chunk now and yields the results in order later.
        outcomes = self._executor.map(parse_for_ingest, raws, chunksize=chunk)
        return lambda: list(outcomes)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
