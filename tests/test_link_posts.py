"""Link posts: what a link blog's post points at survives to every format jjfeed writes.

Daring Fireball's, Pixel Envy's and Rosemary Orchard's JSON feeds give a link
post its own permalink as ``url`` and the article it is about as
``external_url``; before, jjfeed kept the first and dropped the second.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import feedparser
from lxml import etree

from jjfeed import pipeline
from jjfeed.config import Config
from jjfeed.model import FeedInfo
from jjfeed.parse import parse_json_feed
from jjfeed.store import Store

ABOUT = (
    "The harbour board published its plan for the old quay on Tuesday. Readers who care"
    " about the tram line should read the whole thing, the maps especially, before the vote."
)


def _feed(items: list[dict[str, object]]) -> bytes:
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Links", "items": items}
    return json.dumps(feed).encode()


def test_json_feed_external_url_is_read_when_it_is_another_page() -> None:
    items: list[dict[str, object]] = [
        {
            "id": "1",
            "url": "https://links.example/1",
            "external_url": "https://harbour.example/plan",
            "title": "Quay plan",
            "content_html": f"<p>{ABOUT}</p>",
        },
        {
            "id": "2",
            "url": "https://links.example/2",
            "external_url": "https://links.example/2",
            "title": "Its own page",
        },
        {
            "id": "3",
            "url": "https://links.example/3",
            "external_url": "javascript:alert(1)",
            "title": "No web page",
        },
    ]
    parsed = parse_json_feed(_feed(items), source="links")
    assert [a.external_url for a in parsed.articles] == ["https://harbour.example/plan", None, None]
    assert any("external_url" in w for w in parsed.warnings)


def test_a_link_posts_target_reaches_every_format_the_store_and_the_export(tmp_path: Path) -> None:
    feed = tmp_path / "in" / "links.json"
    feed.parent.mkdir()
    item = {
        "id": "https://links.example/linked/quay",
        "url": "https://links.example/linked/quay",
        "external_url": "https://harbour.example/plan",
        "title": "The Quay Plan",
        "content_html": f"<p>{ABOUT}</p>",
        "date_published": "2026-11-30T10:00:00Z",
    }
    feed.write_bytes(_feed([item]))
    config = Config(
        database=tmp_path / "j.db", output=tmp_path / "out", processes=1, feed=FeedInfo()
    )
    pipeline.ingest_inputs(config, [str(feed)])

    with Store(tmp_path / "j.db") as store:
        (stored,) = list(store.articles())
    assert stored.article.external_url == "https://harbour.example/plan"
    (row,) = [r for r in pipeline.export(config) if r["guid"] == item["id"]]
    assert row["external_url"] == "https://harbour.example/plan"

    out = tmp_path / "out"
    (json_item,) = json.loads((out / "feed.json").read_text())["items"]
    assert json_item["url"] == "https://links.example/linked/quay"
    assert json_item["external_url"] == "https://harbour.example/plan"
    assert 'href="https://harbour.example/plan"' in json_item["content_html"]

    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = etree.parse(str(out / "feed.atom")).find("a:entry", ns)
    assert entry is not None
    links = {(ln.get("rel"), ln.get("href")) for ln in entry.findall("a:link", ns)}
    assert ("alternate", "https://links.example/linked/quay") in links
    assert ("related", "https://harbour.example/plan") in links

    # RSS has no field for it: the "Link:" line of the content carries it.
    (rss_entry,) = feedparser.parse((out / "feed.rss").read_bytes()).entries
    assert 'href="https://harbour.example/plan"' in rss_entry.content[0].value
    assert (
        "Link: " in rss_entry.content[0].value and "harbour.example" in rss_entry.content[0].value
    )
    assert 'href="https://harbour.example/plan"' in (out / "index.html").read_text()


# A link aggregator's entry (Reddit's and Lemmy's layout, written here): a thumbnail linking
# to the discussion, then who submitted the link where, the link and the discussion.
AGGREGATED = (
    '<table><tr><td><a href="https://agg.example/r/pics/c/1/"><img src="https://img.example/t.jpg"'
    ' alt="A cat on a bike"></a></td><td> submitted by <a href="https://agg.example/u/wheeler">'
    ' wheeler </a> to <a href="https://agg.example/r/pics/"> pics</a> <br/> <a'
    ' href="https://img.example/cat.jpg">[link]</a> <a href="https://agg.example/r/pics/c/1/">'
    "[12 comments]</a> </td></tr></table>"
)


def test_a_submission_line_goes_its_poster_is_the_author_and_its_link_is_kept() -> None:
    from jjfeed.clean import clean_html

    cleaned = clean_html(AGGREGATED)
    assert cleaned.text == ""
    assert cleaned.author == "wheeler"
    assert cleaned.external_url == "https://img.example/cat.jpg"
    assert 'src="https://img.example/t.jpg"' in cleaned.html  # the thumbnail's cell stays
    # Lemmy's handles and communities, and Reddit's /u/ and /r/ forms, are submission lines.
    for line in (
        "submitted by /u/wheeler to /r/pics [link] [12 comments]",
        "submitted by @wheeler@lemmy.example to !bikes@lemmy.example [link] [3 comments]",
    ):
        assert clean_html(f"<p>{ABOUT}</p><p>{line}</p>").text == ABOUT, line
    # Near misses: a sentence about a submission, and a bracketed note.
    for kept in (
        "It was submitted by the council to the harbour board for review in May.",
        "[Editor's note: updated at 5pm] [Correction]",
    ):
        assert kept in clean_html(f"<p>{ABOUT}</p><p>{kept}</p>").text, kept


def test_an_aggregated_link_post_publishes_the_link_it_shares(tmp_path: Path) -> None:
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>agg</title>
<link>https://agg.example/</link><description>d</description>
<item><title>A cat on a bike</title><link>https://agg.example/r/pics/c/1/</link>
<guid>https://agg.example/r/pics/c/1/</guid><pubDate>Mon, 30 Nov 2026 10:00:00 GMT</pubDate>
<description>{escape(AGGREGATED)}</description></item></channel></rss>"""
    feed = tmp_path / "in" / "agg.rss"
    feed.parent.mkdir()
    feed.write_text(rss, encoding="utf-8")
    config = Config(
        database=tmp_path / "j.db", output=tmp_path / "out", processes=1, feed=FeedInfo()
    )
    pipeline.ingest_inputs(config, [str(feed)])
    (row,) = list(pipeline.export(config))
    assert row["author"] == "wheeler" and row["text"] == ""
    assert row["url"] == "https://agg.example/r/pics/c/1/"
    assert row["external_url"] == "https://img.example/cat.jpg"
    (item,) = json.loads((tmp_path / "out" / "feed.json").read_text())["items"]
    assert item["external_url"] == "https://img.example/cat.jpg"
