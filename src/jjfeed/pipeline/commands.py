"""The commands: ``run`` (the cron job), ``ingest``, ``extract`` and ``export``.

Each source is processed on its own and in its own transaction: a source
that fails becomes a ``failed`` :class:`SourceResult` in the report, and
nothing another source stored is lost with it.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .. import dedup, fetch, ingest, schedule, urls
from ..config import Config
from ..errors import DedupIndexError, IngestError, JJFeedError, ParseError
from ..lock import RunLock
from ..model import (
    Article,
    Fetched,
    FetchSettings,
    RunReport,
    Source,
    SourceResult,
    SourceState,
    StoredArticle,
)
from ..parse import (
    Parsed,
)
from ..store import Store
from ..workers import Pending, Workers
from . import archive, fleet, prepare
from .filing import _Deduper
from .index import DuplicateIndex, _SqliteIndex
from .prepare import EntryFailed, _prepare, _Read
from .publishing import _publish
from .reading import (
    _ahead_depth,
    _file_local,
    _parsed_from_fetch,
    _process_read,
    _read_fetched_ahead,
    _read_input,
    _Tally,
)

log = logging.getLogger("jjfeed.pipeline")


# -- the commands ----------------------------------------------------------------


class RunEvents:
    """What a run tells whoever watches it (the CLI's progress bars); no-ops here."""

    def sources(self, total: int) -> None:
        """The run will report on ``total`` sources."""

    def source_done(self, result: SourceResult) -> None:
        """One source is finished (fetched and processed, skipped or failed)."""

    def articles_found(self, count: int) -> None:
        """``count`` more articles are about to be processed."""

    def article_done(self) -> None:
        """One article was cleaned, compared and stored."""


def no_dedup(config: Config) -> frozenset[str]:
    """The sources whose articles are never merged as duplicates (`dedup: false`)."""
    return frozenset(s.name for s in config.sources if not s.dedup)


def in_shard(name: str, shard: tuple[int, int]) -> bool:
    """Whether source ``name`` belongs to shard ``i`` of ``n`` (1-based: ``(1, 2)``, ``(2, 2)``).

    SHA-1 of the name, not ``hash()``: every worker, on every machine and
    Python, must agree on who owns a source.
    """
    i, n = shard
    digest = hashlib.sha1(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n == i - 1


@contextmanager
def _duplicate_index(config: Config, store: Store) -> Iterator[DuplicateIndex]:
    """The index feeds.yaml asks for: the store's own, or the Redis one workers share."""
    if config.dedup_backend != "redis":
        yield _SqliteIndex(store, no_dedup(config))
        return
    assert config.redis_url is not None
    log.warning(
        "dedup.backend: redis is deprecated: workers sharing one PostgreSQL store "
        "(database: postgresql://...) publish one merged feed and file without a store-wide "
        "lock (README: 'Several workers, one store')"
    )
    try:
        from ..dedup.redis_index import RedisIndex
    except ImportError as e:  # the client is an extra: most users run one worker
        raise DedupIndexError(
            f"{config.path}: dedup.backend: redis needs the redis client "
            f"(pip install 'jjfeed[redis]'): {e}"
        ) from e
    with RedisIndex(config.redis_url, config.redis_namespace) as index:
        yield index


@contextmanager
def _filing(config: Config, now: datetime, lock_wait: float) -> Iterator[_Deduper]:
    """What a run or an ingest files articles with: the lock, the store, the index, the pool."""
    archive.forget_reader()  # what this process read for an earlier run is stale
    with (
        RunLock(config.database, wait=lock_wait),
        Store(config.database) as store,
        _duplicate_index(config, store) as index,
        Workers(config.processes) as workers,
    ):
        deduper = _Deduper(
            store,
            now,
            config.window,
            config.story_window,
            config.max_entries,
            index,
            workers,
            no_dedup(config),
            story_vectors=config.story_vectors,
        )
        deduper.prepare()
        yield deduper
        if deduper.filed:
            log.info(
                "filing: %d entries, %.2f s of CPU (%.3f ms each)",
                deduper.filed,
                deduper.filing_cpu,
                1000 * deduper.filing_cpu / deduper.filed,
            )


def run(
    config: Config,
    *,
    now: datetime | None = None,
    events: RunEvents | None = None,
    rng: random.Random | None = None,
    shard: tuple[int, int] | None = None,
) -> RunReport:
    """The cron job: every configured source that is due, then one publish.

    Remote sources are fetched in the background (see :func:`fetch.fetch_all`)
    while local ones are read; each fetched source is processed as soon as
    it and those before it in line have arrived. With ``shard=(i, n)`` only
    the sources :func:`in_shard` gives to worker ``i`` of ``n`` are run. On
    a shared store (PostgreSQL) without a shard, the run claims its sources
    a few at a time (:mod:`.fleet`), so any number of workers share them.
    """
    now = now or datetime.now(UTC)
    events = events or RunEvents()
    rng = rng or random.Random()
    settings = config.fetch
    config = _sharded(config, shard)
    with _filing(config, now, lock_wait=0) as deduper:
        store = deduper.store
        events.sources(len(config.sources))
        results: dict[str, SourceResult] = {}

        def done(result: SourceResult) -> None:
            results[result.source] = result
            _log_result(result)
            events.source_done(result)

        deadline = time.monotonic() + settings.time_budget
        if store.shared and shard is None:
            timeout = timedelta(seconds=settings.claim_timeout)
            for batch in fleet.claimed(store, config.sources, now, timeout, done):
                _run_sources(deduper, batch, now, settings, rng, events, done, deadline)
        else:
            _run_sources(deduper, config.sources, now, settings, rng, events, done, deadline)
        report = tuple(results[s.name] for s in config.sources)
        if report and all(r.status == "failed" for r in report):
            return RunReport(report)
        paths, entries = _publish(store, config)
        return RunReport(report, paths, entries)


def _run_sources(
    deduper: _Deduper,
    sources: Sequence[Source],
    now: datetime,
    settings: FetchSettings,
    rng: random.Random,
    events: RunEvents,
    done: Callable[[SourceResult], None],
    deadline: float,
) -> None:
    """Run ``sources``: read the files, fetch the due feeds, file each as it arrives."""
    store = deduper.store
    states = {s.name: schedule.state_for(s, store.get_source(s.name)) for s in sources if s.url}
    due, skipped = fleet.due_now(sources, states, now)
    for result in skipped:
        done(result)
    jobs = [
        fetch.Job(s, schedule.fetch_url(s, states[s.name]), states[s.name].validators)
        for s in due
        if s.url is not None
    ]
    with fetch.fetch_all(jobs, settings=settings, deadline=deadline) as fetching:
        for source in sources:
            if source.url is None:
                result = _run_local(deduper, source)
                done(_record_local(store, source, result, now, settings.alert_after))
        for fetched, read in _read_ahead(deduper, fetching):
            state = states[fetched.source.name]
            done(_run_remote(deduper, fetched, read, state, now, settings, rng, events))


def _sharded(config: Config, shard: tuple[int, int] | None) -> Config:
    """The sources of worker ``i`` of ``n`` (``shard=(i, n)``), or all of them."""
    if shard is None:
        return config
    if config.dedup_backend != "redis":
        log.warning("--shard without dedup.backend: redis: copies across shards are missed")
    return replace(config, sources=tuple(s for s in config.sources if in_shard(s.name, shard)))


def _read_ahead(
    deduper: _Deduper, fetching: Iterable[Fetched]
) -> Iterator[tuple[Fetched, _Read | str | None]]:
    """Each fetched source with its reading, the next ones read in the workers meanwhile."""
    ahead: deque[tuple[Fetched, Pending[_Read | str] | None]] = deque()
    for fetched in fetching:
        wanted = fetched.ok and not fetched.not_modified
        reading = _read_fetched_ahead(deduper, fetched, feeds_only=True) if wanted else None
        ahead.append((fetched, reading))
        if len(ahead) > _ahead_depth(deduper.workers):
            done, pending = ahead.popleft()
            yield done, pending.result()[0] if pending is not None else None
    while ahead:
        done, pending = ahead.popleft()
        yield done, pending.result()[0] if pending is not None else None


def _run_remote(
    deduper: _Deduper,
    fetched: Fetched,
    read: _Read | str | None,
    state: SourceState,
    now: datetime,
    settings: FetchSettings,
    rng: random.Random,
    events: RunEvents | None = None,
) -> SourceResult:
    """File one fetched source and store what its outcome does to its schedule.

    ``read`` is what the workers made of its content (None when there was
    none: an error or a 304), or the line that says why it is not a feed.
    """
    source, store = fetched.source, deduper.store
    if fetched.error_kind == "budget":
        return SourceResult(source.name, "skipped", note=fetched.error, error_kind="budget")
    if not fetched.ok:
        error = f"{fetched.url}: {fetched.error}"
        decision = schedule.failed(
            state, fetched.error_kind or "http", str(fetched.error), now, settings, rng, fetched
        )
        return _failed(store, source, decision, error)
    result = SourceResult(source.name, "not_modified")
    if not fetched.not_modified:
        try:
            if isinstance(read, str):
                raise ParseError(read)
            assert read is not None
            result = _process_read(deduper, source, read, events)
        except DedupIndexError:
            raise  # not the source's fault: the run stops, the source is not backed off
        except JJFeedError as e:
            decision = schedule.failed(state, "parse", str(e), now, settings, rng, fetched)
            return _failed(store, source, decision, str(e))
    decision = schedule.succeeded(state, fetched, now, settings)
    store.put_source(decision.state)
    return replace(
        result, note=decision.note, alert=decision.alert, next_attempt=decision.state.next_attempt
    )


def _record_local(
    store: Store, source: Source, result: SourceResult, now: datetime, alert_after: int
) -> SourceResult:
    """A local source's standing for `jjfeed feeds`; files are read every run, never backed off.

    The result comes back with ``alert`` set when this is the ``alert_after``-th
    failure in a row, as an HTTP source's is, so ``--quiet`` reports it once.
    """
    state = store.get_source(source.name) or SourceState(source.name, str(source.path))
    if result.status == "failed":
        # _run_local has already counted this failure (store.record_failure).
        state = replace(state, last_attempt=now, error_kind="read", last_error=result.error)
        result = replace(result, alert=state.failures == alert_after)
    else:
        state = replace(
            state, last_attempt=now, last_success=now, failures=0, error_kind=None, last_error=None
        )
    store.put_source(replace(state, url=str(source.path)))
    return result


def _failed(store: Store, source: Source, decision: schedule.Decision, error: str) -> SourceResult:
    store.put_source(decision.state)
    return SourceResult(
        source.name,
        "failed",
        error=error,
        error_kind=decision.state.error_kind,
        note=decision.note,
        next_attempt=decision.state.next_attempt,
        alert=decision.alert,
    )


def _run_local(deduper: _Deduper, source: Source) -> SourceResult:
    assert source.path is not None
    result = _file_local(deduper, source, str(source.path))
    if result.status == "failed" and result.error is not None:
        deduper.store.record_failure(source.name, str(source.path), result.error)
    return result


def ingest_inputs(
    config: Config,
    locations: Sequence[str],
    *,
    source_name: str | None = None,
    stdin: bytes | None = None,
    now: datetime | None = None,
) -> RunReport:
    """One-off ingestion of files, folders, URLs and stdin; stores, dedups and republishes.

    Each location is filed in turn while the workers read the next few.
    """
    now = now or datetime.now(UTC)
    with _filing(config, now, lock_wait=60) as deduper:
        store = deduper.store
        results: list[SourceResult] = []
        ahead: deque[Callable[[], SourceResult]] = deque()
        for location in locations:
            ahead.append(_ingest_start(deduper, location, source_name, stdin))
            if len(ahead) > _ahead_depth(deduper.workers):
                results.append(ahead.popleft()())
        results.extend(finish() for finish in ahead)
        for result in results:
            _log_result(result)
        if all(r.status == "failed" for r in results):
            return RunReport(tuple(results))
        paths, entries = _publish(store, config)
        return RunReport(tuple(results), paths, entries)


def _ingest_start(
    deduper: _Deduper, location: str, source_name: str | None, stdin: bytes | None
) -> Callable[[], SourceResult]:
    """Start reading one location (in a worker when it pays); return what files it, later.

    A URL is fetched here and a file read here; parsing and cleaning them go
    to the workers. A folder is read when it is filed (see :func:`_ingest_folder`).
    """
    if _is_url(location):
        source = Source(name=source_name or (urls.host(location) or location), url=location)
        fetched = fetch.fetch(source)
        if not fetched.ok:
            failed = SourceResult(location, "failed", error=f"{location}: {fetched.error}")
            return lambda: failed
        reading = _read_fetched_ahead(deduper, fetched, feeds_only=False)

        def file_fetched() -> SourceResult:
            read = reading.result()[0]
            if isinstance(read, str):
                return SourceResult(location, "failed", error=read)
            return replace(_filed(deduper, source, location, read), source=location)

        return file_fetched
    name = source_name or _default_source_name(location)
    source = Source(name=name, path=None if location == "-" else Path(location))
    if location != "-" and Path(location).is_dir():
        return lambda: _ingest_folder(deduper, source, location, source_name is None)
    (item,) = ingest.iter_inputs([location], stdin)
    if isinstance(item, IngestError):
        unreadable = _rejected(location, str(item))
        return lambda: unreadable
    per_feed = source_name is None
    job = (
        item,
        name,
        deduper.max_entries,
        tuple(source.tags),
        deduper.query,
        prepare.PREPARE_CHUNK,
        per_feed,
    )
    reading_file = deduper.workers.submit_job(_read_input, job, size=len(item.data))

    def file_input() -> SourceResult:
        read = reading_file.result()[0]
        if isinstance(read, str):
            return _rejected(location, read)
        read = deduper.claim_names(read, name)
        tally = _Tally()
        tally.count(read.parsed, [])
        return tally.into(_filed(deduper, source, location, read))

    return file_input


def _rejected(location: str, error: str) -> SourceResult:
    """A location that was one file, which could not be read or parsed."""
    tally, warnings = _Tally(), list[str]()
    tally.count(error, warnings)
    return tally.into(SourceResult(location, "failed", warnings=tuple(warnings), error=error))


def _filed(deduper: _Deduper, source: Source, location: str, read: _Read) -> SourceResult:
    """File one location's articles; a failed result, naming it, if that goes wrong."""
    try:
        result = _process_read(deduper, source, read)
    except DedupIndexError:
        raise
    except JJFeedError as e:
        return SourceResult(location, "failed", error=str(e))
    return replace(result, source=location)


def _ingest_folder(
    deduper: _Deduper, source: Source, location: str, per_feed: bool
) -> SourceResult:
    """Read, clean and file every file in a folder (see :func:`_file_local`)."""
    return replace(_file_local(deduper, source, location, per_feed=per_feed), source=location)


def _default_source_name(location: str) -> str:
    if location == "-":
        return "stdin"
    path = Path(location).resolve()
    return path.name if path.is_dir() else path.parent.name or "local"


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def extract(
    locations: Sequence[str], stdin: bytes | None = None
) -> Iterator[tuple[str, Article | JJFeedError]]:
    """Clean each input without storing anything; errors come back as values.

    The same path as ``run`` (:func:`_prepare`), and the same warnings: a
    field dropped, an entry refused or failed, a text cut to the cap.
    """
    for location in locations:
        if _is_url(location):
            fetched = fetch.fetch(Source(name=urls.host(location) or location, url=location))
            if not fetched.ok:
                yield location, IngestError(f"{location}: {fetched.error}")
                continue
            try:
                parsed = _parsed_from_fetch(fetched)
            except JJFeedError as e:
                yield location, e
                continue
            yield from ((location, a) for a in _extracted(parsed))
            continue
        for item in ingest.iter_inputs([location], stdin):
            if isinstance(item, IngestError):
                yield location, item
                continue
            try:
                parsed = ingest.articles_from_bytes(
                    item.data, source=_default_source_name(location), location=item.location
                )
            except JJFeedError as e:
                yield item.location, e
                continue
            yield from ((item.location, a) for a in _extracted(parsed))


def _extracted(parsed: Parsed) -> Iterator[Article]:
    """Each article of ``parsed`` cleaned as a run would; warnings logged as a run logs them."""
    for warning in parsed.warnings:
        log.warning("%s", warning)
    for article in parsed.articles:
        outcome = _prepare((article, (), None))
        if isinstance(outcome, EntryFailed):
            log.warning("%s", outcome.message)
            continue
        for note in outcome.notes:
            log.warning("%s", note)
        yield outcome.article


def export(config: Config) -> Iterator[dict[str, object]]:
    """Every stored article as a plain dict, with its cluster and whether it represents it."""
    with Store(config.database) as store:
        by_cluster: dict[str, list[StoredArticle]] = {}
        stories = store.cluster_stories()
        for stored in store.articles():
            by_cluster.setdefault(stored.cluster, []).append(stored)
        for members in by_cluster.values():
            rep = dedup.representative(members)
            for m in members:
                a = m.article
                yield {
                    "id": m.id,
                    "source": a.source,
                    "guid": a.guid,
                    "url": a.url,
                    "external_url": a.external_url,
                    "title": a.title,
                    "author": a.author,
                    "published": _iso(a.published),
                    "updated": _iso(a.updated),
                    "tags": list(a.tags),
                    "section": a.section,
                    "text": a.text,
                    "cluster": m.cluster,
                    "story": stories.get(m.cluster, m.cluster),
                    "canonical": m.id == rep.id,
                }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _log_result(result: SourceResult) -> None:
    """Log one source's outcome; the CLI prints failures itself, so they go out at info."""
    for warning in result.warnings:
        log.warning("%s", warning)
    if result.note and result.status != "skipped":
        log.warning("%s: %s", result.source, result.note)
    if result.status == "failed":
        log.info("%s: failed: %s", result.source, result.error)
    elif result.status == "skipped":
        log.info("%s: skipped: %s", result.source, result.note)
    else:
        log.info(
            "%s: %s (%d new, %d duplicates, %d updated)",
            result.source,
            result.status,
            result.new,
            result.duplicates,
            result.updated,
        )
