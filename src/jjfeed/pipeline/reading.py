"""Reading sources: local files and folders in groups, fetched feeds, read ahead in the workers."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .. import ingest
from ..errors import DedupIndexError, IngestError, JJFeedError, ParseError
from ..model import (
    Article,
    Fetched,
    Source,
    SourceResult,
)
from ..parse import (
    MAX_ENTRIES,
    Parsed,
)
from ..workers import Pending, Workers
from . import archive, prepare
from .decide import Status

if TYPE_CHECKING:
    from .commands import RunEvents
    from .filing import _Deduper
from .prepare import (
    EntryFailed,
    StageTimeout,
    _furnished,
    _prepare,
    _prepare_batches,
    _Prepared,
    _Read,
    believable_dates,
    time_limit,
)

log = logging.getLogger("jjfeed.pipeline")

PARSE_SECONDS = 60.0  # per input (one file, one fetched feed): past this it is rejected
# Local files are read (in a worker) and filed a group at a time, all of a
# folder in one transaction: one big file alone, small ones together, so a
# folder of many small articles is not thousands of hand-offs to the workers.
GROUP_FILES = 64
GROUP_BYTES = 256_000


# -- reading sources -----------------------------------------------------------


def _parsed_from_fetch(
    fetched: Fetched, *, feeds_only: bool = False, max_entries: int = MAX_ENTRIES
) -> Parsed:
    """Articles from fetched bytes; a configured feed source must really be a feed."""
    headers = dict(fetched.headers)
    if feeds_only and ingest.detect_kind(fetched.content, fetched.header("content-type")) != "feed":
        raise ParseError(f"{fetched.url}: not a feed (got an HTML page or plain text)")
    try:
        with time_limit(PARSE_SECONDS, fetched.url):
            return ingest.articles_from_bytes(
                fetched.content,
                source=fetched.source.name,
                location=fetched.url,
                url=fetched.url,
                guid=fetched.url,
                headers=headers,
                max_entries=max_entries,
            )
    except (IngestError, StageTimeout) as e:
        raise ParseError(f"{fetched.source.name}: {e}") from e


@dataclass
class _Tally:
    """What became of each local file: read, read with warnings, or rejected (one line each)."""

    read: int = 0
    warned: int = 0
    rejected: list[str] = field(default_factory=list)

    def count(self, outcome: Parsed | str, warnings: list[str]) -> Parsed | None:
        """Count one file's outcome (what it parsed to, or why it was rejected)."""
        if isinstance(outcome, str):
            self.rejected.append(outcome)
            warnings.append(f"rejected {outcome}")
            return None
        self.read += 1
        self.warned += bool(outcome.warnings)
        warnings.extend(outcome.warnings)
        return outcome

    def into(self, result: SourceResult) -> SourceResult:
        return replace(
            result, files=self.read, files_warned=self.warned, files_rejected=len(self.rejected)
        )


def _groups(
    inputs: Iterable[ingest.Input | IngestError],
) -> Iterator[tuple[list[ingest.Input | str], int]]:
    """Local files in groups of up to GROUP_FILES files or GROUP_BYTES bytes, with their size.

    A file that could not be read stays in its place as the line that rejects it.
    """
    group: list[ingest.Input | str] = []
    size = 0
    for item in inputs:
        if isinstance(item, IngestError):
            group.append(str(item))
        else:
            group.append(item)
            size += len(item.data)
        if len(group) >= GROUP_FILES or size >= GROUP_BYTES:
            yield group, size
            group, size = [], 0
    if group:
        yield group, size


def _read_group(
    job: tuple[
        tuple[ingest.Input | str, ...], str, int, tuple[str, ...], archive.Query | None, int, bool
    ],
) -> tuple[list[Parsed | str], _Read | None]:
    """Parse and clean a group of local files. Runs in a worker process too.

    Returns what became of each file (its parse without the articles, or
    the line that rejects it) and the group's articles, read as one input.
    """
    items, source_name, max_entries, tags, query, limit, per_feed = job
    outcomes: list[Parsed | str] = []
    articles: list[Article] = []
    for item in items:
        outcome = (
            item
            if isinstance(item, str)
            else _parse_input((item, source_name, max_entries, per_feed))
        )
        if isinstance(outcome, Parsed):
            articles.extend(outcome.articles)
            outcome = replace(outcome, articles=())
        outcomes.append(outcome)
    if not any(isinstance(o, Parsed) for o in outcomes):
        return outcomes, None
    return outcomes, _read_from(Parsed(tuple(articles)), tags, query, limit)


def _file_local(
    deduper: _Deduper, source: Source, location: str, *, per_feed: bool | None = None
) -> SourceResult:
    """Read and file a local source (a file or a folder) in one transaction.

    The workers read the next groups of files while one is filed. It is all
    one transaction: a folder lands whole or not at all, and its articles
    are compared with one another from the run index, in memory (lookups
    in the store are dearer: per group transactions cost 13% more CPU on
    the pipeline benchmark). The result sums the groups.
    """
    tally, warnings = _Tally(), list[str]()
    try:
        filed = _read_and_file(
            deduper, source, location, Path(location).is_dir() if per_feed is None else per_feed,
            lambda outcome: tally.count(outcome, warnings), warnings,
        )  # fmt: skip
    except DedupIndexError:
        raise
    except JJFeedError as e:
        return SourceResult(source.name, "failed", warnings=tuple(warnings), error=str(e))
    if tally.read == 0:
        error = next(iter(tally.rejected), f"{location}: nothing to read")
        return tally.into(
            SourceResult(source.name, "failed", warnings=tuple(warnings), error=error)
        )
    return tally.into(_summed(SourceResult(source.name, "ok", warnings=tuple(warnings)), filed))


def _read_and_file(
    deduper: _Deduper,
    source: Source,
    location: str,
    per_feed: bool,
    count: Callable[[Parsed | str], object],
    warnings: list[str],
) -> list[SourceResult]:
    """The groups of files at ``location``, read in the workers ahead and filed in one unit."""
    filed: list[SourceResult] = []
    ahead: deque[Pending[tuple[list[Parsed | str], _Read | None]]] = deque()

    def file_next() -> None:
        outcomes, read = ahead.popleft().result()[0]
        for outcome in outcomes:
            count(outcome)
        if read is not None:
            filed.append(_process_read(deduper, source, deduper.claim_names(read, source.name)))
            warnings.extend(filed[-1].warnings)

    with deduper.unit():
        for group, size in _groups(ingest.iter_inputs([location])):
            job = (
                tuple(group),
                source.name,
                deduper.max_entries,
                tuple(source.tags),
                deduper.query,
                prepare.PREPARE_CHUNK,
                per_feed,
            )
            ahead.append(deduper.workers.submit_job(_read_group, job, size=size))
            if len(ahead) > _ahead_depth(deduper.workers):
                file_next()
        while ahead:
            file_next()
    return filed


def _summed(total: SourceResult, parts: Sequence[SourceResult]) -> SourceResult:
    """``total`` with the counts of ``parts`` (the groups of one local source) added."""
    return replace(
        total,
        new=total.new + sum(p.new for p in parts),
        duplicates=total.duplicates + sum(p.duplicates for p in parts),
        updated=total.updated + sum(p.updated for p in parts),
        failed=total.failed + sum(p.failed for p in parts),
    )


def _parse_input(job: tuple[ingest.Input, str, int, bool]) -> Parsed | str:
    """Parse one local input; the error line if it cannot be. Runs in a worker process too.

    ``per_feed``: a feed file is a source in its own right, named by its
    title (or its file name), not by the folder it lies in.
    """
    item, source_name, max_entries, per_feed = job
    guid = item.path.resolve().as_uri() if item.path is not None else None
    try:
        with time_limit(PARSE_SECONDS, item.location):
            parsed = ingest.articles_from_bytes(
                item.data,
                source=source_name,
                location=item.location,
                guid=guid,
                max_entries=max_entries,
            )
    except JJFeedError as e:
        return str(e)
    if not (per_feed and parsed.feed):
        return parsed
    name = feed_source_name(parsed.title, item.location)
    return replace(parsed, articles=tuple(replace(a, source=name) for a in parsed.articles))


def feed_source_name(title: str | None, location: str) -> str:
    """What a feed file is called as a source: its title, else its file name."""
    name = " ".join((title or "").split())[:100]
    return name or Path(location).name or location


# -- reading ahead ---------------------------------------------------------------
#
# A run files one source at a time, in one process (the store has one
# writer). Meanwhile the worker processes read the next few sources: parse
# them and clean their articles, so a run of many small feeds keeps every
# core busy, not only a run with one big feed.


def _read_from(
    parsed: Parsed, tags: tuple[str, ...], query: archive.Query | None, limit: int
) -> _Read:
    """Clean the articles here when there are at most ``limit`` (the run's PREPARE_CHUNK)."""
    if len(parsed.articles) > limit:
        return _Read(parsed, None)
    prepared = [_prepare((a, tags, query)) for a in parsed.articles]
    return _Read(replace(parsed, articles=()), prepared)


def _read_fetched(job: tuple[Fetched, bool, int, archive.Query | None, int]) -> _Read | str:
    """Parse and clean one fetched source; the error line instead if it cannot be parsed.

    Top-level and pure, so a worker process can run it.
    """
    fetched, feeds_only, max_entries, query, limit = job
    try:
        parsed = _parsed_from_fetch(fetched, feeds_only=feeds_only, max_entries=max_entries)
    except ParseError as e:
        return str(e)
    return _read_from(parsed, tuple(fetched.source.tags), query, limit)


def _read_input(
    job: tuple[ingest.Input, str, int, tuple[str, ...], archive.Query | None, int, bool],
) -> _Read | str:
    """Parse and clean one local input; the line that rejects it if it cannot be parsed."""
    item, source_name, max_entries, tags, query, limit, per_feed = job
    outcome = _parse_input((item, source_name, max_entries, per_feed))
    return outcome if isinstance(outcome, str) else _read_from(outcome, tags, query, limit)


def _read_fetched_ahead(
    deduper: _Deduper, fetched: Fetched, *, feeds_only: bool
) -> Pending[_Read | str]:
    job = (fetched, feeds_only, deduper.max_entries, deduper.query, prepare.PREPARE_CHUNK)
    return deduper.workers.submit_job(_read_fetched, job, size=len(fetched.content))


def _process_read(
    deduper: _Deduper, source: Source, read: _Read, events: RunEvents | None = None
) -> SourceResult:
    """File what a worker read (see :func:`_process`)."""
    articles, warnings = list(read.parsed.articles), list(read.parsed.warnings)
    return _process(deduper, source, articles, warnings, events, read.prepared)


def _file_one(deduper: _Deduper, source: Source, p: _Prepared) -> Status | EntryFailed:
    """File one prepared article; remember what it was stored from.

    An entry the worker found stored as read is "unchanged" once the store
    the run writes agrees (a source renamed after reading, or stored in the
    meantime, does not); otherwise it is cleaned here after all.
    """
    store = deduper.store
    if p.unchanged:
        if store.raw_key(p.article.source, p.article.guid) == p.raw_key:
            return "unchanged"
        redone = _prepare((p.article, tuple(source.tags), None))
        if isinstance(redone, EntryFailed):
            return redone
        p = _furnished(store, source, [redone], deduper.now)[0]
    article = believable_dates(p.article, deduper.now)
    deduper.load_story_window()  # once, and not the filing step's own cost
    started = time.thread_time()
    status = deduper.file_isolated(article, source.priority, p.features, p.found)
    deduper.filed += 1
    deduper.filing_cpu += time.thread_time() - started
    if not isinstance(status, EntryFailed) and p.raw_key:
        store.put_raw_key_of(article.source, article.guid, p.raw_key)
    return status


def _ahead_depth(workers: Workers) -> int:
    """Sources read ahead of the one being filed: enough to keep every worker busy."""
    return 2 * workers.processes


def _process(
    deduper: _Deduper,
    source: Source,
    articles: list[Article],
    warnings: list[str],
    events: RunEvents | None = None,
    ready: Sequence[_Prepared | EntryFailed] | None = None,
) -> SourceResult:
    """Clean, dedup and store one source's articles in one transaction.

    ``ready``: the articles already cleaned (``articles`` is then unused).
    """
    counts: dict[Status, int] = {"new": 0, "duplicate": 0, "updated": 0, "unchanged": 0}
    failures: list[str] = []
    if events is not None:
        events.articles_found(len(ready) if ready is not None else len(articles))
    with deduper.unit():
        for chunk in _prepare_batches(
            deduper.store,
            source,
            articles,
            deduper.now,
            warnings,
            deduper.workers,
            ready,
            deduper.query,
            failures,
        ):
            for p in chunk:
                status = _file_one(deduper, source, p)
                if isinstance(status, EntryFailed):
                    warnings.append(status.message)
                    if not status.refused:
                        failures.append(status.message)
                else:
                    counts[status] += 1
                if events is not None:
                    events.article_done()
    return SourceResult(
        source.name,
        "ok",
        new=counts["new"],
        duplicates=counts["duplicate"],
        updated=counts["updated"],
        failed=len(failures),
        warnings=tuple(warnings),
    )
