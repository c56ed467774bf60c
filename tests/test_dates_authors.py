"""Every entry gets a date and an author, from its source first (issue 16).

published <- published, else updated (Atom ``<updated>``, RSS 1.0 ``dc:date``,
JSON Feed ``date_modified``), else when jjfeed first saw it; authors from the
entry, else the feed, else the source's name; the published feed holds the
newest entries by their own dates.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from conftest import html_body, prose
from jjfeed import pipeline
from jjfeed.config import Config
from jjfeed.model import FeedInfo
from jjfeed.parse import parse_feed, person_name
from jjfeed.store import Store

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
ATOM = {"a": "http://www.w3.org/2005/Atom"}


def _config(tmp_path: Path, limit: int = 100) -> Config:
    return Config(
        database=tmp_path / "j.db",
        output=tmp_path / "out",
        processes=1,
        feed=FeedInfo(limit=limit),
    )


def _atom_updated_only() -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Old blog</title><id>urn:old</id>
<updated>2007-06-01T10:00:00Z</updated><author><name>Russ Example</name></author>
<entry><title>A post from 2007</title><id>urn:old:1</id><link href="https://old.example/1"/>
<updated>2007-05-30T09:00:00Z</updated><content type="html">{_esc(html_body(prose(7, 120)))}</content></entry>
</feed>""".encode()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_atom_updated_dates_an_entry_and_the_feed_author_signs_it(tmp_path: Path) -> None:
    parsed = parse_feed(_atom_updated_only(), source="s")
    (article,) = parsed.articles
    assert article.published == datetime(2007, 5, 30, 9, tzinfo=UTC)
    assert article.author == "Russ Example"
    feed = tmp_path / "old.atom"
    feed.write_bytes(_atom_updated_only())
    config = _config(tmp_path)
    pipeline.ingest_inputs(config, [str(feed)], now=NOW)
    atom = etree.parse(str(tmp_path / "out" / "feed.atom"))
    (entry,) = atom.findall("a:entry", ATOM)
    # Not the run's time: the post's own dates, in <published> and <updated> alike.
    assert entry.findtext("a:published", namespaces=ATOM) == "2007-05-30T09:00:00+00:00"
    assert entry.findtext("a:updated", namespaces=ATOM) == "2007-05-30T09:00:00+00:00"
    assert entry.findtext("a:author/a:name", namespaces=ATOM) == "Russ Example"
    first = (tmp_path / "out" / "feed.atom").read_bytes()
    pipeline.ingest_inputs(config, [str(feed)], now=NOW + timedelta(hours=3))
    assert (tmp_path / "out" / "feed.atom").read_bytes() == first  # an idle rerun: same bytes


def test_rss1_dc_date_and_json_date_modified_date_their_entries() -> None:
    rdf = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://bio.example/"><title>Bio</title><link>https://bio.example/</link>
<dc:creator>Channel Person</dc:creator></channel>
<item rdf:about="https://bio.example/1"><title>One</title><link>https://bio.example/1</link>
<description>Words.</description><dc:date>2011-04-05T06:07:08Z</dc:date></item>
</rdf:RDF>"""
    (article,) = parse_feed(rdf, source="bio").articles
    assert article.published == datetime(2011, 4, 5, 6, 7, 8, tzinfo=UTC)
    assert article.author == "Channel Person"
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "authors": [{"name": "Feed Writer"}],
        "items": [{"id": "1", "content_text": "x", "date_modified": "2019-01-02T03:04:05Z"}],
    }
    (item,) = parse_feed(json.dumps(doc).encode(), source="j").articles
    assert item.published == datetime(2019, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert item.author == "Feed Writer"


def test_rss_author_addresses_read_as_names() -> None:
    assert person_name("noreply@blogger.com (Anthony)") == "Anthony"
    assert person_name("Jane Doe <jane@example.org>") == "Jane Doe"
    assert person_name("Jane Doe (jane@example.org)") == "Jane Doe"
    assert person_name("jane@example.org") is None
    assert person_name("Jane Doe") == "Jane Doe"
    rss = b"""<rss version="2.0"><channel><title>B</title><link>https://b.example/</link>
<managingEditor>ed@b.example (Ed Itor)</managingEditor>
<item><title>One</title><link>https://b.example/1</link><author>noreply@blogger.com (Anthony)</author>
<description>x</description></item>
<item><title>Two</title><link>https://b.example/2</link><description>y</description></item>
</channel></rss>"""
    first, second = parse_feed(rss, source="b").articles
    assert first.author == "Anthony" and second.author == "Ed Itor"


def test_an_entry_nobody_signed_is_published_under_its_source(tmp_path: Path) -> None:
    feed = tmp_path / "anon.rss"
    feed.write_bytes(
        b"<rss version='2.0'><channel><title>Anon</title><link>https://anon.example/</link>"
        b"<item><title>Unsigned</title><link>https://anon.example/1</link>"
        b"<description>Nobody signed this.</description></item></channel></rss>"
    )
    config = _config(tmp_path)
    pipeline.ingest_inputs(config, [str(feed)], source_name="Anon Weekly", now=NOW)
    atom = etree.parse(str(tmp_path / "out" / "feed.atom"))
    for entry in atom.findall("a:entry", ATOM):
        assert entry.findtext("a:author/a:name", namespaces=ATOM) == "Anon Weekly"
    # The page names the source once, not "Anon Weekly · Anon Weekly".
    page = (tmp_path / "out" / "index.html").read_text()
    assert "Anon Weekly · Anon Weekly" not in page and "Anon Weekly" in page


def test_the_feed_holds_the_newest_entries_by_their_dates(tmp_path: Path) -> None:
    """A first run over an old archive publishes its newest posts, not the last filed."""
    items = []
    years = [2026, 2003, 2025, 2007, 2024, 2001]
    for n, year in enumerate(years):
        items.append(
            f"<item><title>Post of {year}</title><link>https://arch.example/{n}</link>"
            f"<pubDate>Mon, 05 Jan {year} 10:00:00 GMT</pubDate>"
            f"<description>{_esc(html_body(prose(20 + n, 80)))}</description></item>"
        )
    feed = tmp_path / "archive.rss"
    feed.write_text(
        "<rss version='2.0'><channel><title>Archive</title><link>https://arch.example/</link>"
        + "".join(items)
        + "</channel></rss>"
    )
    config = _config(tmp_path, limit=3)
    pipeline.ingest_inputs(config, [str(feed)], now=NOW)
    atom = etree.parse(str(tmp_path / "out" / "feed.atom"))
    titles = [e.findtext("a:title", namespaces=ATOM) for e in atom.findall("a:entry", ATOM)]
    assert sorted(titles) == ["Post of 2024", "Post of 2025", "Post of 2026"]


def test_a_date_in_the_far_future_is_not_believed(tmp_path: Path) -> None:
    feed = tmp_path / "future.rss"
    feed.write_text(
        "<rss version='2.0'><channel><title>F</title><link>https://f.example/</link>"
        "<item><title>From the future</title><link>https://f.example/1</link>"
        "<pubDate>Mon, 05 Jan 2099 10:00:00 GMT</pubDate><description>x y z</description></item>"
        "</channel></rss>"
    )
    config = _config(tmp_path)
    pipeline.ingest_inputs(config, [str(feed)], now=NOW)
    with Store(config.database) as store:
        (stored,) = list(store.articles())
    assert stored.article.published is None
    atom = etree.parse(str(tmp_path / "out" / "feed.atom"))
    assert atom.findtext("a:entry/a:published", namespaces=ATOM) == NOW.isoformat()


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("Author: Luke, most likely.", "Luke, most likely."),  # feedjira's JSON Feed sample
        ("By Jane Doe", "Jane Doe"),
        ("Written by Jane Doe", "Jane Doe"),
        ("Autorin: Eva Muster", "Eva Muster"),
        # near misses: names that start like a label stay whole
        ("Byron Smith", "Byron Smith"),
        ("Jane Author", "Jane Author"),
        ("Authorized Dealer Team", "Authorized Dealer Team"),
    ],
)
def test_a_label_in_the_author_field_is_not_part_of_the_name(field: str, name: str) -> None:
    assert person_name(field) == name
