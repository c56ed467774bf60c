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
# :meth:`Workers.submit_job`) start the pool, in the background, once this
# much input has come by (a quarter of a second of work or so) and one of
# them, done here, has work in it (:func:`working`: an entry to clean, not
# one stored as read): a run of a few small feeds never starts it, a cron
# run that finds every entry stored does not wait for workers it will not
# use, and a bigger first read files its first sources while the workers
# come up (see :meth:`Workers.warm_up`).
WARM_BYTES = 64_000
# ... and once this many entries, cleaned here, had work in them: starting the
# workers and waiting for them at the end costs a cron run 0.5 s or more, the
# cleaning of a few dozen entries here much less (a run that finds three new
# posts among a hundred stored took 2.05 s with the workers, 1.49 s without).
WARM_ENTRIES = 32
# datasketch too: jjfeed imports it at the first signature only (it imports scipy), and
# the workers all make signatures: imported once in the forkserver, they share it.
_PRELOAD = ["jjfeed.pipeline", "datasketch"]


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
        self._starting: threading.Thread | None = None
        self._ready = threading.Event()  # the pool's workers are up (or failed to start)
        self._start_error: BaseException | None = None
        self._unsent: list[Pending[Any]] = []  # jobs waiting for the workers to be up
        self._held: list[Pending[Any]] = []  # jobs to do here, handed out before any warm-up
        self._job_bytes = 0  # input of the jobs handed to submit_job so far
        self._entries_worked = 0  # entries with work in them cleaned here (see working())
        self.batches_sent = 0  # batches that went out to worker processes

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._unsent.clear()
        self._held.clear()
        if self._starting is not None:
            self._starting.join()
            self._starting = None
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
        pool = self._start()
        if pool is None:
            return Pending(self, fn, [items], [])
        chunks = _chunks(items, self.processes * CHUNKS_PER_WORKER)
        self.batches_sent += 1
        return Pending(self, fn, chunks, [pool.submit(_apply, fn, chunk) for chunk in chunks])

    def submit_job(self, fn: Callable[[T], R], item: T, *, size: int) -> Pending[R]:
        """``fn(item)`` in a worker, started at once; :meth:`Pending.result` waits for it.

        ``size`` is the bytes of input the job reads. Until the jobs of the
        run add up to WARM_BYTES, they are done here, when their result is
        asked for. Then the workers start in the background, and jobs wait
        for them: a job whose result is asked for before they are up is done
        here, so the run never waits for the workers to start.
        """
        self._job_bytes += size
        pending = Pending(self, fn, [[item]], [])
        if not self.parallel:
            return pending
        if self._job_bytes >= WARM_BYTES and self._worked:
            self.warm_up()
        if self._starting is None and self._pool is None:
            # Done here, unless the workers warm up first (those done drop out: the list
            # is as long as the run reads ahead, and holds no input it has read).
            self._held = [p for p in self._held if not p._begun]
            self._held.append(pending)
            return pending
        self._unsent.append(pending)
        self._flush()
        return pending

    def _flush(self) -> None:
        """Send the jobs held back while the workers were starting, if they are up now."""
        if not self._unsent or not self._ready.is_set():
            return
        unsent, self._unsent = self._unsent, []
        pool = self._start()
        if pool is None:  # they never came up: the jobs run here
            return
        for pending in unsent:
            pending._send(pool)
        self.batches_sent += len(unsent)

    def warm_up(self) -> None:
        """Start the workers in a background thread, if they are not started yet.

        Starting them means a forkserver that imports jjfeed (a second or
        more) and then forks them; meanwhile this process goes on working.
        """
        if not self.parallel or self._starting is not None or self._pool is not None:
            return
        pool = self._new_pool()
        self._starting = threading.Thread(
            target=self._spawn, args=(pool,), name="jjfeed-start-workers", daemon=True
        )
        self._starting.start()
        # The jobs handed out before, not begun yet (a run reads a few ahead), go to the
        # workers too once they are up: else a first ingest did its first reads here.
        self._unsent.extend(p for p in self._held if not p._begun)
        self._held.clear()

    @property
    def _worked(self) -> bool:
        """Jobs done here had :data:`WARM_ENTRIES` entries of work in them."""
        return self._entries_worked >= WARM_ENTRIES

    def _working(self) -> None:
        """A job done here has work in it: warm up once there was enough of it, in enough input."""
        self._entries_worked += 1
        if self._worked and self._job_bytes >= WARM_BYTES:
            self.warm_up()

    def _spawn(self, pool: ProcessPoolExecutor) -> None:
        """Bring up every worker of ``pool`` (each submit starts one), then make it the pool."""
        try:
            for waiting in [pool.submit(os.getpid) for _ in range(self.processes)]:
                waiting.result()
        except BaseException as e:  # noqa: BLE001 - reported by _start, in the run's thread
            self._start_error = e
            pool.shutdown(wait=False, cancel_futures=True)
        else:
            self._pool = pool
        finally:
            self._ready.set()

    def _start(self) -> ProcessPoolExecutor | None:
        """The pool, started here and now unless a warm-up is under way (then waited for).

        None when the workers could not be started: the run goes on in this process.
        """
        if self._pool is None and self._starting is None:
            self._pool = self._new_pool()
            self._ready.set()
        if self._starting is not None:
            self._ready.wait()
        if self._start_error is not None and not self._broken:
            log.warning("the worker processes did not start (%s)", self._start_error)
            self._broken = True
        return None if self._broken else self._pool

    def _new_pool(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=context,
            initializer=_exit_with,
            initargs=(os.getpid(),),
        )

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
        self._begun = False  # result() was asked for: it is done, or being done, from here on

    def _send(self, pool: ProcessPoolExecutor) -> None:
        self._futures = [pool.submit(_apply, self._fn, chunk) for chunk in self._chunks]

    def result(self) -> list[R]:
        self._begun = True
        unsent = self._workers._unsent
        if any(p is self for p in unsent):
            self._workers._flush()  # the workers may be up by now
            if any(p is self for p in unsent):  # not yet: this one is done here
                unsent[:] = [p for p in unsent if p is not self]
        results: list[R] = []
        for i, chunk in enumerate(self._chunks):
            if i < len(self._futures) and not self._workers._broken:
                try:
                    results.extend(self._futures[i].result())
                    continue
                except BrokenProcessPool:
                    self._workers._give_up()
            _here.workers = self._workers
            try:
                results.extend(self._fn(item) for item in chunk)
            finally:
                _here.workers = None
        return results


class _Here(threading.local):
    workers: Workers | None = None


_here = _Here()  # the Workers whose job this thread is doing itself, if any


def working() -> None:
    """Say that the job being done has work in it (an entry to clean).

    A job a worker process does: nothing. A job done here: the run's
    workers may warm up now (see :data:`WARM_BYTES`, :data:`WARM_ENTRIES`). Jobs that only find
    what the store holds already never say it.
    """
    workers = _here.workers
    if workers is not None and not workers._worked:
        workers._working()


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
