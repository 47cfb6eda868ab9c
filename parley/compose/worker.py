"""The outbox loop behind `parley outbox` (and so `parley worker`/`run`).

Modelled on healthchecks' `sendalerts`: every second the loop looks for due messages and
hands each one to a bounded thread pool; a message is only sent by the thread whose
compare-and-swap claim (``waiting → sending``) changed the row, so several worker processes
or machines share the outbox without sending anything twice. At start-up, and every minute,
attempts left ``sending`` by a dead worker are put in ``check``; Sent-folder copies that
failed are retried. Each item runs with `close_old_connections()` around it; SIGTERM/SIGINT
(handled by the command) set `shutdown`: the items in flight finish, then the loop exits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db import close_old_connections, connection
from django.utils import timezone

from parley.compose.services import outbox

logger = logging.getLogger(__name__)

SCAN_SECONDS = 1.0
HOUSEKEEPING_SECONDS = 60.0


def _no_hook(step: str) -> None:
    return None


@dataclass
class OutboxWorker:
    threads: int = 4
    scan_seconds: float = SCAN_SECONDS
    hook: Callable[[str], None] = _no_hook
    shutdown: threading.Event = field(default_factory=threading.Event)
    _last_housekeeping: float = 0.0

    def run(self) -> None:
        logger.info("Outbox worker started.")
        outbox.mark_stale_as_check(now=timezone.now())
        pool = ThreadPoolExecutor(max_workers=self.threads) if self.threads > 0 else None
        try:
            while not self.shutdown.is_set():
                try:
                    self.tick(pool)
                except Exception:
                    # The database may be briefly unavailable; the loop must outlive that.
                    logger.exception("Outbox worker: scanning the outbox failed.")
                self.shutdown.wait(self.scan_seconds)
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
        connection.close()
        logger.info("Outbox worker stopped.")

    def tick(self, pool: ThreadPoolExecutor | None, now: datetime | None = None) -> int:
        """Claim and send every due message and wait for them; returns how many were
        claimed. Without a pool (tests, `--threads 0`) everything runs in this thread."""
        close_old_connections()
        now = now or timezone.now()
        if now.timestamp() - self._last_housekeeping >= HOUSEKEEPING_SECONDS:
            self._last_housekeeping = now.timestamp()
            outbox.mark_stale_as_check(now=now)
            for pk in outbox.copies_to_retry(now=now):
                self._run(pool, partial(outbox.file_sent_copy, pk=pk), pk)
        futures: list[Future[None]] = []
        claimed = 0
        for pk in outbox.due_ids(now=now, limit=max(1, self.threads) * 4):
            if self.shutdown.is_set():
                break
            if outbox.claim(pk=pk, now=now):
                claimed += 1
                job = partial(outbox.deliver, pk=pk, hook=self.hook, now=now)
                future = self._run(pool, job, pk)
                if future is not None:
                    futures.append(future)
        for future in futures:
            future.result()
        return claimed

    def _run(
        self, pool: ThreadPoolExecutor | None, job: Callable[[], object], pk: int
    ) -> Future[None] | None:
        if pool is None:
            self._guarded(job, pk, close=False)
            return None
        return pool.submit(self._guarded, job, pk)

    @staticmethod
    def _guarded(job: Callable[[], object], pk: int, *, close: bool = True) -> None:
        try:
            job()
        except Exception:
            logger.exception("Outbox: outgoing message %s failed unexpectedly", pk)
        finally:
            if close:
                # Pool threads are reused; a connection per item keeps them from holding
                # a (possibly broken) connection between items.
                connection.close()
