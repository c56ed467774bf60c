"""Several workers, one PostgreSQL store (issue 20): claims, copies caught once, a dead worker.

Real processes (``python -m jjfeed run``) against a real PostgreSQL
(conftest's ``postgres_url``) and a real HTTP server on 127.0.0.1 serving
16 feeds; 8 stories, each carried by several feeds, some as edited copies.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import FeedServer, Route, html_body, prose, rss
from jjfeed.model import Source
from jjfeed.pipeline import fleet
from jjfeed.store import Database, Store

SOURCES = 16
STORIES = 8
PER_SOURCE = 4
CLAIM = 6  # seconds a claim holds in the dead-worker test


def _edited(text: str, seed: int) -> str:
    """A near-copy: every 25th word changed and the last ten words cut."""
    words = text.split(" ")[:-10]
    for i in range(seed % 25, len(words), 25):
        words[i] = f"edit{seed}x{i}"
    return " ".join(words)


def _serve(server: FeedServer, delay: float = 0.2) -> dict[str, int]:
    """Feed ``/s{n}.xml`` carries stories n, n+1, ... (mod 8); returns guid -> story."""
    story_of = {}
    for s in range(SOURCES):
        items = []
        for k in range(s, s + PER_SOURCE):
            story = k % STORIES
            text = prose(1000 + story, 320)
            body = text if (s + k) % 2 == 0 else _edited(text, s * 100 + k)
            guid = f"s{s}-{story}"
            story_of[guid] = story
            items.append(
                {
                    "title": f"Story {story} as told by source {s}",
                    "link": f"https://s{s}.example/{story}",
                    "guid": guid,
                    "body": html_body(body),
                }
            )
        server.routes[f"/s{s}.xml"] = Route(
            rss(f"source {s}", f"https://s{s}.example/", items), delay=delay
        )
    return story_of


def _config(folder: Path, server: FeedServer, database: str, claim_timeout: int = 600) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"database: {database}", "output: out", f"claim_timeout: {claim_timeout}", "sources:"]
    for s in range(SOURCES):
        lines += [f"  - name: s{s}", f"    url: {server.url(f'/s{s}.xml')}"]
    path = folder / "feeds.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _start(config: Path, command: str = "run") -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    return subprocess.Popen(
        [sys.executable, "-m", "jjfeed", "--config", str(config), command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _items(output: Path) -> list[object]:
    return list(json.loads((output / "feed.json").read_text())["items"])


def _finish(proc: subprocess.Popen[str]) -> str:
    try:
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    return out + err


def _check_one_cluster_per_story(database: Database, story_of: dict[str, int]) -> None:
    with Store(database) as store:
        stored = list(store.articles())
    guids = Counter(s.article.guid for s in stored)
    assert set(guids) == set(story_of) and max(guids.values()) == 1  # each article once
    clusters: dict[int, set[str]] = {}
    for s in stored:
        clusters.setdefault(story_of[s.article.guid], set()).add(s.cluster)
    assert all(len(ids) == 1 for ids in clusters.values()), clusters  # every copy caught
    assert len({next(iter(ids)) for ids in clusters.values()}) == STORIES  # stories apart


def test_two_workers_share_the_sources_and_catch_every_copy_once(
    tmp_path: Path, feed_server: FeedServer, postgres_url: str
) -> None:
    story_of = _serve(feed_server)
    configs = [_config(tmp_path / f"w{i}", feed_server, postgres_url) for i in (1, 2)]
    procs = [_start(c) for c in configs]
    try:
        outputs = [_finish(p) for p in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    _check_one_cluster_per_story(postgres_url, story_of)
    fetched = Counter(path for path, _ in feed_server.requests)
    assert sorted(fetched) == sorted(f"/s{s}.xml" for s in range(SOURCES))
    assert set(fetched.values()) == {1}, fetched  # no source run by both workers
    assert all("16 sources" in out for out in outputs), outputs
    # Each run published the merged feed as the store held it when it ended (the first to
    # end may miss what the other filed after); a publish now has every story once.
    published = [_items(config.parent / "out") for config in configs]
    assert all(0 < len(items) <= STORIES for items in published)
    _finish(_start(configs[0], "publish"))
    assert len(_items(configs[0].parent / "out")) == STORIES


def test_a_killed_workers_sources_are_taken_once_its_claims_run_out(
    tmp_path: Path, feed_server: FeedServer, postgres_url: str
) -> None:
    story_of = _serve(feed_server, delay=0.0)
    slow = feed_server.routes["/s0.xml"]
    slow.delay = 60.0  # the first worker hangs on it, holding its claims
    first = _start(_config(tmp_path / "w1", feed_server, postgres_url, claim_timeout=CLAIM))
    deadline = time.monotonic() + 60
    while not any(path == "/s0.xml" for path, _ in feed_server.requests):
        assert time.monotonic() < deadline, "the first worker never fetched /s0.xml"
        assert first.poll() is None, first.communicate()
        time.sleep(0.05)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate(timeout=30)
    claimed_at = datetime.now(UTC)
    shown = subprocess.run(
        [sys.executable, "-m", "jjfeed", "--config", str(tmp_path / 'w1' / 'feeds.yaml'), "feeds", "--json"],
        capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")},
    )  # fmt: skip
    rows = {row["name"]: row for row in json.loads(shown.stdout)}
    assert rows["s0"]["status"] == "running" and rows["s0"]["held_by"]  # `jjfeed feeds` says who
    assert rows["s5"]["status"] == "new" and rows["s5"]["held_by"] is None
    slow.delay = 0.0

    second = _config(tmp_path / "w2", feed_server, postgres_url, claim_timeout=CLAIM)
    out = _finish(_start(second))  # the dead worker's claims still hold
    with Store(postgres_url) as store:
        held = {name for name, (worker, until, _) in store.claims().items() if worker}
    assert "s0" in held, out
    assert f"{fleet.claim_size(SOURCES)} skipped" in out  # the dead worker's claim, held

    time.sleep(
        max(0.0, (claimed_at + timedelta(seconds=CLAIM + 0.5) - datetime.now(UTC)).total_seconds())
    )
    _finish(_start(second))  # now they have run out: taken, and nothing filed twice
    _check_one_cluster_per_story(postgres_url, story_of)
    with Store(postgres_url) as store:
        assert not any(worker for worker, _, _ in store.claims().values())


def test_claims_skip_what_another_holds_and_what_ran_since_the_run_began(
    database: Database,
) -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    later = now + timedelta(minutes=10)
    names = ["a", "b", "c", "d"]
    with Store(database) as one, Store(database) as two:
        assert one.claim_sources(names, "w1", now=now, until=later, started=now, limit=2) == [
            "a",
            "b",
        ]
        assert two.claim_sources(names, "w2", now=now, until=later, started=now, limit=8) == [
            "c",
            "d",
        ]
        assert two.claim_sources(names, "w2", now=now, until=later, started=now, limit=8) == []
        one.release_source("a", "w1", now + timedelta(seconds=1))
        one.release_source("b", "someone else", now)  # not w1's to let go of: still held
        # "a" ran after w2's run began: w2 leaves it; a run that began later takes it.
        assert two.claim_sources(names, "w2", now=now, until=later, started=now, limit=8) == []
        after = now + timedelta(seconds=2)
        assert two.claim_sources(names, "w2", now=after, until=later, started=after, limit=8) == [
            "a"
        ]
        # A claim that ran out (its worker died) is free again.
        expired = later + timedelta(seconds=1)
        got = one.claim_sources(names, "w3", now=expired, until=expired, started=expired, limit=8)
        assert got == ["a", "b", "c", "d"]
        assert {w for w, _, _ in one.claims().values()} == {"w3"}


def test_a_claim_in_progress_is_skipped_not_waited_for(postgres_url: str) -> None:
    """FOR UPDATE SKIP LOCKED: rows another worker is claiming right now are passed over."""
    import psycopg

    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    with Store(postgres_url) as store:
        store.claim_sources(["a", "b"], "w0", now=now, until=now, started=now, limit=2)
    # Were the rows waited for (SKIP LOCKED lost), the claim fails after 5 s instead of hanging.
    bounded = (
        postgres_url + ("&" if "?" in postgres_url else "?") + "options=-c%20lock_timeout%3D5000"
    )
    with psycopg.connect(postgres_url) as other:  # a transaction holding row "a"
        other.execute("SELECT * FROM source_claims WHERE source = 'a' FOR UPDATE")
        with Store(bounded) as store:
            start = time.monotonic()
            later = now + timedelta(minutes=1)
            got = store.claim_sources(
                ["a", "b"], "w1", now=later, until=later, started=now, limit=2
            )
            assert got == ["b"] and time.monotonic() - start < 5


def test_a_claim_takes_a_share_of_what_is_due() -> None:
    assert [fleet.claim_size(n) for n in (0, 1, 16, 20, 64, 1000)] == [1, 1, 2, 2, 8, 8]


def test_due_now_orders_files_first_and_reports_what_is_not_due() -> None:
    from jjfeed import schedule
    from jjfeed.model import SourceState

    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    sources = [
        Source(name="feed", url="https://x.example/f.xml"),
        Source(name="file", path=Path("f.xml")),
        Source(name="later", url="https://x.example/l.xml"),
    ]
    states = {
        "feed": schedule.state_for(sources[0], None),
        "later": SourceState(
            "later", "https://x.example/l.xml", next_attempt=now + timedelta(hours=1)
        ),
    }
    due, skipped = fleet.due_now(sources, states, now)
    assert [s.name for s in due] == ["file", "feed"]
    assert [(r.source, r.status) for r in skipped] == [("later", "skipped")]
