"""The process pool: same results as one process, and a dead worker loses nothing."""

from __future__ import annotations

import logging
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import FeedServer, Route, html_body, prose, rss
from jjfeed import pipeline
from jjfeed import workers as workers_module
from jjfeed.config import Config
from jjfeed.errors import StoreError
from jjfeed.model import Source
from jjfeed.store import Store
from jjfeed.workers import Workers

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _pid_and_square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n


def _die_in_a_worker(job: tuple[int, int]) -> int:
    parent, n = job
    if os.getpid() != parent and n == 7:
        os.kill(os.getpid(), signal.SIGKILL)
    return n + 1


def test_map_keeps_order_and_uses_other_processes() -> None:
    with Workers(2, min_items=4) as workers:
        results = workers.map(_pid_and_square, list(range(200)))
    assert [square for _, square in results] == [n * n for n in range(200)]
    assert {pid for pid, _ in results} - {os.getpid()}, "nothing ran in a worker"


def test_small_batches_and_one_process_stay_here() -> None:
    with Workers(2, min_items=50) as workers:
        assert {pid for pid, _ in workers.map(_pid_and_square, list(range(10)))} == {os.getpid()}
    with Workers(1, min_items=1) as workers:
        assert {pid for pid, _ in workers.map(_pid_and_square, list(range(100)))} == {os.getpid()}


def test_a_dead_worker_leaves_the_batch_to_this_process(caplog: pytest.LogCaptureFixture) -> None:
    jobs = [(os.getpid(), n) for n in range(40)]
    with caplog.at_level(logging.WARNING), Workers(2, min_items=2) as workers:
        first = workers.map(_die_in_a_worker, jobs)
        second = workers.map(_die_in_a_worker, jobs)
    assert first == second == [n + 1 for n in range(40)]
    assert not workers.parallel
    assert "worker process died" in caplog.text


def test_jobs_wait_for_the_workers_or_run_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Warming up never makes a job wait: one needed before the workers are up runs here."""
    monkeypatch.setattr(workers_module, "WARM_BYTES", 10)
    with Workers(2) as workers:
        workers._entries_worked = workers_module.WARM_ENTRIES  # as if jobs done here had work
        early = [workers.submit_job(_pid_and_square, n, size=10) for n in range(3)]
        assert workers._starting is not None, "the first 10 bytes did not start the warm-up"
        up_already = workers._ready.is_set()
        first = early[0].result()
        assert workers._ready.wait(120), "the workers never came up"
        late = [workers.submit_job(_pid_and_square, n, size=10) for n in range(3, 40)]
        results = first + [r for pending in early[1:] + late for r in pending.result()]
    assert [square for _, square in results] == [n * n for n in range(40)]
    if not up_already:
        assert results[0][0] == os.getpid(), "a job needed before the workers were up waited"
    assert os.getpid() not in {pid for pid, _ in results[1:]}, "held-back jobs were not sent"
    assert workers.batches_sent == 39 + up_already


def _cleaning_job(n: int) -> int:
    workers_module.working()  # what preparing an entry that is not stored yet says
    return n


def test_only_enough_work_warms_the_workers_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cron run that finds every entry stored, or a few new ones among them, does not
    start (and wait for) workers."""
    monkeypatch.setattr(workers_module, "WARM_BYTES", 10)
    monkeypatch.setattr(workers_module, "WARM_ENTRIES", 3)
    with Workers(2) as workers:
        stored = [workers.submit_job(_pid_and_square, n, size=100) for n in range(3)]
        assert [r for pending in stored for _, r in pending.result()] == [0, 1, 4]
        assert workers._starting is None and workers._pool is None
        for n in range(2):  # two entries to clean: fewer than WARM_ENTRIES
            assert workers.submit_job(_cleaning_job, n, size=100).result() == [n]
        assert workers._starting is None and workers._pool is None
        assert workers.submit_job(_cleaning_job, 5, size=100).result() == [5]
        assert workers._starting is not None or workers._pool is not None
    workers_module.working()  # no job being done here: nothing to say it to


def test_jobs_handed_out_before_the_warm_up_go_to_the_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A first ingest reads a few sources ahead before any has work in it: once one
    done here warms the workers up, the others are theirs, not this process's."""
    monkeypatch.setattr(workers_module, "WARM_BYTES", 10)
    monkeypatch.setattr(workers_module, "WARM_ENTRIES", 1)
    with Workers(2) as workers:
        first = workers.submit_job(_cleaning_job, 0, size=100)
        ahead = [workers.submit_job(_pid_and_square, n, size=100) for n in range(1, 4)]
        assert workers._starting is None and workers._pool is None
        assert first.result() == [0]  # done here; its entry to clean warms the workers up
        assert workers._starting is not None or workers._pool is not None
        assert workers._ready.wait(120), "the workers never came up"
        results = [r for pending in ahead for r in pending.result()]
    assert [square for _, square in results] == [1, 4, 9]
    assert os.getpid() not in {pid for pid, _ in results}, "jobs read ahead were done here"


def test_small_runs_never_warm_up() -> None:
    with Workers(2) as workers:
        assert workers.submit_job(_pid_and_square, 3, size=1000).result() == [(os.getpid(), 9)]
        assert workers._starting is None and workers._pool is None


def _write_feeds(folder: Path) -> None:
    """Three feeds, 40 entries each: one in ten a copy of another, every one with a footer."""
    folder.mkdir()
    bodies = [prose(100 + n, 320) for n in range(108)]
    for f in range(3):
        items = []
        for i in range(40):
            n = f * 40 + i
            text = bodies[n % 108] if n % 10 else bodies[(n * 7) % 108] + "\n\nOne more line."
            items.append(
                {
                    "title": f"Entry {n}",
                    "link": f"https://site{f}.example/{n}",
                    "guid": f"g-{n}",
                    "body": html_body(text) + "<p>Read our other stories on site dot example.</p>",
                }
            )
        (folder / f"feed-{f}.rss").write_bytes(rss(f"Site {f}", f"https://site{f}.example/", items))
    (folder / "broken.rss").write_bytes(b"<rss><channel><item><title>cut off")
    (folder / "empty.rss").write_bytes(b"")


def _snapshot(db: Path) -> tuple[list[tuple[str, str, str]], list[list[str]]]:
    with Store(db) as store:
        articles = sorted(
            (s.article.guid, s.article.text, s.article.html) for s in store.articles()
        )
        groups: dict[str, list[str]] = {}
        for s in store.articles():
            groups.setdefault(s.cluster, []).append(s.article.guid)
    return articles, sorted(sorted(g) for g in groups.values())


@pytest.mark.parametrize("chunk", [512, 25])
def test_ingest_with_workers_stores_what_one_process_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """A folder read in groups of two files, each cleaned with them (one chunk) or while
    filed (chunks of 25, as a big import is)."""
    folder = tmp_path / "feeds"
    _write_feeds(folder)
    pools = _recorded_pools(monkeypatch, min_items=8)
    monkeypatch.setattr(
        pipeline.reading, "GROUP_FILES", 2
    )  # broken + empty, feed-0 + feed-1, feed-2
    monkeypatch.setattr(pipeline.prepare, "PREPARE_CHUNK", chunk)
    reports, snapshots = [], []
    for processes in (1, 2):
        db = tmp_path / f"{processes}.db"
        config = Config(database=db, output=tmp_path / f"out{processes}", processes=processes)
        reports.append(pipeline.ingest_inputs(config, [str(folder)], now=NOW))
        snapshots.append(_snapshot(db))
    # Three groups; at 25, the chunks of 8 articles or more of the 80 and the 40 too.
    assert [p.batches_sent for p in pools] == [0, {512: 3, 25: 3 + 3 + 2}[chunk]]
    one, two = reports
    assert one.results[0].new == two.results[0].new > 0
    assert one.results[0].duplicates == two.results[0].duplicates > 0
    assert one.results[0].files_rejected == two.results[0].files_rejected == 1
    assert one.results[0].files_warned == two.results[0].files_warned == 1
    assert one.results[0].warnings == two.results[0].warnings
    assert snapshots[0] == snapshots[1]
    # The footer is on all 120 entries: learned as furniture in both modes.
    assert not any("Read our other stories" in text for _, text, _ in snapshots[1][0])


def _recorded_pools(monkeypatch: pytest.MonkeyPatch, min_items: int = 64) -> list[Workers]:
    """Every pool the pipeline opens, with jobs sent out from the first byte."""
    pools: list[Workers] = []

    class Recorded(Workers):
        def __init__(self, processes: int = 0) -> None:
            super().__init__(processes, min_items=min_items)
            self._entries_worked = workers_module.WARM_ENTRIES  # warm from the first byte
            pools.append(self)

        def warm_up(self) -> None:  # up before the first job, not in the background
            self._start()

    monkeypatch.setattr(pipeline.commands, "Workers", Recorded)
    monkeypatch.setattr(workers_module, "WARM_BYTES", 0)
    return pools


def test_ingest_reads_the_next_files_in_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files given one by one are parsed and cleaned in workers ahead of filing, to the same end."""
    folder = tmp_path / "feeds"
    _write_feeds(folder)
    locations = [str(p) for p in sorted(folder.iterdir())] + [str(tmp_path / "missing.rss")]
    pools = _recorded_pools(monkeypatch)
    reports, snapshots = [], []
    for processes in (1, 2):
        db = tmp_path / f"{processes}.db"
        config = Config(database=db, output=tmp_path / f"out{processes}", processes=processes)
        reports.append(pipeline.ingest_inputs(config, locations, now=NOW))
        snapshots.append(_snapshot(db))
    # broken.rss, empty.rss, three feeds (one job each); the missing file is never sent.
    assert [p.batches_sent for p in pools] == [0, 5]
    one, two = reports
    assert [r.status for r in one.results] == [r.status for r in two.results]
    # broken.rss is kept with a warning (what could be read of it); empty.rss is rejected.
    assert [r.status for r in two.results] == ["ok", "failed", "ok", "ok", "ok", "failed"]
    assert [r.source for r in two.results] == locations
    for a, b in zip(one.results, two.results, strict=True):
        assert (a.new, a.duplicates, a.warnings, a.error) == (
            b.new,
            b.duplicates,
            b.warnings,
            b.error,
        )
        assert (a.files, a.files_rejected, a.files_warned) == (
            b.files,
            b.files_rejected,
            b.files_warned,
        )
    assert "missing.rss" in str(two.results[-1].error)
    assert two.results[0].files_warned == 1 and "broken.rss" in two.results[0].warnings[0]
    assert two.results[1].files_rejected == 1 and "empty.rss" in str(two.results[1].error)
    assert sum(r.new for r in two.results) > 0 and sum(r.duplicates for r in two.results) > 0
    assert snapshots[0] == snapshots[1]


def test_run_reads_fetched_feeds_in_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feed_server: FeedServer
) -> None:
    """A run's fetched feeds are parsed and cleaned in workers; a bad one fails alone."""
    folder = tmp_path / "feeds"
    _write_feeds(folder)
    for path in sorted(folder.iterdir()):
        feed_server.routes[f"/{path.name}"] = Route(path.read_bytes())
    names = sorted(p.name for p in folder.iterdir())
    sources = tuple(Source(name=n, url=feed_server.url(f"/{n}")) for n in names)
    pools = _recorded_pools(monkeypatch)
    reports, snapshots = [], []
    for processes in (1, 2):
        db = tmp_path / f"{processes}.db"
        config = Config(
            database=db, output=tmp_path / f"out{processes}", processes=processes, sources=sources
        )
        reports.append(pipeline.run(config, now=NOW))
        snapshots.append(_snapshot(db))
    assert [p.batches_sent for p in pools] == [0, 5]
    for a, b in zip(reports[0].results, reports[1].results, strict=True):
        assert (a.source, a.status, a.new, a.duplicates, a.error) == (
            b.source,
            b.status,
            b.new,
            b.duplicates,
            b.error,
        )
    status = {r.source: r.status for r in reports[1].results}
    assert status == {
        "broken.rss": "ok",
        "empty.rss": "failed",
        "feed-0.rss": "ok",
        "feed-1.rss": "ok",
        "feed-2.rss": "ok",
    }
    assert snapshots[0] == snapshots[1] and snapshots[1][0]


def test_a_folder_lands_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read a group of files at a time, a folder is still one transaction: a failure
    in its last group leaves nothing of it stored, and what was stored before stays."""
    folder = tmp_path / "feeds"
    _write_feeds(folder)
    db = tmp_path / "j.db"
    config = Config(database=db, output=tmp_path / "out", processes=1)
    earlier = tmp_path / "earlier.txt"
    earlier.write_text("An earlier story\n\n" + prose(999, 120), encoding="utf-8")
    assert pipeline.ingest_inputs(config, [str(earlier)], now=NOW).results[0].new == 1
    monkeypatch.setattr(
        pipeline.reading, "GROUP_FILES", 2
    )  # broken + empty, feed-0 + feed-1, feed-2
    filed = pipeline._Deduper.file

    def fail_in_feed_2(self: pipeline._Deduper, article: object, *args: object) -> str:
        if getattr(article, "guid", "") == "g-100":  # feed-2, the last group
            raise StoreError("j.db: disk I/O error")
        return filed(self, article, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline._Deduper, "file", fail_in_feed_2)
    (result,) = pipeline.ingest_inputs(config, [str(folder)], now=NOW).results
    assert result.status == "failed" and "disk I/O error" in str(result.error)
    with Store(db) as store:
        assert [s.article.title for s in store.articles()] == ["An earlier story"]
    monkeypatch.setattr(pipeline._Deduper, "file", filed)
    (again,) = pipeline.ingest_inputs(config, [str(folder)], now=NOW).results
    assert again.status == "ok" and again.new > 0 and again.duplicates > 0
    with Store(db) as store:
        assert len(list(store.articles())) == 1 + again.new + again.duplicates
