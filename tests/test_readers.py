"""Real consumers read the feed jjfeed makes of the seed articles, served by ``jjfeed serve``.

The five seed articles are put on a local site as plain-text pages and
ingested by URL (so every entry has a link); a local "wire" feed carries a
second copy of one of them, which must merge into the same entry. Then
newsboat, node's rss-parser, feedparser, xmllint and headless Chromium read
the result over HTTP. Each needs its program installed (``.ci/run`` does it);
a missing one fails the test unless JJFEED_SKIP_READERS=1 says to skip.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest

from conftest import REPO, SEEDS, SHARED, FeedServer, Route, rss
from helpers_publish import SKIP_ENV, require_tool, serving
from jjfeed import pipeline
from jjfeed.config import load_config

ATOM_RNG = SHARED / "data" / "schemas" / "atom.rng"
READERS = REPO / "tests" / "readers"
ARTIFACTS = REPO / "tests" / "artifacts"
SITES = ("Screen Notes", "Binge Report", "Culture Desk", "Hero Watch", "TV Tracker")
TIMEOUT = 120
pytestmark = pytest.mark.needs_shared(SEEDS)  # the site every test reads is made of the seeds


@dataclass
class Site:
    base: str  # where jjfeed serve serves the output folder
    output: Path
    titles: dict[str, str]  # entry title -> entry link
    wire_link: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("readers")
    pages = FeedServer()
    pages.thread.start()
    try:
        seeds = sorted(SEEDS.glob("*.txt"))
        assert len(seeds) == 5, f"expected the five seed articles in {SEEDS}"
        for seed in seeds:
            pages.routes[f"/articles/{seed.stem}"] = Route(
                seed.read_bytes(), content_type="text/plain; charset=utf-8"
            )
        # The wire's copy of seed 002: its cleaned text as HTML paragraphs.
        copy = next(a for _, a in pipeline.extract([str(seeds[2])]))
        assert not isinstance(copy, Exception)
        wire_link = "https://wire.example/jessica-jones-trailer"
        body = "".join(f"<p>{p}</p>" for p in copy.text.split("\n\n"))
        pages.routes["/wire.rss"] = Route(
            rss(
                "Wire",
                "https://wire.example/",
                [{"title": copy.title, "link": wire_link, "guid": "wire-1", "body": body}],
            )
        )
        config_path = tmp / "feeds.yaml"
        config_path.write_text(
            "title: Jessica Jones, merged\n"
            "link: https://jjfeed.example/\n"
            "description: Five sites and a wire on Jessica Jones season 2, deduplicated\n"
            "public_url: http://127.0.0.1/\n"
            f"sources:\n  - name: Wire\n    url: {pages.url('/wire.rss')}\n"
        )
        config = load_config(config_path)
        for seed, name in zip(seeds, SITES, strict=True):
            report = pipeline.ingest_inputs(
                config, [pages.url(f"/articles/{seed.stem}")], source_name=name
            )
            assert not report.failed, report
        report = pipeline.run(config)
        assert not report.failed and report.results[0].duplicates == 1, report
        entries = feedparser.parse((config.output / "feed.atom").read_bytes()).entries
        assert len(entries) == 5
        titles = {e.title: e.link for e in entries}
        with serving(config.output) as base:
            yield Site(base, config.output, titles, wire_link)
    finally:
        pages.httpd.shutdown()
        pages.httpd.server_close()
        pages.thread.join(timeout=5)


def test_every_entry_has_a_title_link_and_jessica_jones_tag(site: Site) -> None:
    assert all(link.startswith("http://127.0.0.1:") for link in site.titles.values())
    feed = json.loads((site.output / "feed.json").read_text())
    for item in feed["items"]:
        assert "Jessica Jones" in item["tags"], item["title"]
        assert 1 <= len(item["tags"]) <= 5 + 3
    merged = [i for i in feed["items"] if len(i["_jjfeed"]["sources"]) == 2]
    assert len(merged) == 1 and merged[0]["_jjfeed"]["related"][0]["url"] == site.wire_link


def test_newsboat_reads_atom_and_rss(site: Site, tmp_path: Path) -> None:
    """One newsboat cache per feed: newsboat keys items by GUID across feeds, and the
    Atom and RSS entries rightly share theirs."""
    newsboat = require_tool("newsboat", "newsboat")
    (tmp_path / "config").write_text("reload-threads 1\ndownload-timeout 20\n")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    for name in ("feed.atom", "feed.rss"):
        feed = site.base + name
        (tmp_path / "urls").write_text(feed + "\n")
        cache = tmp_path / f"{name}.db"
        result = subprocess.run(
            [newsboat, "-x", "reload", "-u", str(tmp_path / "urls"), "-c", str(cache)]
            + ["-C", str(tmp_path / "config")],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, result.stderr
        with sqlite3.connect(cache) as db:
            items = db.execute("SELECT feedurl, title, url, guid FROM rss_item").fetchall()
            feeds = db.execute("SELECT rssurl, title FROM rss_feed").fetchall()
        assert feeds == [(feed, "Jessica Jones, merged")]
        assert {title: url for _, title, url, _ in items} == site.titles, name
        assert all(guid.startswith("urn:uuid:") for *_, guid in items)


def test_rss_parser_reads_atom_and_rss(site: Site) -> None:
    node = require_tool("node", "nodejs")
    if not (READERS / "node_modules" / "rss-parser").is_dir():
        message = f"rss-parser is not installed in {READERS} (npm install there; .ci/run does)"
        if os.environ.get(SKIP_ENV) == "1":
            pytest.skip(message)
        pytest.fail(message)
    for name in ("feed.atom", "feed.rss"):
        result = subprocess.run(
            [node, str(READERS / "rss_parser.js"), site.base + name],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert result.returncode == 0, result.stderr
        feed = json.loads(result.stdout)
        assert feed["title"] == "Jessica Jones, merged"
        assert {i["title"]: i["link"] for i in feed["items"]} == site.titles, name
        for item in feed["items"]:
            assert item["id"].startswith("urn:uuid:") and item["date"]
            assert "Sources:" in item["content"]
        if name == "feed.rss":  # rss-parser reads categories from RSS only
            assert all("Jessica Jones" in i["categories"] for i in feed["items"])


def test_feedparser_reads_what_is_served(site: Site) -> None:
    for name, media in (("feed.atom", "application/atom+xml"), ("feed.rss", "application/rss+xml")):
        with urllib.request.urlopen(site.base + name, timeout=10) as response:
            assert response.headers["Content-Type"].startswith(media)
            headers = {k.lower(): v for k, v in response.headers.items()}
            parsed = feedparser.parse(response.read(), response_headers=headers)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert {e.title: e.link for e in parsed.entries} == site.titles


@pytest.mark.needs_shared(ATOM_RNG)
def test_served_atom_validates_with_xmllint(site: Site, tmp_path: Path) -> None:
    xmllint = require_tool("xmllint", "libxml2-utils")
    with urllib.request.urlopen(site.base + "feed.atom", timeout=10) as response:
        (tmp_path / "feed.atom").write_bytes(response.read())
    result = subprocess.run(
        [xmllint, "--noout", "--relaxng", str(ATOM_RNG), str(tmp_path / "feed.atom")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0 and "validates" in result.stderr, result.stderr


def _chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        + ["--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )


def test_html_page_renders_in_chromium(site: Site, tmp_path: Path) -> None:
    chromium = require_tool("chromium", "chromium")
    dom = _chromium(chromium, tmp_path / "profile", "--dump-dom", site.base)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<article") == 5
    for title in site.titles:
        assert title.replace("&", "&amp;") in dom.stdout, title
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "index.png"
    shot.unlink(missing_ok=True)
    result = _chromium(
        chromium, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1000,1400", site.base
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1000, 1400)
    # A blank page compresses to almost nothing; text and chips do not.
    assert len(data) > 30_000, len(data)
