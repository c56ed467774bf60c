"""A process pool for the CPU-bound stages: parse, clean and signatures.

Cleaning and hashing are pure Python and hold the GIL, so threads would not
help; processes do. The pool is started lazily, the first time a batch is
big enough to pay for it (starting costs a fraction of a second; a small
batch is cheaper done in this process), and it is reused for the rest of
the run.

Workers come from a *forkserver*: a clean process that imported jjfeed once
and forks a worker whenever one is needed. A plain ``fork`` would be
quicker to start, but a run has fetch threads alive, and forking a process
with threads can copy a lock held by one of them into the child, where
nobody will ever release it.

Workers must not outlive the run: a cron job killed with SIGKILL would
leave them behind, still holding its stdout and stderr open, so whoever
waits for its output would wait for ever (and the forkserver stays up as
long as any worker does). Each worker watches the run's process and exits
when it goes.

A worker that dies (a C extension crashing on hostile input, the kernel
killing it) breaks the pool; what was left of that batch is then done here,
in this process, with a warning, and later batches run here too.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a batch runs in this process: a 2-core pool first
# costs about 0.3 s to start, and then ~1 ms a chunk to ship work across.
MIN_ITEMS = 64
# Chunks per worker: enough that a slow chunk does not leave a core idle
# at the end, few enough that the hand-offs stay negligible.
CHUNKS_PER_WORKER = 4
# Jobs handed over one at a time (a source's input to parse and clean, see
# :meth:`Workers.submit_job`) go out to the pool once this much input has
# come by: about a second of work, which pays for starting the pool.
START_BYTES = 256_000
_PRELOAD = ["jjfeed.pipeline"]


def default_processes() -> int:
    """One worker per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Workers:
    """Maps a top-level function over a batch, in worker processes when that pays.

    ``processes`` of 0 means one per core; 1 means never start a pool.
    Usable as a context manager; :meth:`close` stops the workers.
    """

    def __init__(self, processes: int = 0, *, min_items: int = MIN_ITEMS) -> None:
        self.processes = processes or default_processes()
        self.min_items = min_items
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False
        self._job_bytes = 0  # input of the jobs handed to submit_job so far
        self.batches_sent = 0  # batches that went out to worker processes

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    @property
    def parallel(self) -> bool:
        return self.processes > 1 and not self._broken

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], *, min_items: int | None = None
    ) -> list[R]:
        """``[fn(item) for item in items]``, in order, spread over the workers.

        ``min_items`` overrides the batch size below which it runs here (a
        batch of two big files is worth sending out; two articles are not).
        """
        return self.submit(fn, items, min_items=min_items).result()

    def submit(
        self, fn: Callable[[T], R], items: Sequence[T], *, min_items: int | None = None
    ) -> Pending[R]:
        """Start ``map`` and return at once; :meth:`Pending.result` waits for it.

        The caller can work on the previous batch meanwhile. A batch that
        runs here (small, or no pool) runs when its result is asked for.
        """
        if not self.parallel or len(items) < (min_items or self.min_items):
            return Pending(self, fn, [items], [])
        chunks = _chunks(items, self.processes * CHUNKS_PER_WORKER)
        pool = self._start()
        self.batches_sent += 1
        return Pending(self, fn, chunks, [pool.submit(_apply, fn, chunk) for chunk in chunks])

    def submit_job(self, fn: Callable[[T], R], item: T, *, size: int) -> Pending[R]:
        """``fn(item)`` in a worker, started at once; :meth:`Pending.result` waits for it.

        ``size`` is the bytes of input the job reads. Until the jobs of the
        run add up to START_BYTES, they are done here, when their result is
        asked for: a run of a few small feeds never starts the pool.
        """
        self._job_bytes += size
        if not self.parallel or self._job_bytes < START_BYTES:
            return Pending(self, fn, [[item]], [])
        pool = self._start()
        self.batches_sent += 1
        return Pending(self, fn, [[item]], [pool.submit(_apply, fn, [item])])

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOAD)
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=context,
                initializer=_exit_with,
                initargs=(os.getpid(),),
            )
        return self._pool

    def _give_up(self) -> None:
        log.warning(
            "a worker process died; finishing this batch and the rest of the run in one process"
        )
        self._broken = True
        self.close()


class Pending(Generic[R]):
    """A batch handed to :meth:`Workers.submit`; its results, in order, from :meth:`result`."""

    def __init__(
        self,
        workers: Workers,
        fn: Callable[[Any], R],
        chunks: Sequence[Sequence[Any]],
        futures: list[Future[list[R]]],
    ) -> None:
        self._workers, self._fn, self._chunks, self._futures = workers, fn, chunks, futures

    def result(self) -> list[R]:
        results: list[R] = []
        for i, chunk in enumerate(self._chunks):
            if i < len(self._futures) and not self._workers._broken:
                try:
                    results.extend(self._futures[i].result())
                    continue
                except BrokenProcessPool:
                    self._workers._give_up()
            results.extend(self._fn(item) for item in chunk)
        return results


def _exit_with(run: int) -> None:
    """Exit this worker as soon as the run's process ``run`` has gone, however it went.

    A thread waits on a pidfd of the run (Linux 5.3 and later), which turns
    readable when the run exits; elsewhere it looks every half second.
    """

    def watch() -> None:
        try:
            pidfd = os.pidfd_open(run)
        except (AttributeError, OSError):
            pidfd = None
        if pidfd is not None:
            select.select([pidfd], [], [])
        else:
            while True:
                try:
                    os.kill(run, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="jjfeed-watch-run", daemon=True).start()


def _apply(fn: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [fn(item) for item in chunk]


def _chunks(items: Sequence[T], count: int) -> list[Sequence[T]]:
    size = max(1, -(-len(items) // count))
    return [items[i : i + size] for i in range(0, len(items), size)]
