"""End to end: real HTTP server, real SQLite, real files."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from conftest import EXAMPLES, REPO, FeedServer, Route, html_body, prose, rss
from jjfeed import dedup, pipeline
from jjfeed.config import Config, load_config
from jjfeed.errors import LockedError
from jjfeed.lock import RunLock
from jjfeed.model import Signature
from jjfeed.store import Store

WIRE = prose(11, 420)
EDITED_WIRE = WIRE.replace("council", "city council", 2) + "\n\nA spokesperson added one more line."


def _serve_two_feeds(server: FeedServer) -> None:
    gazette = rss(
        "Gazette",
        "https://gazette.example/",
        [
            {
                "title": "Wire story, gazette copy",
                "link": "https://gazette.example/wire?utm_source=rss",
                "guid": "https://gazette.example/?p=1",
                "body": '<div class="share-tools">Share on Facebook</div>'
                + html_body(WIRE)
                + "<p>Sign up for our morning newsletter.</p>",
            },
            {
                "title": "Gazette only",
                "link": "https://gazette.example/own",
                "guid": "https://gazette.example/?p=2",
                "body": html_body(prose(12, 300)),
                "categories": "Local,Sport",
            },
        ],
    )
    wire = rss(
        "Wire",
        "https://wire.example/",
        [
            {
                "title": "Wire story, wire copy",
                "link": "https://wire.example/story",
                "guid": "wire-1",
                "body": html_body(EDITED_WIRE),
            },
            {
                "title": "Same link as gazette",
                "link": "http://www.gazette.example/own/",
                "guid": "wire-2",
                "body": html_body(prose(13, 300)),
            },
        ],
    )
    server.routes["/gazette.rss"] = Route(gazette, etag='"g1"')
    server.routes["/wire.rss"] = Route(wire, last_modified="Sun, 01 Nov 2026 10:00:00 GMT")


def _config(tmp_path: Path, server: FeedServer, extra: str = "") -> Config:
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "title: Test\nsources:\n"
        f"  - name: Gazette\n    url: {server.url('/gazette.rss')}\n    tags: [local]\n"
        f"  - name: Wire\n    url: {server.url('/wire.rss')}\n" + extra
    )
    return load_config(path)


def test_two_runs_second_is_conditional_and_changes_nothing(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    _serve_two_feeds(feed_server)
    config = _config(tmp_path, feed_server)

    first = pipeline.run(config)
    assert [r.status for r in first.results] == ["ok", "ok"]
    assert sum(r.new for r in first.results) == 2
    assert (
        sum(r.duplicates for r in first.results) == 2
    )  # near-duplicate text, and same canonical URL
    atom = (config.output / "feed.atom").read_bytes()
    parsed = feedparser.parse(atom)
    assert not parsed.bozo and len(parsed.entries) == 2
    with Store(config.database) as store:
        before = store.counts()

    feed_server.requests.clear()
    second = pipeline.run(config)
    assert [r.status for r in second.results] == ["not_modified", "not_modified"]
    sent = {path: headers for path, headers in feed_server.requests}
    assert sent["/gazette.rss"]["if-none-match"] == '"g1"'
    assert sent["/wire.rss"]["if-modified-since"] == "Sun, 01 Nov 2026 10:00:00 GMT"
    assert (config.output / "feed.atom").read_bytes() == atom
    with Store(config.database) as store:
        assert store.counts() == before


def test_rerun_without_validators_duplicates_nothing(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    _serve_two_feeds(feed_server)
    for route in feed_server.routes.values():
        route.etag = route.last_modified = None
    config = _config(tmp_path, feed_server)
    pipeline.run(config)
    atom = (config.output / "feed.atom").read_bytes()
    again = pipeline.run(config)
    assert sum(r.new + r.duplicates + r.updated for r in again.results) == 0
    assert (config.output / "feed.atom").read_bytes() == atom


def test_updated_article_keeps_its_entry_id(tmp_path: Path, feed_server: FeedServer) -> None:
    _serve_two_feeds(feed_server)
    config = _config(tmp_path, feed_server)
    pipeline.run(config)
    ids = {e.id for e in feedparser.parse((config.output / "feed.atom").read_bytes()).entries}
    body = feed_server.routes["/gazette.rss"].body.replace(
        b"Gazette only", b"Gazette only (updated title)"
    )
    feed_server.routes["/gazette.rss"] = Route(body, etag='"g2"')
    report = pipeline.run(config)
    assert report.results[0].updated == 1
    entries = feedparser.parse((config.output / "feed.atom").read_bytes()).entries
    assert {e.id for e in entries} == ids
    assert "Gazette only (updated title)" in {r["title"] for r in pipeline.export(config)}


def test_one_broken_source_does_not_stop_the_run(tmp_path: Path, feed_server: FeedServer) -> None:
    _serve_two_feeds(feed_server)
    feed_server.routes["/html"] = Route(
        b"<html><body>not a feed</body></html>", content_type="text/html"
    )
    extra = (
        f"  - name: Missing\n    url: {feed_server.url('/nope')}\n"
        f"  - name: Html\n    url: {feed_server.url('/html')}\n"
        f"  - name: Truncated\n    url: {feed_server.url('/truncated')}\n"
    )
    feed_server.routes["/truncated"] = Route(
        b"<rss><channel><item><title>x</title><description>Some words</description></item>"
        b"<item><title>y",
        content_type="text/xml",
    )
    config = _config(tmp_path, feed_server, extra)
    report = pipeline.run(config)
    statuses = {r.source: r.status for r in report.results}
    assert statuses == {
        "Gazette": "ok",
        "Wire": "ok",
        "Missing": "failed",
        "Html": "failed",
        "Truncated": "ok",
    }
    assert "not a feed" in str(report.results[3].error)
    truncated = report.results[-1]
    assert truncated.new == 1 and "malformed feed" in truncated.warnings[0]
    # The entry cut off before its title ends has nothing to read: refused, with the reason.
    assert any("entry 1 refused: no title and no text" in w for w in truncated.warnings)
    assert report.published
    with Store(config.database) as store:
        state = store.get_source("Missing")
        assert state is not None and "HTTP 404" in str(state.last_error)


def test_every_source_failing_publishes_nothing(tmp_path: Path, feed_server: FeedServer) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(f"sources:\n  - name: Missing\n    url: {feed_server.url('/nope')}\n")
    report = pipeline.run(load_config(path))
    assert report.published == () and report.failed
    assert not (tmp_path / "output" / "feed.atom").exists()


def test_second_run_is_locked_out(tmp_path: Path, feed_server: FeedServer) -> None:
    _serve_two_feeds(feed_server)
    config = _config(tmp_path, feed_server)
    with RunLock(config.database), pytest.raises(LockedError, match="another jjfeed run"):
        pipeline.run(config)


def test_shipped_feeds_yaml_merges_the_example_duplicates(tmp_path: Path) -> None:
    config = load_config(REPO / "feeds.yaml", database=tmp_path / "j.db", output=tmp_path / "out")
    report = pipeline.run(config)
    assert not report.failed
    expected = json.loads((EXAMPLES / "expected.json").read_text())
    records = list(pipeline.export(config))
    clusters = {r["cluster"] for r in records}
    assert len(records) == 16 and len(clusters) == expected["expected_clusters"]
    by_title = {r["title"]: r for r in records}
    reef = [r for r in records if "Skerrow Point" in str(r["title"])]
    assert len(reef) == 2 and reef[0]["cluster"] == reef[1]["cluster"]
    tram = [
        r
        for r in records
        if str(r["source"]) in ("Harbor Gazette", "Saved articles")
        and ("tram line opens" in str(r["title"]) or "Line 3 is finally running" in str(r["title"]))
    ]
    assert len(tram) == 2 and tram[0]["cluster"] != tram[1]["cluster"]
    assert sum(1 for r in records if r["canonical"]) == len(clusters)
    assert by_title  # titles are present
    parsed = feedparser.parse((tmp_path / "out" / "feed.atom").read_bytes())
    assert not parsed.bozo and len(parsed.entries) == len(clusters)


def test_ingest_files_and_stdin(tmp_path: Path) -> None:
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    article = EXAMPLES / "articles" / "mill-street-bridge-closure.txt"
    report = pipeline.ingest_inputs(config, [str(article), "-"], stdin=article.read_bytes())
    assert [r.status for r in report.results] == ["ok", "ok"]
    assert report.results[0].new == 1 and report.results[1].duplicates == 1
    again = pipeline.ingest_inputs(config, [str(article)])
    assert again.results[0].new == again.results[0].duplicates == 0


def test_ingest_reports_bad_inputs_and_keeps_going(tmp_path: Path) -> None:
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    report = pipeline.ingest_inputs(
        config,
        [str(tmp_path / "nope.txt"), str(empty), str(EXAMPLES / "feeds" / "harbor-gazette.rss")],
    )
    assert [r.status for r in report.results] == ["failed", "failed", "ok"]
    assert "nope.txt: no such file" in str(report.results[0].error)
    assert "empty.xml: empty input" in str(report.results[1].error)


def test_ingest_urls_of_a_page_and_a_feed(tmp_path: Path, feed_server: FeedServer) -> None:
    _serve_two_feeds(feed_server)
    page = (EXAMPLES / "articles" / "calder-evening-post-line3.html").read_bytes()
    feed_server.routes["/line3.html"] = Route(page, content_type="text/html; charset=utf-8")
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    report = pipeline.ingest_inputs(
        config,
        [feed_server.url("/line3.html"), feed_server.url("/gazette.rss"), feed_server.url("/gone")],
    )
    assert [r.status for r in report.results] == ["ok", "ok", "failed"]
    assert "HTTP 404" in str(report.results[2].error)
    records = list(pipeline.export(config))
    page_record = next(r for r in records if r["url"] == feed_server.url("/line3.html"))
    assert page_record["title"] == "Line 3 is finally running. Now comes the bill"
    assert page_record["source"] == "127.0.0.1"
    assert len(records) == 3


def test_near_duplicate_found_across_separate_runs(tmp_path: Path) -> None:
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    first, second = tmp_path / "a" / "wire.txt", tmp_path / "b" / "wire.txt"
    first.parent.mkdir()
    second.parent.mkdir()
    first.write_text("Wire story\n\n" + WIRE)
    second.write_text("Wire story, edited\n\n" + EDITED_WIRE)
    assert pipeline.ingest_inputs(config, [str(first)]).results[0].new == 1
    assert pipeline.ingest_inputs(config, [str(second)]).results[0].duplicates == 1
    assert len({r["cluster"] for r in pipeline.export(config)}) == 1


def test_changed_dedup_parameters_rebuild_the_index(tmp_path: Path) -> None:
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    first = tmp_path / "a" / "wire.txt"
    first.parent.mkdir()
    first.write_text("Wire story\n\n" + WIRE)
    pipeline.ingest_inputs(config, [str(first)])
    with Store(config.database) as store:
        ((article_id, sig),) = store.signatures()
        store.put_signature(article_id, Signature("old-params", sig.hashvalues))
        store.clear_bands()
        store.set_meta("lsh_params", "old")
    second = tmp_path / "b" / "wire.txt"
    second.parent.mkdir()
    second.write_text("Wire story, edited\n\n" + EDITED_WIRE)
    assert pipeline.ingest_inputs(config, [str(second)]).results[0].duplicates == 1
    with Store(config.database) as store:
        assert {s.params for _, s in store.signatures()} == {dedup.PARAMS}
        assert store.get_meta("lsh_params") == dedup.LSH_PARAMS


@pytest.mark.parametrize("summary_first", [True, False])
def test_summary_only_entry_merges_with_its_full_article(
    tmp_path: Path, summary_first: bool
) -> None:
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    full_text = prose(21, 500)
    lead = " ".join(full_text.split()[:60])
    summary = tmp_path / "teaser" / "story.txt"
    full = tmp_path / "site" / "story.txt"
    summary.parent.mkdir()
    full.parent.mkdir()
    summary.write_text(f"Harbour story\n\n{lead}\n\nRead more")
    full.write_text(f"Harbour story in full\n\n{full_text}")
    order = [summary, full] if summary_first else [full, summary]
    pipeline.ingest_inputs(config, [str(order[0])])
    assert pipeline.ingest_inputs(config, [str(order[1])]).results[0].duplicates == 1


def test_short_generic_entries_never_merge(tmp_path: Path) -> None:
    """Under MIN_WORDS words a text is too short to call a copy by its words alone, and
    a title that only repeats the text's start ("Corrections") is no headline: word for
    word the same on three sites, these stay three entries (see dedup.has_headline)."""
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    for name in ("a", "b", "c"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "gallery.txt").write_text(
            f"Photo gallery\n\nPhoto gallery: the week in pictures from {name}."
        )
        (folder / "corrections.txt").write_text(
            "Corrections\n\nCorrections and clarifications for the past week, as published in print."
        )
        pipeline.ingest_inputs(config, [str(folder)])
    records = list(pipeline.export(config))
    assert len(records) == 6 and len({r["cluster"] for r in records}) == 6


def test_an_article_bridging_two_clusters_merges_them(tmp_path: Path) -> None:
    """A teaser (matched later by URL) and a wire copy (by text) become one with the original."""
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out")
    teaser = rss(
        "T",
        "https://t.example/",
        [
            {
                "title": "Teaser",
                "link": "https://origin.example/story?utm_source=t",
                "guid": "t-1",
                "body": "<p>Short teaser about the harbour story.</p>",
            }
        ],
    )
    wire = rss(
        "W",
        "https://w.example/",
        [
            {
                "title": "Wire copy",
                "link": "https://w.example/copy",
                "guid": "w-1",
                "body": html_body(WIRE),
            }
        ],
    )
    origin = rss(
        "O",
        "https://origin.example/",
        [
            {
                "title": "Original",
                "link": "https://origin.example/story",
                "guid": "o-1",
                "body": html_body(WIRE),
            }
        ],
    )
    for hour, (name, data) in enumerate((("teaser", teaser), ("wire", wire), ("origin", origin))):
        path = tmp_path / f"{name}.rss"
        path.write_bytes(data)
        when = datetime.now(UTC) + timedelta(hours=hour)
        pipeline.ingest_inputs(config, [str(path)], source_name=name, now=when)
    records = list(pipeline.export(config))
    assert len(records) == 3 and len({r["cluster"] for r in records}) == 1
    teaser_cluster = dedup.new_cluster_id("teaser", "t-1")
    assert records[0]["cluster"] == teaser_cluster  # the oldest cluster keeps its id


def test_max_entries_from_feeds_yaml_caps_a_feed(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("max_entries: 3\ndatabase: j.db\noutput: out\n")
    config = load_config(path)
    items = [
        {"title": f"Item {i}", "link": f"https://x.example/{i}", "guid": f"x-{i}",
         "body": html_body(prose(40 + i, 120))}
        for i in range(5)
    ]  # fmt: skip
    feed = tmp_path / "x.rss"
    feed.write_bytes(rss("X", "https://x.example/", items))
    report = pipeline.ingest_inputs(config, [str(feed)])
    assert report.results[0].new == 3
    assert any("kept the first 3" in w for w in report.results[0].warnings)
