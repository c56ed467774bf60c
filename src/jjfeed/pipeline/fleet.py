"""Several workers, one shared store: each run claims its sources instead of being given a shard.

On a PostgreSQL store (``store.shared``) every worker runs the same
feeds.yaml; a run claims a few due sources at a time
(:meth:`jjfeed.store.Store.claim_sources`, ``FOR UPDATE SKIP LOCKED``),
runs them, lets them go, and claims again until nothing is left that
nobody holds. A worker that dies holds its claims until they run out
(``claim_timeout``, 10 minutes by default), and then any run takes them.
Sources another worker ran since this run began are not run again.

What to claim is decided here from plain values (:func:`due_now`); the
claims themselves are the store's.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .. import schedule
from ..lock import RunLock
from ..model import Source, SourceResult, SourceState
from ..store import Store
from ..store.copy import copy_store

CLAIM_BATCH = 8
"""Sources claimed at a time at most: enough to keep the fetchers busy."""

SHARE = 8
"""A claim takes at most this share of what is due (1/8): few big feeds still go round."""


def claim_size(due: int) -> int:
    """How many of ``due`` sources one claim takes."""
    return max(1, min(CLAIM_BATCH, due // SHARE))


TAKEN = "another worker has it"


STRIPES = 1 << 31
"""Lock stripes of keys: an int4 each, so many that two articles share one only by a key."""


def stripes(exact: Iterable[str | None], lsh_keys: Iterable[int]) -> list[int]:
    """The lock stripes of an article's keys, sorted: its exact keys and its LSH band keys.

    Two copies of one article share an exact key or a band key (that is how
    they are found), so they share a stripe and their filings take turns.
    """
    out = {int(k) % STRIPES for k in lsh_keys}
    for key in exact:
        if key:
            digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
            out.add(int.from_bytes(digest, "big") % STRIPES)
    return sorted(out)


def worker_id() -> str:
    """This process, as claims name it (host and process id)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def due_now(
    sources: Sequence[Source], states: dict[str, SourceState], now: datetime
) -> tuple[list[Source], list[SourceResult]]:
    """The sources to claim, in fetch order (files first), and results for those not due."""
    local = [s for s in sources if s.url is None]
    remote, skipped = [], []
    for source in sources:
        if source.url is None:
            continue
        reason = schedule.skip_reason(states[source.name], now)
        if reason is None:
            remote.append(source)
        else:
            state = states[source.name]
            skipped.append(
                SourceResult(source.name, "skipped", note=reason, next_attempt=state.next_attempt)
            )
    order = schedule.fetch_order([states[s.name] for s in remote])
    return local + [remote[i] for i in order], skipped


def claimed(
    store: Store,
    sources: Sequence[Source],
    now: datetime,
    timeout: timedelta,
    done: Callable[[SourceResult], None],
) -> Iterator[list[Source]]:
    """Batches of sources this run holds, each let go once the caller has run it.

    ``now`` is the run's time (the schedule's clock); claims are dated by
    the wall clock, which every worker shares. Every source of ``sources``
    ends up in ``done`` or in a batch.
    """
    worker, started = worker_id(), datetime.now(UTC)
    left = list(sources)
    while left:
        stored = {state.name: state for state in store.sources()}
        states = {s.name: schedule.state_for(s, stored.get(s.name)) for s in left if s.url}
        due, skipped = due_now(left, states, now)
        for result in skipped:
            done(result)
        wall = datetime.now(UTC)
        names = store.claim_sources(
            [s.name for s in due], worker, now=wall, until=wall + timeout, started=started,
            limit=claim_size(len(due)),
        )  # fmt: skip
        if not names:
            for source in due:
                done(SourceResult(source.name, "skipped", note=TAKEN))
            return
        batch = [s for s in due if s.name in names]
        try:
            yield batch
        finally:
            for source in batch:
                store.release_source(source.name, worker, datetime.now(UTC))
        left = [s for s in due if s.name not in names]


def migrate_store(
    source: Path, target: str, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy the SQLite store at ``source`` into an empty PostgreSQL store, under its run lock.

    No run writes to ``source`` while it is copied (a cron run waits, then
    exits with "locked"); ``source`` itself is only read.
    """
    with RunLock(source, wait=60):
        return copy_store(source, target, progress)
