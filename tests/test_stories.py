"""Story level through the real pipeline: different write-ups of one event share a story."""

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import feedparser
import pytest

from conftest import SEEDS, html_body, prose, rss
from jjfeed import dedup, pipeline
from jjfeed.config import Config, load_config
from jjfeed.errors import ConfigError
from jjfeed.store import MIGRATIONS, Store

BRIDGE_NAMES = (
    "Mayor Ada Lindqvist said the Harbour Bridge would stay shut. "
    "Engineers from Northgate Consulting inspected the Harbour Bridge on Monday. "
    "Ada Lindqvist thanked the Coast Guard."
)
LIBRARY_NAMES = (
    "The Central Library festival opened with Tomas Brenner reading. "
    "Tomas Brenner and the Riverside Choir filled the Central Library."
)


def _write(folder: Path, name: str, title: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{title}\n\n{body}")
    return path


def _bridge(tmp_path: Path) -> tuple[Path, Path, Path]:
    a = _write(
        tmp_path / "gazette",
        "bridge.txt",
        "Harbour Bridge closed after storm damage",
        BRIDGE_NAMES + "\n\n" + prose(31, 300),
    )
    b = _write(
        tmp_path / "wire",
        "bridge.txt",
        "Storm damage closes Harbour Bridge for weeks",
        prose(32, 320) + "\n\n" + BRIDGE_NAMES,
    )
    c = _write(
        tmp_path / "courier",
        "library.txt",
        "Central Library festival opens with a reading",
        LIBRARY_NAMES + "\n\n" + prose(33, 300),
    )
    return a, b, c


def _records(config: Config) -> dict[str, dict[str, object]]:
    return {str(r["guid"]).rsplit("/", 2)[-2]: r for r in pipeline.export(config)}


def test_write_ups_of_one_event_share_a_story_not_a_cluster(tmp_path: Path) -> None:
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    a, b, c = _bridge(tmp_path)
    for path in (a, b, c):
        pipeline.ingest_inputs(config, [str(path)])
    records = _records(config)
    assert records["gazette"]["cluster"] != records["wire"]["cluster"]
    assert records["gazette"]["story"] == records["wire"]["story"]
    assert records["courier"]["story"] != records["gazette"]["story"]
    # The story id is the founding cluster's id, so it never changes later.
    assert records["gazette"]["story"] == records["gazette"]["cluster"]


def test_feed_entry_lists_the_other_coverage(tmp_path: Path) -> None:
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    a, b, c = _bridge(tmp_path)
    pipeline.ingest_inputs(config, [str(a), str(b), str(c)])
    feed = feedparser.parse((config.output / "feed.atom").read_bytes())
    assert not feed.bozo
    assert len(feed.entries) == 3
    by_title = {e.title: e.content[0].value for e in feed.entries}
    assert "Also covered by" in by_title["Harbour Bridge closed after storm damage"]
    assert (
        "Storm damage closes Harbour Bridge" in by_title["Harbour Bridge closed after storm damage"]
    )
    assert "Also covered by" not in by_title["Central Library festival opens with a reading"]


def test_group_story_publishes_one_entry_per_story(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("group: story\ndatabase: j.db\noutput: out\n")
    config = load_config(feeds)
    a, b, c = _bridge(tmp_path)
    pipeline.ingest_inputs(config, [str(a), str(b), str(c)])
    feed = feedparser.parse((config.output / "feed.atom").read_bytes())
    assert len(feed.entries) == 2
    records = _records(config)
    ids = {e.id for e in feed.entries}
    assert f"urn:uuid:{records['gazette']['story']}" in ids
    assert f"urn:uuid:{records['courier']['story']}" in ids
    bridge = next(e for e in feed.entries if e.id == f"urn:uuid:{records['gazette']['story']}")
    assert "Also covered by" in bridge.content[0].value


def test_story_and_entry_ids_survive_new_copies(tmp_path: Path) -> None:
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    a, b, _ = _bridge(tmp_path)
    pipeline.ingest_inputs(config, [str(a)])
    before = _records(config)["gazette"]
    pipeline.ingest_inputs(config, [str(b)])
    copy = _write(tmp_path / "mirror", "bridge.txt", "Harbour Bridge closed", a.read_text())
    report = pipeline.ingest_inputs(config, [str(copy)])
    assert report.results[0].duplicates == 1
    records = _records(config)
    assert records["gazette"]["story"] == before["story"]
    assert records["mirror"]["cluster"] == before["cluster"]
    assert records["wire"]["story"] == before["story"]


def test_dates_outside_the_story_window_make_separate_stories(tmp_path: Path) -> None:
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")

    def feed(name: str, title: str, body: str, when: datetime) -> Path:
        path = tmp_path / f"{name}.rss"
        item = {
            "title": title,
            "link": f"https://{name}.example/1",
            "guid": f"{name}-1",
            "body": html_body(body),
            "date": format_datetime(when),
        }
        path.write_bytes(rss(name, f"https://{name}.example/", [item]))
        return path

    start = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    old = feed(
        "old", "Harbour Bridge closed after storm damage", BRIDGE_NAMES + "\n\n" + prose(31), start
    )
    near = feed(
        "near",
        "Storm damage closes Harbour Bridge",
        prose(32) + "\n\n" + BRIDGE_NAMES,
        start + timedelta(days=1),
    )
    late = feed(
        "late",
        "Harbour Bridge closed after storm damage again",
        prose(34) + "\n\n" + BRIDGE_NAMES,
        start + timedelta(days=40),
    )
    pipeline.ingest_inputs(config, [str(old), str(near), str(late)])
    story = {str(r["guid"]).split("-")[0]: r["story"] for r in pipeline.export(config)}
    assert story["old"] == story["near"]
    assert story["late"] != story["old"]


def _feed(path: Path, name: str, items: list[tuple[str, str]]) -> Path:
    entries = [
        {"title": t, "link": f"https://{name}.example/{k}", "guid": f"{name}-{k}", "body": b}
        for k, (t, b) in enumerate(items)
    ]
    path.write_bytes(rss(name, f"https://{name}.example/", entries))
    return path


# Two headlines sharing two of six words: title similarity 1/3, story evidence across
# sources, too little for two posts of one source (issue 17: "Q4 2022 RSS.com Product
# Updates" / "Protecting RSS.com Podcasters From Email Spam").
TWO_POSTS = [
    ("Harbour Bridge closed after storm", "<p>Short note.</p>"),
    ("Harbour Bridge reopens for cyclists", "<p>Another short note.</p>"),
]


def test_two_posts_of_one_source_need_strong_evidence_to_share_a_story(tmp_path: Path) -> None:
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    one = _feed(tmp_path / "one.rss", "gazette", TWO_POSTS)
    pipeline.ingest_inputs(config, [str(one)])
    stories = {r["title"]: r["story"] for r in pipeline.export(config)}
    assert len(stories) == 2
    assert len(set(stories.values())) == 2


def test_the_same_two_headlines_from_two_sources_share_a_story(tmp_path: Path) -> None:
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    a = _feed(tmp_path / "a.rss", "gazette", TWO_POSTS[:1])
    b = _feed(tmp_path / "b.rss", "wire", TWO_POSTS[1:])
    pipeline.ingest_inputs(config, [str(a), str(b)])
    stories = {r["title"]: r["story"] for r in pipeline.export(config)}
    assert len(stories) == 2
    assert len(set(stories.values())) == 1


def test_merged_clusters_merge_their_stories(tmp_path: Path) -> None:
    with Store(tmp_path / "j.db") as store:
        now = datetime(2026, 11, 1, tzinfo=UTC)
        with store.transaction():
            store.create_cluster("c1", now)
            store.create_cluster("c2", now + timedelta(hours=1))
            store.create_cluster("c3", now + timedelta(hours=2), story="c2")
            store.merge_clusters("c1", ["c2"], now + timedelta(hours=3))
        assert store.story_of("c3") == "c1"
        assert store.story_clusters(["c1"]) == {"c1": ["c1", "c3"]}


def test_version_4_database_gets_stories_and_a_story_index(tmp_path: Path) -> None:
    """An archive from before stories: every cluster founds its own, and new write-ups join them."""
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    a, b, _ = _bridge(tmp_path)
    raw = sqlite3.connect(config.database)
    for script in MIGRATIONS[:4]:
        raw.executescript(script)
    raw.execute("PRAGMA user_version = 4")
    when = datetime.now(UTC).isoformat()
    raw.execute("INSERT INTO clusters VALUES ('old', ?, ?)", (when, when))
    title, body = a.read_text().split("\n\n", 1)
    raw.execute(
        "INSERT INTO articles (source, guid, title, text, html, content_hash, cluster, fetched_at)"
        " VALUES ('gazette', 'file:///gazette/bridge.txt', ?, ?, '', 'h', 'old', ?)",
        (title, body, when),
    )
    raw.commit()
    raw.close()
    pipeline.ingest_inputs(config, [str(b)])
    records = _records(config)
    assert records["gazette"]["cluster"] == "old"
    assert records["wire"]["story"] == records["gazette"]["story"] == "old"


def test_story_keys_are_deterministic_and_similarity_sensitive() -> None:
    terms = ["harbour", "bridge", "storm", "e:ada lindqvist"]
    assert dedup.story_keys(terms) == dedup.story_keys(list(reversed(terms)))
    assert len(dedup.story_keys(terms)) == dedup.STORY_BANDS
    assert dedup.story_keys([]) == []
    other = dedup.story_keys(["library", "festival", "reading", "e:tomas brenner"])
    assert sum(x == y for x, y in zip(dedup.story_keys(terms), other, strict=True)) < 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("group: topic\n", "group: must be one of cluster, story"),
        ("dedup:\n  window_days: 0\n", "dedup.window_days: must be at least 1"),
        ("dedup:\n  colour: red\n", "dedup.colour: unknown key"),
        ("dedup:\n  story_vectors: 2\n", "dedup.story_vectors"),
    ],
)
def test_bad_story_settings_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("title: T\n" + text)
    with pytest.raises(ConfigError, match=message) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}:2:") or str(err.value).startswith(f"{path}:3:")


def test_dedup_window_comes_from_feeds_yaml(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("dedup:\n  window_days: 7\n  story_window_days: 1\n")
    config = load_config(path)
    assert config.window == timedelta(days=7)
    assert config.story_window == timedelta(days=1)
    assert config.story_vectors  # on unless turned off (the plain rule is faster)
    path.write_text("dedup:\n  story_vectors: false\n")
    assert not load_config(path).story_vectors


@pytest.mark.needs_shared(SEEDS)
def test_seed_stories_and_clusters(tmp_path: Path) -> None:
    """000 and 001 report the same news: one story; no two seeds are one text: five clusters."""
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    pipeline.ingest_inputs(config, [str(p) for p in sorted(SEEDS.glob("*.txt"))])
    records = {Path(str(r["guid"])).name[:3]: r for r in pipeline.export(config)}
    assert set(records) == {"000", "001", "002", "003", "004"}
    assert records["000"]["story"] == records["001"]["story"]
    assert len({r["cluster"] for r in records.values()}) == 5
    # json-safe, as `jjfeed export` prints it
    json.dumps(records)
