"""Looking after sources: add (autodiscovery), OPML in and out, feeds, enable."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FeedServer, Route, html_body, prose, rss
from jjfeed import discover, opml, pipeline
from jjfeed.cli import cli
from jjfeed.config import append_sources, load_config
from jjfeed.errors import ConfigError
from jjfeed.model import Source

NEW_COMMANDS = ["add", "import-opml", "export-opml", "feeds", "enable"]
FEEDS_YAML = """\
# My feeds. Keep this comment.
title: Mine   # the feed's title

sources:
  - name: Local
    path: saved/
    tags: [mine]   # trailing comment
  # - name: Someday
  #   url: https://someday.example/feed

limit: 50
"""


def invoke(tmp: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(tmp / "feeds.yaml"), *args])
    return result.exit_code, result.output


def site(server: FeedServer) -> None:
    feed = rss(
        "Harbour Weekly",
        "https://harbour.example/",
        [{"title": "One", "link": "https://harbour.example/1", "guid": "1", "body": html_body(prose(5, 60))}],
    )  # fmt: skip
    server.routes["/feed.xml"] = Route(feed)
    server.routes["/comments.xml"] = Route(feed.replace(b"Harbour Weekly", b"Comments"))
    server.routes["/"] = Route(
        b"<!doctype html><html><head><title>Harbour</title>"
        b'<link rel="stylesheet" href="/s.css">'
        b'<link rel="alternate" type="application/rss+xml" title="Main" href="/feed.xml">'
        b'<link rel="alternate" type="application/rss+xml" href="comments.xml">'
        b"</head><body><p>Welcome</p></body></html>",
        content_type="text/html; charset=utf-8",
    )
    server.routes["/plain"] = Route(
        b"<html><head><title>No feeds</title></head><body>x</body></html>",
        content_type="text/html",
    )


@pytest.mark.parametrize("command", NEW_COMMANDS)
def test_every_new_command_has_help(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert len(result.output.split("Options:")[0].strip().splitlines()) >= 2


def test_feed_links_in_document_order_made_absolute() -> None:
    html = (
        '<head><base href="https://cdn.example/blog/">'
        '<link rel="alternate" type="application/atom+xml" href="atom.xml" title="Atom">'
        '<LINK REL="Alternate home" TYPE="application/rss+xml; charset=utf-8" HREF="/rss">'
        '<link rel="alternate" type="text/html" href="/fr/">'
        '<link rel="alternate" type="application/rss+xml" href="/rss">'
        '<link rel="alternate" type="application/feed+json" href="javascript:x">'
    )
    links = discover.feed_links(html, "https://www.example/page")
    assert [(link.url, link.title) for link in links] == [
        ("https://cdn.example/blog/atom.xml", "Atom"),
        ("https://cdn.example/rss", None),
    ]
    assert discover.feed_links("<p>no head at all", "https://x/") == []


def test_add_finds_the_feed_from_a_page_and_keeps_the_file(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    site(feed_server)
    (tmp_path / "feeds.yaml").write_text(FEEDS_YAML)
    code, out = invoke(tmp_path, "add", feed_server.url("/"), "--tag", "news", "--tag", "local")
    assert code == 0, out
    assert "Harbour Weekly" in out
    text = (tmp_path / "feeds.yaml").read_text()
    added = (
        "  - name: Harbour Weekly\n"
        f"    url: {feed_server.url('/feed.xml')}\n"
        "    tags: [news, local]\n"
    )
    assert text == FEEDS_YAML.replace("  # - name: Someday", added + "  # - name: Someday")
    config = load_config(tmp_path / "feeds.yaml")
    assert [s.name for s in config.sources] == ["Local", "Harbour Weekly"]
    assert config.feed.limit == 50

    code, out = invoke(tmp_path, "add", feed_server.url("/feed.xml"))
    assert code == 1 and "already there as 'Harbour Weekly'" in out
    assert (tmp_path / "feeds.yaml").read_text() == text  # unchanged


def test_add_direct_feed_url_with_name_into_a_new_file(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    site(feed_server)
    code, out = invoke(tmp_path, "add", feed_server.url("/feed.xml"), "--name", "HW: main")
    assert code == 0, out
    config = load_config(tmp_path / "feeds.yaml")
    assert config.sources == (Source("HW: main", url=feed_server.url("/feed.xml")),)


def test_add_page_without_feeds_is_an_error_that_names_it(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    site(feed_server)
    (tmp_path / "feeds.yaml").write_text(FEEDS_YAML)
    code, out = invoke(tmp_path, "add", feed_server.url("/plain"))
    assert code == 1 and feed_server.url("/plain") in out and "no feed" in out
    code, out = invoke(tmp_path, "add", feed_server.url("/missing"))
    assert code == 1 and "HTTP 404" in out
    assert (tmp_path / "feeds.yaml").read_text() == FEEDS_YAML


OPML = b"""<?xml version="1.0"?>
<opml version="1.0"><head><title>Reader export</title></head><body>
  <outline text="News" title="News">
    <outline text="Harbour" type="rss" xmlUrl="https://harbour.example/feed" category="/local"/>
    <outline text="Sub"><outline title="Deep" type="rss" xmlUrl="https://deep.example/rss"/></outline>
  </outline>
  <outline text="Loose" type="rss" xmlUrl="https://loose.example/atom"/>
  <outline text="Dup" type="rss" xmlUrl="https://loose.example/atom"/>
  <outline text="Not http" type="rss" xmlUrl="ftp://old.example/feed"/>
</body></opml>"""


def test_read_opml_takes_folders_and_categories_as_tags() -> None:
    outlines = opml.read_opml(OPML, "x.opml")
    assert [(o.title, o.url, o.tags) for o in outlines] == [
        ("Harbour", "https://harbour.example/feed", ("News", "local")),
        ("Deep", "https://deep.example/rss", ("News", "Sub")),
        ("Loose", "https://loose.example/atom", ()),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><body/></html>", "not an OPML file"),
        (b"<opml><body>", "not a readable OPML file"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body/></opml>', "entity"),
    ],
)
def test_bad_opml_is_a_config_error(data: bytes, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        opml.read_opml(data, "x.opml")


def test_import_then_export_round_trips(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(FEEDS_YAML)
    (tmp_path / "in.opml").write_bytes(OPML)
    code, out = invoke(tmp_path, "import-opml", str(tmp_path / "in.opml"))
    assert code == 0 and "imported 3 feeds" in out, out
    code, out = invoke(tmp_path, "import-opml", str(tmp_path / "in.opml"))
    assert code == 0 and "imported 0 feeds" in out and "(3 already there)" in out
    config = load_config(tmp_path / "feeds.yaml")
    assert [s.name for s in config.sources] == ["Local", "Harbour", "Deep", "Loose"]
    assert config.sources[1].tags == ("News", "local")
    assert "# My feeds. Keep this comment." in (tmp_path / "feeds.yaml").read_text()

    code, out = invoke(tmp_path, "export-opml")
    assert code == 0
    again = opml.read_opml(out.encode(), "exported")
    assert [(o.title, o.url, o.tags) for o in again] == [
        ("Harbour", "https://harbour.example/feed", ("News", "local")),
        ("Deep", "https://deep.example/rss", ("News", "Sub")),
        ("Loose", "https://loose.example/atom", ()),
    ]


def test_write_opml_is_valid_xml_with_escaping() -> None:
    text = opml.write_opml(
        [Source("A & B <c>", url="https://x.example/?a=1&b=2", tags=("t",)), Source("local", path=Path("p"))],
        "Mine",
        datetime(2026, 11, 1, tzinfo=UTC),
    )  # fmt: skip
    (outline,) = opml.read_opml(text.encode(), "w")
    assert outline.title == "A & B <c>" and outline.url == "https://x.example/?a=1&b=2"


def test_feeds_shows_state_and_enable_brings_a_gone_source_back(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    site(feed_server)
    feed_server.routes["/gone"] = Route(b"", status=410)
    (tmp_path / "feeds.yaml").write_text(
        "sources:\n"
        f"  - name: good\n    url: {feed_server.url('/feed.xml')}\n"
        f"  - name: gone\n    url: {feed_server.url('/gone')}\n"
        f"  - name: never\n    url: {feed_server.url('/never')}\n"
    )
    config = load_config(tmp_path / "feeds.yaml")
    code, out = invoke(tmp_path, "feeds", "--json")
    assert code == 0 and [r["status"] for r in json.loads(out)] == ["new", "new", "new"]
    assert not config.database.exists()  # looking does not create a database

    pipeline.run(config)
    feed_server.routes["/never"] = Route(b"", status=500)
    code, out = invoke(tmp_path, "feeds", "--json")
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["good"]["status"] == "ok" and rows["good"]["last_success"]
    assert rows["gone"]["status"] == "disabled" and rows["gone"]["error_kind"] == "gone"
    assert rows["gone"]["disabled"].startswith("HTTP 410")
    assert rows["never"]["status"] == "failing" and rows["never"]["failures"] == 1
    assert rows["never"]["next_attempt"] and rows["never"]["error_kind"] == "http"

    code, out = invoke(tmp_path, "feeds")
    lines = out.splitlines()
    assert lines[0].split() == [
        "name",
        "status",
        "last",
        "success",
        "fails",
        "last",
        "error",
        "next",
        "attempt",
    ]
    assert lines[2].split()[:2] == ["gone", "disabled"] and "\x1b[" not in out

    code, out = invoke(tmp_path, "enable", "gone")
    assert code == 0 and "enabled" in out
    feed_server.routes["/gone"] = Route(feed_server.routes["/feed.xml"].body)
    report = pipeline.run(config)
    assert report.results[1].status == "ok"
    code, out = invoke(tmp_path, "enable", "nobody")
    assert code == 1 and "no source named 'nobody'" in out


def test_fetch_settings_from_feeds_yaml(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("workers: 4\nper_host: 1\ntime_budget: 30\nread_timeout: 20\nmax_size: 2048\n")
    settings = load_config(path).fetch
    assert (settings.workers, settings.per_host, settings.time_budget) == (4, 1, 30)
    assert (settings.read_timeout, settings.max_bytes) == (20, 2048)
    assert settings.request_timeout == 30  # 2 x read timeout, but never past the budget
    path.write_text("per_host: 0\n")
    with pytest.raises(ConfigError, match="feeds.yaml:1: per_host: must be at least 1"):
        load_config(path)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("title: x\n", "title: x\nsources:\n  - name: n\n    url: https://n/\n"),
        ("title: x", "title: x\nsources:\n  - name: n\n    url: https://n/\n"),
        ("sources: []\nlimit: 3\n", "sources:\n  - name: n\n    url: https://n/\nlimit: 3\n"),
        (
            "sources:\n- name: a\n  url: https://a/\n  tags:\n  - t\n\n# end\n",
            "sources:\n- name: a\n  url: https://a/\n  tags:\n  - t\n- name: n\n  url: https://n/\n\n# end\n",
        ),
    ],
)
def test_append_sources_edits_only_the_end_of_the_list(
    tmp_path: Path, before: str, after: str
) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(before)
    append_sources(path, [Source("n", url="https://n/")])
    assert path.read_text() == after


def test_append_sources_refuses_what_it_cannot_do_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("sources: [{name: a, url: 'https://a/'}]\n")
    with pytest.raises(ConfigError, match="block list"):
        append_sources(path, [Source("n", url="https://n/")])
    path.write_text("sources:\n  - name: a\n    url: https://a/\n")
    with pytest.raises(ConfigError, match="duplicate source name 'a'"):
        append_sources(path, [Source("a", url="https://b/")])
    assert path.read_text() == "sources:\n  - name: a\n    url: https://a/\n"


@pytest.mark.parametrize("name", ["plain", "with: colon", "# hash", "quote's", "yes", "123", "ünï"])
def test_appended_names_read_back_exactly(tmp_path: Path, name: str) -> None:
    path = tmp_path / "feeds.yaml"
    config = append_sources(path, [Source(name, url="https://n/?a=1&b=2", tags=("a,b", "c"))])
    assert config.sources == (Source(name, url="https://n/?a=1&b=2", tags=("a,b", "c")),)
