"""Whole runs against a real misbehaving server: state, schedule, moves, budget."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from conftest import html_body, prose, rss
from fetch_server import Fault, FaultServer
from jjfeed import pipeline
from jjfeed.config import Config, load_config
from jjfeed.model import FetchSettings
from jjfeed.store import Store

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SETTINGS = FetchSettings(
    connect_timeout=1, read_timeout=0.5, request_timeout=1.5, time_budget=10, backoff_base=60
)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    s = FaultServer()
    s.thread.start()
    try:
        yield s
    finally:
        s.close()


def feed(name: str, n: int = 1) -> bytes:
    items = [
        {
            "title": f"{name} story {i}",
            "link": f"https://{name}.example/{i}",
            "guid": f"https://{name}.example/{i}",
            "body": html_body(prose(zlib.crc32(f"{name}/{i}".encode()), 80)),
        }
        for i in range(n)
    ]
    return rss(name, f"https://{name}.example/", items)


def config_for(tmp: Path, server: FaultServer, names: list[str], **settings: object) -> Config:
    path = tmp / "feeds.yaml"
    path.write_text(
        "title: Test\nsources:\n"
        + "".join(f"  - name: {n}\n    url: {server.url('/' + n)}\n" for n in names)
    )
    return replace(load_config(path), fetch=replace(SETTINGS, **settings))  # type: ignore[arg-type]


def states(config: Config) -> dict[str, object]:
    with Store(config.database) as store:
        return {s.name: s for s in store.sources()}


def test_twenty_sources_every_fault_recorded_every_healthy_source_published(
    tmp_path: Path, server: FaultServer
) -> None:
    healthy = ["h1", "h2", "h3", "h4", "h5", "h6", "moved301", "moved308", "charset"]
    r = server.routes
    for name in healthy[:6]:
        r["/" + name] = Fault(feed(name), etag=f'"{name}"')
    r["/moved301"] = Fault(b"", status=301, headers={"Location": "/new301"})
    r["/new301"] = Fault(feed("moved301"))
    r["/moved308"] = Fault(b"", status=308, headers={"Location": "/new308"})
    r["/new308"] = Fault(feed("moved308"))
    # UTF-8 with a BOM and an XML declaration, served as Latin-1.
    r["/charset"] = Fault(
        b"\xef\xbb\xbf" + feed("charset").replace(b"charset story 0", "Café story".encode()),
        content_type="text/xml; charset=iso-8859-1",
    )
    failing = {
        "gone": ("gone", Fault(b"gone", status=410)),
        "busy": ("rate_limited", Fault(b"", status=429, headers={"Retry-After": "3600"})),
        "broken": ("http", Fault(b"oops", status=500)),
        "down": ("http", Fault(b"", status=503, headers={"Retry-After": "120"})),
        "hang": ("timeout", Fault(delay=30)),
        "drip": ("timeout", Fault(feed("drip"), drip=0.05)),
        "huge": ("too_large", Fault(stream=20 * 1024 * 1024)),
        "badgzip": ("decoding", Fault(b"\x1f\x8b\x08\x00nope" * 20, headers={"Content-Encoding": "gzip"})),
        "loop": ("redirect", Fault(b"", status=302, headers={"Location": "/loop2"})),
        "reset": ("connection", Fault(reset=True)),
        "page": ("parse", Fault(b"<html><body><p>parked</p></body></html>", content_type="text/html")),
    }  # fmt: skip
    r["/loop2"] = Fault(b"", status=302, headers={"Location": "/loop"})
    for name, (_, fault) in failing.items():
        r["/" + name] = fault
    config = config_for(tmp_path, server, healthy + list(failing))
    assert len(config.sources) == 20

    started = time.monotonic()
    report = pipeline.run(config, now=NOW, rng=random.Random(7))
    elapsed = time.monotonic() - started

    assert elapsed < SETTINGS.time_budget
    by_name = {res.source: res for res in report.results}
    assert {n for n, res in by_name.items() if res.status == "ok"} == set(healthy)
    for name, (kind, _) in failing.items():
        res = by_name[name]
        assert res.status == "failed" and res.error_kind == kind, (name, res)
        assert name in (res.error or "") or server.url("/" + name) in (res.error or "")
    saved = states(config)
    for name, (kind, _) in failing.items():
        state = saved[name]
        assert state.error_kind == kind and state.failures == 1  # type: ignore[attr-defined]
    assert saved["gone"].disabled and by_name["gone"].alert  # type: ignore[attr-defined]
    assert saved["busy"].next_attempt >= NOW + timedelta(hours=1)  # type: ignore[attr-defined]
    assert saved["h1"].etag == '"h1"' and saved["h1"].last_success == NOW  # type: ignore[attr-defined]

    entries = feedparser.parse((config.output / "feed.atom").read_bytes()).entries
    titles = {e.title for e in entries}
    assert {f"{n} story 0" for n in healthy if n != "charset"} | {"Café story"} <= titles


def test_second_run_is_conditional_and_skips_sources_not_due(
    tmp_path: Path, server: FaultServer
) -> None:
    server.routes["/a"] = Fault(feed("a"), etag='"a"')
    server.routes["/b"] = Fault(feed("b"), headers={"Cache-Control": "max-age=3600"})
    server.routes["/c"] = Fault(b"", status=500)
    config = config_for(tmp_path, server, ["a", "b", "c"], backoff_base=3600)
    pipeline.run(config, now=NOW)
    server.requests.clear()

    second = pipeline.run(config, now=NOW + timedelta(minutes=15))
    assert [res.status for res in second.results] == ["not_modified", "skipped", "skipped"]
    assert "not due until" in str(second.results[1].note)
    assert server.paths() == ["/a"] and server.requests[0][1]["if-none-match"] == '"a"'

    server.requests.clear()
    later = pipeline.run(config, now=NOW + timedelta(hours=2))
    assert [res.status for res in later.results] == ["not_modified", "ok", "failed"]
    assert states(config)["c"].failures == 2  # type: ignore[attr-defined]


def test_retry_after_is_honoured_across_runs(tmp_path: Path, server: FaultServer) -> None:
    server.routes["/busy"] = Fault(b"", status=429, headers={"Retry-After": "600"})
    server.routes["/ok"] = Fault(feed("ok"))
    config = config_for(tmp_path, server, ["busy", "ok"], backoff_base=1)
    first = pipeline.run(config, now=NOW)
    assert first.results[0].next_attempt == NOW + timedelta(seconds=600)
    server.requests.clear()
    assert pipeline.run(config, now=NOW + timedelta(minutes=5)).results[0].status == "skipped"
    assert "/busy" not in server.paths()
    server.routes["/busy"] = Fault(feed("busy"))
    assert pipeline.run(config, now=NOW + timedelta(minutes=11)).results[0].status == "ok"


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_held_over_three_runs_moves_the_source(
    tmp_path: Path, server: FaultServer, status: int
) -> None:
    server.routes["/old"] = Fault(b"", status=status, headers={"Location": "/new"})
    server.routes["/new"] = Fault(feed("new"), etag='"n"')
    config = config_for(tmp_path, server, ["old"])
    notes = []
    for run in range(3):
        report = pipeline.run(config, now=NOW + timedelta(hours=run))
        notes.append(report.results[0].note)
    assert notes[:2] == [None, None]
    assert f"moved permanently to {server.url('/new')}" in str(notes[2])
    assert report.results[0].alert
    assert states(config)["old"].moved_to == server.url("/new")  # type: ignore[attr-defined]
    server.requests.clear()
    fourth = pipeline.run(config, now=NOW + timedelta(hours=4))
    assert fourth.results[0].status == "not_modified" and server.paths() == ["/new"]


def test_temporary_redirect_never_moves_the_source(tmp_path: Path, server: FaultServer) -> None:
    server.routes["/old"] = Fault(b"", status=302, headers={"Location": "/new"})
    server.routes["/new"] = Fault(feed("new"))
    config = config_for(tmp_path, server, ["old"])
    for run in range(4):
        assert pipeline.run(config, now=NOW + timedelta(hours=run)).results[0].note is None
    assert states(config)["old"].moved_to is None  # type: ignore[attr-defined]


def test_gone_source_is_disabled_until_enabled(tmp_path: Path, server: FaultServer) -> None:
    server.routes["/gone"] = Fault(b"", status=410)
    server.routes["/ok"] = Fault(feed("ok"))
    config = config_for(tmp_path, server, ["gone", "ok"])
    first = pipeline.run(config, now=NOW)
    assert first.results[0].status == "failed" and "jjfeed enable gone" in str(
        first.results[0].note
    )
    server.requests.clear()
    later = pipeline.run(config, now=NOW + timedelta(days=3))
    assert later.results[0].status == "skipped" and "disabled" in str(later.results[0].note)
    assert server.paths() == ["/ok"]


def test_time_budget_skips_the_rest_and_they_go_first_next_run(
    tmp_path: Path, server: FaultServer
) -> None:
    names = [f"s{i}" for i in range(6)]
    for name in names:
        server.routes["/" + name] = Fault(feed(name), delay=0.4)
    config = config_for(tmp_path, server, names, workers=1, time_budget=1, read_timeout=2)
    started = time.monotonic()
    first = pipeline.run(config, now=NOW)
    assert time.monotonic() - started < 1 + 2 + 1  # the budget, one in-flight request, slack
    statuses = [res.status for res in first.results]
    assert statuses[0] == "ok" and statuses[-1] == "skipped"
    assert first.results[-1].error_kind == "budget" and first.published
    left = [res.source for res in first.results if res.status == "skipped"]
    server.requests.clear()
    pipeline.run(config, now=NOW + timedelta(minutes=15))
    assert server.paths()[0] == "/" + left[0]


@pytest.mark.parametrize("to_group", [True, False], ids=["ctrl-c-to-the-group", "sigint-to-jjfeed"])
def test_ctrl_c_during_a_hanging_fetch_ends_the_run_at_once(
    tmp_path: Path, server: FaultServer, to_group: bool
) -> None:
    """A server that never answers holds a fetch for the whole read timeout (30 s by default);
    Ctrl-C used to wait that out while the fetch threads were joined. It now acts at once."""
    server.routes["/hang"] = Fault(delay=120)  # cut short when the server closes
    server.routes["/ok"] = Fault(body=feed("ok"))
    (tmp_path / "feeds.yaml").write_text(
        "sources:\n"
        f"  - name: hang\n    url: {server.url('/hang')}\n"
        f"  - name: ok\n    url: {server.url('/ok')}\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "jjfeed", "--db", str(tmp_path / "j.db"), "run"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a shell gives a foreground job
    )
    try:
        for _ in range(400):  # up to 20 s for the run to start and ask for /hang
            if "/hang" in server.paths() or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert "/hang" in server.paths() and proc.poll() is None, proc.communicate(timeout=5)
        time.sleep(0.3)  # the request is in flight, the server silent
        started = time.monotonic()
        if to_group:
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=10)
    assert took < 5, f"Ctrl-C took {took:.1f} s"
    assert proc.returncode != 0 and "Traceback" not in stderr, stderr[-2000:]
