"""Publishing through whole runs: real feeds over HTTP, a real store, a local WebSub hub."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import feedparser
import pytest

from conftest import FeedServer, Route, html_body, prose, rss
from helpers_publish import running_hub
from jjfeed import pipeline
from jjfeed.config import Config, load_config

STORY = prose(101, 400)
OTHER = prose(102, 350)
JONES = (
    "Jessica Jones returns to Netflix in March. Krysten Ritter said Jessica Jones would face "
    "her past, and showrunner Melissa Rosenberg promised a personal story for Jessica. "
) * 4
FILES = ("feed.atom", "feed.rss", "feed.json", "index.html", "sources.opml")


def _serve(server: FeedServer) -> None:
    gazette = rss(
        "Gazette",
        "https://gazette.example/",
        [
            {
                "title": "Harbour tram line reopens",
                "link": "https://gazette.example/tram",
                "guid": "https://gazette.example/?p=1",
                "body": html_body(STORY)
                + '<p>The engineers published <a href="/docs/tram-report">their full report</a>'
                " on the tram works, with every delay and its cause listed by week.</p>",
                "categories": "local news,Transport",
            },
            {
                "title": "Jessica Jones is back",
                "link": "https://gazette.example/jones",
                "guid": "https://gazette.example/?p=2",
                "body": html_body(JONES),
                "categories": "TV",
            },
        ],
    )
    wire = rss(
        "Wire",
        "https://wire.example/",
        [
            {
                "title": "Market stalls move for the winter",
                "link": "https://wire.example/market",
                "guid": "wire-1",
                "body": html_body(OTHER),
            }
        ],
    )
    server.routes["/gazette.rss"] = Route(gazette, etag='"g1"')
    server.routes["/wire.rss"] = Route(wire, etag='"w1"')


def _config(tmp_path: Path, server: FeedServer, extra: str = "") -> Config:
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "title: Test merged\nlink: https://merged.example/\n"
        "public_url: https://feeds.example/jj/\n"
        "sources:\n"
        f"  - name: Gazette\n    url: {server.url('/gazette.rss')}\n"
        f"  - name: Wire\n    url: {server.url('/wire.rss')}\n" + extra
    )
    return load_config(path)


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {n: ((folder / n).read_bytes(), (folder / n).stat().st_mtime_ns) for n in FILES}


def test_idle_rerun_writes_byte_identical_files_and_pings_nothing(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    _serve(feed_server)
    with running_hub() as hub:
        config = _config(tmp_path, feed_server, f"hub: {hub.url}\n")
        first = pipeline.run(config)
        assert sorted(p.name for p in first.published) == sorted(FILES)
        assert hub.topics() == [
            "https://feeds.example/jj/feed.atom",
            "https://feeds.example/jj/feed.json",
            "https://feeds.example/jj/feed.rss",
        ]
        before = _snapshot(config.output)
        hub.pings.clear()
        pipeline.run(config)  # 304s: nothing new
        for route in feed_server.routes.values():
            route.etag = None
        pipeline.run(config)  # full bodies again, still nothing new
        assert _snapshot(config.output) == before
        assert hub.pings == []


def test_new_copy_of_a_story_adds_no_entry_and_is_listed_as_a_source(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    _serve(feed_server)
    config = _config(tmp_path, feed_server)
    pipeline.run(config)
    before = feedparser.parse((config.output / "feed.atom").read_bytes())
    copy = rss(
        "Wire",
        "https://wire.example/",
        [
            {
                "title": "Market stalls move for the winter",
                "link": "https://wire.example/market",
                "guid": "wire-1",
                "body": html_body(OTHER),
            },
            {
                "title": "Tram line back in service",
                "link": "https://wire.example/tram-copy",
                "guid": "wire-2",
                "body": html_body(STORY.replace("council", "city council", 3)),
            },
        ],
    )
    feed_server.routes["/wire.rss"] = Route(copy, etag='"w2"')
    report = pipeline.run(config)
    assert sum(r.duplicates for r in report.results) == 1
    after = feedparser.parse((config.output / "feed.atom").read_bytes())
    assert [e.id for e in after.entries] == [e.id for e in before.entries]
    first = next(e for e in before.entries if e.title == "Harbour tram line reopens")
    # The relative link in the body reaches the reader absolute.
    hrefs = re.findall(r'href="([^"]*)"', first.content[0].value)
    assert any(h.endswith("/docs/tram-report") for h in hrefs)
    assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    tram_id = first.id
    # The longer wire copy may now represent the story; the entry is the same one.
    tram = next(e for e in after.entries if e.id == tram_id)
    assert "https://wire.example/tram-copy" in {ln.href for ln in tram.links}
    assert "Wire" in tram.content[0].value and "Gazette" in tram.content[0].value
    via = {ln.href for ln in tram.links if ln.get("rel") == "via"}
    assert via == {feed_server.url("/gazette.rss"), feed_server.url("/wire.rss")}


def test_tags_from_config_rules_synonyms_and_names_reach_every_format(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    _serve(feed_server)
    extra = (
        "tags:\n"
        "  synonyms:\n"
        "    Local: [local news]\n"
        "    Television: tv\n"
        "  rules:\n"
        "    - tag: Markets\n"
        "      words: [market stalls]\n"
    )
    config = _config(tmp_path, feed_server, extra)
    pipeline.run(config)
    feed = json.loads((config.output / "feed.json").read_text())
    tags = {item["title"]: item["tags"] for item in feed["items"]}
    assert tags["Harbour tram line reopens"][:2] == ["Local", "Transport"]
    assert tags["Market stalls move for the winter"][0] == "Markets"
    jones = tags["Jessica Jones is back"]
    assert jones[0] == "Television"
    assert {"Jessica Jones", "Krysten Ritter", "Melissa Rosenberg"} <= set(jones)
    rss_entry = next(
        e
        for e in feedparser.parse((config.output / "feed.rss").read_bytes()).entries
        if e.title == "Jessica Jones is back"
    )
    assert [t.term for t in rss_entry.tags] == jones


def test_topic_outputs(tmp_path: Path, feed_server: FeedServer) -> None:
    _serve(feed_server)
    extra = (
        "outputs:\n"
        "  - path: .\n"
        "  - path: tv\n"
        "    title: Television only\n"
        "    formats: [atom, json]\n"
        "    include_tags: [tv]\n"
        "  - path: not-tv\n"
        "    formats: [rss]\n"
        "    exclude_tags: [TV]\n"
        "    query: 'reopens -jessica'\n"
    )
    config = _config(tmp_path, feed_server, extra)
    report = pipeline.run(config)
    assert report.entries == 3
    names = {str(p.relative_to(config.output)) for p in report.published}
    assert names == {*FILES, "tv/feed.atom", "tv/feed.json", "not-tv/feed.rss"}
    tv = feedparser.parse((config.output / "tv" / "feed.atom").read_bytes())
    assert tv.feed.title == "Television only"
    assert [e.title for e in tv.entries] == ["Jessica Jones is back"]
    self_links = [ln.href for ln in tv.feed.links if ln.rel == "self"]
    assert self_links == ["https://feeds.example/jj/tv/feed.atom"]
    not_tv = feedparser.parse((config.output / "not-tv" / "feed.rss").read_bytes())
    assert [e.title for e in not_tv.entries] == ["Harbour tram line reopens"]


def test_a_hub_that_fails_costs_a_warning_not_the_run(
    tmp_path: Path, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    _serve(feed_server)
    with running_hub(status=500) as hub:
        config = _config(tmp_path, feed_server, f"hub: {hub.url}\n")
        with caplog.at_level(logging.WARNING):
            report = pipeline.run(config)
        assert report.published and len(hub.pings) == 3
    assert "HTTP 500 when pinged" in caplog.text
    atom = feedparser.parse((config.output / "feed.atom").read_bytes())
    assert {ln.href for ln in atom.feed.links if ln.rel == "hub"} == {hub.url}
