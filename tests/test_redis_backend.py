"""Several workers, one duplicate index: dedup.backend: redis against a real redis-server.

Two workers split the sources with ``--shard 1/2`` and ``--shard 2/2``, each
with its own SQLite store, and share one Redis. Every source carries a copy
of the same real articles (exact copies and edited ones), so every copy
after the first, whichever worker meets it, must be a duplicate, once.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import redis
from click.testing import CliRunner

from conftest import SHARED, _free_port, html_body, rss
from jjfeed import dedup, pipeline
from jjfeed.cli import cli
from jjfeed.config import load_config
from jjfeed.dedup.redis_index import RedisIndex, pack_shingles, unpack_shingles
from jjfeed.errors import ConfigError, DedupIndexError
from jjfeed.model import Article

GROUND_TRUTH = SHARED / "data" / "wcxb-dev" / "ground-truth"
SOURCES = ("wire", "daily", "herald", "gazette")
STORIES = 8
NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _articles() -> list[tuple[str, str]]:
    """(title, text) of the first real WCXB articles long enough to be articles (200+ words)."""
    found = []
    for path in sorted(GROUND_TRUTH.glob("*.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))["ground_truth"]
        words = truth["main_content"].split()
        if len(words) >= 200:
            found.append((truth["title"] or path.stem, " ".join(words[:350])))
        if len(found) == STORIES:
            return found
    raise AssertionError(f"{GROUND_TRUTH}: fewer than {STORIES} articles of 200+ words")


def _article(*, source: str, guid: str, title: str, text: str) -> Article:
    return Article(source=source, guid=guid, url=None, title=title, text=text)


def _edited(text: str, seed: int) -> str:
    """A near-copy: every 25th word changed and the last ten words cut, as a re-write might."""
    out = text.split()[:-10]
    for i in range(seed % 25, len(out), 25):
        out[i] = f"edit{seed}x{i}"
    return " ".join(out)


def _write_feeds(folder: Path) -> dict[str, int]:
    """One RSS file per source; every source carries every story. Returns guid -> story."""
    story_of = {}
    for s, name in enumerate(SOURCES):
        items = []
        for k, (title, text) in enumerate(_articles()):
            body = text if (k + s) % 2 == 0 else _edited(text, s * 100 + k)
            guid = f"{name}-{k}"
            story_of[guid] = k
            items.append(
                {
                    "title": title,
                    "link": f"https://{name}.example/{k}",
                    "guid": guid,
                    "body": html_body(body),
                }
            )
        (folder / name).mkdir(parents=True)
        (folder / name / "feed.xml").write_bytes(rss(name, f"https://{name}.example/", items))
    return story_of


def _worker_config(folder: Path, feeds: Path, url: str, namespace: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "database: db.sqlite",
        "output: out",
        "dedup:",
        "  backend: redis",
        "redis:",
        f"  url: {url}",
        f"  namespace: {namespace}",
        "sources:",
    ]
    for name in SOURCES:
        lines += [f"  - name: {name}", f"    path: {feeds / name}"]
    path = folder / "feeds.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def namespace(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own on the shared server; its keys are deleted after."""
    ns = f"t{uuid.uuid4().hex[:12]}"
    yield ns
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{ns}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def _clusters(config_path: Path) -> dict[str, str]:
    """guid -> cluster id in one worker's store."""
    config = load_config(config_path)
    return {str(r["guid"]): str(r["cluster"]) for r in pipeline.export(config)}


def _check_every_copy_caught_once(
    configs: list[Path], counts: list[tuple[int, int]], story_of: dict[str, int]
) -> None:
    new = sum(n for n, _ in counts)
    duplicates = sum(d for _, d in counts)
    assert new == STORIES
    assert duplicates == len(story_of) - STORIES
    clusters: dict[int, set[str]] = {}
    seen = 0
    for path in configs:
        for guid, cluster in _clusters(path).items():
            clusters.setdefault(story_of[guid], set()).add(cluster)
            seen += 1
    assert seen == len(story_of)  # every copy stored once, by the worker owning its source
    assert all(len(ids) == 1 for ids in clusters.values()), clusters  # workers agree
    assert len({next(iter(ids)) for ids in clusters.values()}) == STORIES  # stories stay apart


def _shards() -> list[list[str]]:
    shards = [[n for n in SOURCES if pipeline.in_shard(n, (i, 2))] for i in (1, 2)]
    assert all(shards), f"one shard got every source: {shards}"  # the test needs both busy
    return shards


@pytest.mark.needs_shared(GROUND_TRUTH)
def test_two_shards_catch_every_copy_once(tmp_path: Path, redis_url: str, namespace: str) -> None:
    story_of = _write_feeds(tmp_path / "feeds")
    _shards()
    configs = [
        _worker_config(tmp_path / f"worker{i}", tmp_path / "feeds", redis_url, namespace)
        for i in (1, 2)
    ]
    counts = []
    for i, path in enumerate(configs, start=1):
        report = pipeline.run(load_config(path), now=NOW, shard=(i, 2))
        assert not report.failed, report.failed
        counts.append(
            (sum(r.new for r in report.results), sum(r.duplicates for r in report.results))
        )
    _check_every_copy_caught_once(configs, counts, story_of)
    # A second round changes nothing: every article is known to its own worker.
    for i, path in enumerate(configs, start=1):
        report = pipeline.run(load_config(path), now=NOW + timedelta(hours=1), shard=(i, 2))
        assert sum(r.new + r.duplicates for r in report.results) == 0


_SUMMARY = re.compile(r"(\d+) new(?: articles)?, (\d+) duplicates merged")


@pytest.mark.needs_shared(GROUND_TRUTH)
def test_two_worker_processes_at_once(tmp_path: Path, redis_url: str, namespace: str) -> None:
    """Both workers file at the same moment: the lock keeps check-and-insert whole."""
    story_of = _write_feeds(tmp_path / "feeds")
    _shards()
    configs = [
        _worker_config(tmp_path / f"worker{i}", tmp_path / "feeds", redis_url, namespace)
        for i in (1, 2)
    ]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "jjfeed", "--config", str(path), "run", "--shard", f"{i}/2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, path in enumerate(configs, start=1)
    ]
    counts = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            assert "dedup.backend: redis is deprecated" in err  # said once a run, not fatal
            match = _SUMMARY.search(out)
            assert match, out
            counts.append((int(match[1]), int(match[2])))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
    _check_every_copy_caught_once(configs, counts, story_of)


@pytest.mark.needs_shared(GROUND_TRUTH)
def test_redis_down_is_a_clear_error_and_loses_nothing(
    tmp_path: Path, redis_url: str, namespace: str
) -> None:
    story_of = _write_feeds(tmp_path / "feeds")
    config = _worker_config(tmp_path / "worker", tmp_path / "feeds", redis_url, namespace)
    report = pipeline.run(load_config(config), now=NOW)
    assert sum(r.new for r in report.results) == STORIES
    stored = _clusters(config)
    assert len(stored) == len(story_of)

    dead = f"redis://127.0.0.1:{_free_port()}/0"
    text = config.read_text(encoding="utf-8").replace(redis_url, dead)
    config.write_text(text, encoding="utf-8")
    extra = tmp_path / "feeds" / "wire" / "more.xml"
    extra.write_bytes(
        rss("wire", "https://wire.example/", [
            {"title": "Later", "link": "https://wire.example/later", "guid": "wire-later",
             "body": html_body(_edited(_articles()[0][1], 7))},
        ])
    )  # fmt: skip
    result = CliRunner().invoke(cli, ["--config", str(config), "run"])
    assert result.exit_code == 1
    assert dead in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _clusters(config) == stored  # nothing lost, nothing half-filed

    config.write_text(text.replace(dead, redis_url), encoding="utf-8")
    report = pipeline.run(load_config(config), now=NOW + timedelta(hours=1))
    assert sum(r.duplicates for r in report.results) == 1  # the later copy, now filed
    assert _clusters(config)["wire-later"] == stored["wire-0"]


@pytest.mark.needs_shared(GROUND_TRUTH)
def test_a_retry_after_a_failed_commit_reuses_the_recorded_verdict(
    redis_url: str, namespace: str
) -> None:
    """Redis keeps an article filed by a worker whose local commit then failed: no self-match."""
    title, text = _articles()[0]
    article = _article(source="wire", guid="wire-0", title=title, text=text)
    since = NOW - timedelta(days=30)
    with RedisIndex(redis_url, namespace) as index:
        index.prepare()
        with index.deciding():
            first = index.verdict(article, None, None, since)
            index.add(1, NOW)
    with RedisIndex(redis_url, namespace) as index:
        again = index.verdict(article, None, None, since)
        index.add(1, NOW)
        copy = _article(source="daily", guid="daily-0", title=title, text=_edited(text, 3))
        dup = index.verdict(copy, None, None, since)
    assert first.status == again.status == "new" and again.cluster == first.cluster
    assert dup.status == "duplicate" and dup.cluster == first.cluster


@pytest.mark.needs_shared(GROUND_TRUTH)
def test_old_copies_outside_the_window_are_not_matched(redis_url: str, namespace: str) -> None:
    title, text = _articles()[1]
    with RedisIndex(redis_url, namespace) as index:
        index.prepare()
        index.verdict(_article(source="a", guid="1", title=title, text=text), None, None, NOW)
        index.add(1, NOW - timedelta(days=40))
        later = _article(source="b", guid="2", title=title, text=_edited(text, 1))
        assert index.verdict(later, None, None, NOW - timedelta(days=30)).status == "new"
        assert index.verdict(later, None, None, NOW - timedelta(days=50)).status == "duplicate"


@pytest.mark.needs_shared(GROUND_TRUTH)
def test_articles_older_than_the_window_are_forgotten(redis_url: str, namespace: str) -> None:
    """What left the window goes from Redis (LSH buckets, record, exact keys); the rest stays."""
    (t1, x1), (t2, x2) = _articles()[4:6]
    client = redis.Redis.from_url(redis_url)
    with RedisIndex(redis_url, namespace) as index:
        index.prepare()
        index.verdict(_article(source="a", guid="old", title=t1, text=x1), "g-old", None, NOW)
        index.add(1, NOW - timedelta(days=40))
        index.verdict(_article(source="a", guid="new", title=t2, text=x2), "g-new", None, NOW)
        index.add(2, NOW - timedelta(days=1))
        lsh_keys_before = len(list(client.scan_iter(match=f"{namespace}:lsh*", count=1000)))
        assert index.forget_before(NOW - timedelta(days=30)) == 1
        assert index.forget_before(NOW - timedelta(days=30)) == 0  # nothing left to forget
        since = NOW - timedelta(days=60)  # a window wide enough to reach the old one, were it kept
        old_copy = _article(source="b", guid="x1", title=t1, text=x1)
        new_copy = _article(source="b", guid="x2", title=t2, text=x2)
        assert index.query(dedup.signatures(x1)[0]) == set()
        assert index.verdict(old_copy, "g-old", None, since).status == "new"
        assert index.verdict(new_copy, "g-new", None, since).status == "duplicate"
    lsh_keys_after = len(list(client.scan_iter(match=f"{namespace}:lsh*", count=1000)))
    assert client.zcard(f"{namespace}:filed") == 1
    assert client.hlen(f"{namespace}:exact") == 2  # the new article's GUID and content hash
    assert len(list(client.scan_iter(match=f"{namespace}:doc:*"))) == 1
    assert 0 < lsh_keys_after < lsh_keys_before
    client.close()


@pytest.mark.needs_shared(GROUND_TRUTH)
def test_forgetting_everything_leaves_no_lsh_keys(redis_url: str, namespace: str) -> None:
    client = redis.Redis.from_url(redis_url)
    with RedisIndex(redis_url, namespace) as index:
        index.prepare()
        for n, (title, text) in enumerate(_articles()[:3]):
            index.verdict(
                _article(source="a", guid=str(n), title=title, text=text), None, None, NOW
            )
            index.add(n, NOW - timedelta(days=40 + n))
        assert index.forget_before(NOW) == 3
    assert list(client.scan_iter(match=f"{namespace}:lsh*")) == []
    assert list(client.scan_iter(match=f"{namespace}:doc:*")) == []
    assert client.hlen(f"{namespace}:exact") == 0
    client.close()


@pytest.mark.needs_shared(GROUND_TRUTH)
def test_a_copy_of_two_clusters_merges_them_into_the_oldest(redis_url: str, namespace: str) -> None:
    """A GUID names one cluster, the text another: the article shows they are one."""
    (t1, x1), (t2, x2) = _articles()[2:4]
    since = NOW - timedelta(days=30)
    with RedisIndex(redis_url, namespace) as index:
        index.prepare()
        a = index.verdict(_article(source="a", guid="https://x.example/1", title=t1, text=x1),
                          "https://x.example/1", None, since)  # fmt: skip
        index.add(1, NOW - timedelta(hours=2))
        b = index.verdict(_article(source="b", guid="2", title=t2, text=x2), None, None, since)
        index.add(2, NOW - timedelta(hours=1))
        both = index.verdict(
            _article(source="c", guid="https://x.example/1", title=t2, text=x2),
            "https://x.example/1",
            None,
            since,
        )
        index.add(3, NOW)
        after = index.verdict(_article(source="d", guid="4", title=t2, text=x2), None, None, since)
    assert a.status == b.status == "new" and a.cluster != b.cluster
    assert both == dedup.Verdict("duplicate", a.cluster, frozenset({b.cluster}))
    assert after.cluster == a.cluster  # b's cluster now lives on as a


def test_an_index_built_with_other_parameters_stops_the_run(redis_url: str, namespace: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.set(f"{namespace}:params", "minhash:something-else")
    client.close()
    with RedisIndex(redis_url, namespace) as index, pytest.raises(DedupIndexError) as e:
        index.prepare()
    assert redis_url in str(e.value) and "something-else" in str(e.value)


def test_password_is_not_shown_in_errors() -> None:
    port = _free_port()
    url = f"redis://user:s3cret@127.0.0.1:{port}/0"
    with RedisIndex(url, "x") as index, pytest.raises(DedupIndexError) as e:
        index.prepare()
    assert "s3cret" not in str(e.value) and f"127.0.0.1:{port}" in str(e.value)


@pytest.mark.needs_shared(GROUND_TRUTH)
def test_one_pipeline_query_answers_as_datasketch_does(redis_url: str, namespace: str) -> None:
    articles = _articles()
    since = NOW - timedelta(days=30)
    with RedisIndex(redis_url, namespace) as index:
        index.prepare()
        for i, (title, text) in enumerate(articles):
            for j, body in enumerate((text, _edited(text, i))):
                index.verdict(_article(source="s", guid=f"{i}-{j}", title=title, text=body),
                              None, None, since)  # fmt: skip
                index.add(i, NOW)
        hits = 0
        for i, (_, text) in enumerate(articles):
            for body in (text, _edited(text, i + 50), " ".join(text.split()[:90])):
                full, lead = dedup.signatures(body)
                for sig in (full, lead):
                    if sig is not None:
                        expected = index.query(sig)
                        assert index._query([sig]) == expected
                        hits += len(expected)
        assert hits > 0


@pytest.mark.needs_shared(GROUND_TRUTH)
def test_shingles_survive_packing() -> None:
    hashes = dedup.shingle_hashes(_articles()[0][1])
    packed = pack_shingles(hashes)
    assert np.array_equal(unpack_shingles(packed), hashes)
    assert len(packed) < hashes.nbytes


# -- sharding ---------------------------------------------------------------------


def test_every_source_is_in_exactly_one_shard() -> None:
    names = [f"source-{i}" for i in range(200)]
    for n in (1, 2, 3, 5):
        owners = [[i for i in range(1, n + 1) if pipeline.in_shard(name, (i, n))] for name in names]
        assert all(len(o) == 1 for o in owners)
        assert {o[0] for o in owners} == set(range(1, n + 1))  # every shard gets work


def test_shards_are_fixed_by_sha1_of_the_name() -> None:
    # Pinned: a different hash (or Python's salted hash()) would move sources between workers.
    assert [pipeline.in_shard("wire", (i, 4)) for i in (1, 2, 3, 4)].count(True) == 1
    owner = int.from_bytes(__import__("hashlib").sha1(b"wire").digest()[:8], "big") % 4 + 1
    assert pipeline.in_shard("wire", (owner, 4))


@pytest.mark.parametrize("value", ["3/2", "0/2", "1/0", "x", "1-2", "/2"])
def test_bad_shard_is_a_usage_error(tmp_path: Path, value: str) -> None:
    config = tmp_path / "feeds.yaml"
    config.write_text("sources:\n  - name: a\n    path: a\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "run", "--shard", value])
    assert result.exit_code == 2
    assert "--shard" in result.output
    assert "i/N" in result.output or "1 <= i <= N" in result.output


# -- feeds.yaml ---------------------------------------------------------------------


def test_default_backend_is_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("dedup:\n  window_days: 3\n", encoding="utf-8")
    config = load_config(path)
    assert config.dedup_backend == "sqlite" and config.redis_url is None


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("dedup:\n  backend: memcached\n", ":2: dedup.backend: must be one of sqlite, redis"),
        ("dedup:\n  backend: redis\n", ":2: dedup.backend: redis needs a 'redis:' section"),
        (
            "dedup:\n  backend: redis\nredis:\n  url: http://x/\n",
            ":4: redis.url: not a Redis URL",
        ),
        ("dedup:\n  backend: redis\nredis:\n  namespace: a\n", ":4: redis: missing required key"),
        ("redis:\n  url: redis://x/\n  port: 1\n", ":3: redis.port: unknown key"),
    ],
)
def test_backend_errors_name_file_line_key(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert str(e.value).startswith(str(path)) and where in str(e.value)


def test_redis_backend_config(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "dedup:\n  backend: redis\nredis:\n  url: redis://10.0.0.5:6379/2\n  namespace: news\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert (config.dedup_backend, config.redis_url, config.redis_namespace) == (
        "redis",
        "redis://10.0.0.5:6379/2",
        "news",
    )


@pytest.mark.needs_shared(GROUND_TRUTH)
def test_a_merge_of_a_cluster_only_another_worker_holds_files_the_article(
    tmp_path: Path, redis_url: str, namespace: str
) -> None:
    """Worker A files a copy of A's cluster and of one only B's store holds: A merges, not fails."""
    from jjfeed.pipeline.filing import _Deduper
    from jjfeed.store import Store

    (t1, x1), (t2, x2) = _articles()[2:4]
    with (
        Store(tmp_path / "a.db") as store_a,
        Store(tmp_path / "b.db") as store_b,
        RedisIndex(redis_url, namespace) as index_a,
        RedisIndex(redis_url, namespace) as index_b,
    ):
        a = _Deduper(store_a, NOW, index=index_a)
        b = _Deduper(store_b, NOW, index=index_b)
        a.prepare()
        b.prepare()
        with a.unit():
            first = a.file_isolated(
                _article(source="a", guid="https://x.example/1", title=t1, text=x1), 0
            )
        with b.unit():
            second = b.file_isolated(_article(source="b", guid="2", title=t2, text=x2), 0)
        with a.unit():  # the same GUID as A's first, the text of B's: both clusters are one
            both = a.file_isolated(
                _article(source="c", guid="https://x.example/1", title=t2, text=x2), 0
            )
        assert (first, second, both) == ("new", "new", "duplicate")
        clusters = {s.cluster for s in store_a.articles()}
        assert len(clusters) == 1
