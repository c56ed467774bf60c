"""What real feed folders taught (issue 16): names, refusals, code blocks, sections, colophons."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from conftest import html_body, prose
from jjfeed import pipeline
from jjfeed.clean import clean_html, has_prose
from jjfeed.clean.meta import read_byline
from jjfeed.config import Config
from jjfeed.ingest import MAX_FILE_BYTES, is_opml
from jjfeed.store import Store


def _config(tmp_path: Path) -> Config:
    return Config(database=tmp_path / "j.db", output=tmp_path / "out", processes=1)


def _rss(title: str, host: str, n: int, guid_prefix: str = "") -> str:
    items = "".join(
        f"<item><title>{title} post {i}</title><link>https://{host}/{i}</link>"
        f"<guid>{guid_prefix}{i}</guid><description>{html_body(prose(hash((host, i)) % 997, 90)).replace('<', '&lt;')}</description></item>"
        for i in range(n)
    )
    return (
        f"<rss version='2.0'><channel><title>{title}</title><link>https://{host}/</link>"
        f"{items}</channel></rss>"
    )


def _sources(config: Config) -> dict[str, int]:
    with Store(config.database) as store:
        counts: dict[str, int] = {}
        for stored in store.articles():
            counts[stored.article.source] = counts.get(stored.article.source, 0) + 1
        return counts


def test_each_feed_file_in_a_folder_is_its_own_source(tmp_path: Path) -> None:
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "a.rss").write_text(_rss("Alpha Blog", "alpha.example", 2))
    (folder / "b.rss").write_text(_rss("Beta News", "beta.example", 2))
    # Same title and the same ids as a.rss: must not overwrite a.rss's entries.
    (folder / "c.rss").write_text(_rss("Alpha Blog", "alpha-mirror.example", 2))
    (folder / "untitled.json").write_text(
        json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "items": [{"id": "1", "title": "Only item", "content_text": "Words here."}],
            }
        )
    )
    (folder / "note.txt").write_text("A saved note\n\n" + prose(9, 80))
    config = _config(tmp_path)
    pipeline.ingest_inputs(config, [str(folder)])
    assert _sources(config) == {
        "Alpha Blog": 2,
        "Beta News": 2,
        "Alpha Blog (c.rss)": 2,
        "untitled.json": 1,
        "feeds": 1,  # an article file keeps the folder's name
    }


def test_an_explicit_source_name_wins(tmp_path: Path) -> None:
    feed = tmp_path / "a.rss"
    feed.write_text(_rss("Alpha Blog", "alpha.example", 2))
    config = _config(tmp_path)
    pipeline.ingest_inputs(config, [str(feed)], source_name="Mine")
    assert _sources(config) == {"Mine": 2}


def test_opml_and_pages_without_an_article_are_refused_with_a_reason(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "subs.opml").write_text(
        '<?xml version="1.0"?><!-- exported --><opml version="2.0"><head><title>Subs</title></head>'
        '<body><outline text="A" xmlUrl="https://a.example/feed"/></body></opml>'
    )
    (folder / "video.html").write_text(
        "<html><body><nav><a href='/a'>About</a> <a href='/p'>Press</a></nav><div>About Press "
        "Copyright Contact us Creators Advertise Developers Terms Privacy Policy &amp; Safety "
        "How YouTube works Test new features</div></body></html>"
    )
    (folder / "story.html").write_text(
        f"<html><head><title>A story</title></head><body><article>{html_body(prose(4, 200))}"
        "</article></body></html>"
    )
    config = _config(tmp_path)
    report = pipeline.ingest_inputs(config, [str(folder)])
    warnings = "\n".join(w for r in report.results for w in r.warnings)
    assert "subs.opml: an OPML subscription list" in warnings
    assert "video.html: entry" in warnings and "no article in it" in warnings
    assert _sources(config) == {"mixed": 1}
    assert is_opml(b"\xef\xbb\xbf<?xml version='1.0'?>\n<opml>") and not is_opml(b"<rss>")
    assert not has_prose("About Press Copyright Contact us Creators Advertise")
    assert has_prose("A sentence with enough words in it.")


def test_preformatted_code_keeps_its_lines_in_the_text() -> None:
    cleaned = clean_html(
        "<p>The function, as we wrote it yesterday afternoon:</p>"
        "<pre><code>def update(address,\n           from_):\n    return address</code></pre>"
    )
    assert "def update(address,\n           from_):\n    return address" in cleaned.text


def test_a_colophon_is_not_a_byline() -> None:
    assert read_byline("Published by Propaganda Press, 2011") is None
    assert read_byline("Published by Jane Doe, 2011") is None
    assert read_byline("By Jane Doe, Staff Writer") == ("Jane Doe", [])
    cleaned = clean_html(
        html_body(prose(3, 120)) + "<p>Concept and design: Na Kim</p>"
        "<p>Published by Propaganda Press, 2011</p><p>Text in Korean and English</p>"
    )
    assert cleaned.author is None


def test_the_section_a_byline_names_is_stored_exported_and_published(tmp_path: Path) -> None:
    article = tmp_path / "jones.txt"
    article.write_text(
        "Jessica Jones offers gritty trailer\n\nMichelle Jaworski\n\nInternet Culture\n\n"
        "Posted on Mar 5, 2017, 6:00 am CST\n\n" + prose(6, 200)
    )
    config = _config(tmp_path)
    pipeline.ingest_inputs(config, [str(article)])
    exported = list(pipeline.export(config))
    assert [row["section"] for row in exported] == ["Internet Culture"]
    assert 'term="Internet Culture"' in (tmp_path / "out" / "feed.atom").read_text()


def test_a_gzip_compressed_page_is_read_and_a_gzip_bomb_refused(tmp_path: Path) -> None:
    page = f"<html><head><title>Saved page</title></head><body><article>{html_body(prose(8, 200))}</article></body></html>"
    (tmp_path / "saved.html.gz").write_bytes(gzip.compress(page.encode()))
    (tmp_path / "bomb.gz").write_bytes(gzip.compress(b"a" * (MAX_FILE_BYTES + 10)))
    config = _config(tmp_path / "db")
    report = pipeline.ingest_inputs(
        config, [str(tmp_path / "saved.html.gz"), str(tmp_path / "bomb.gz")]
    )
    assert [r.status for r in report.results] == ["ok", "failed"]
    assert "larger than" in str(report.results[1].error)
    with Store(config.database) as store:
        assert [s.article.title for s in store.articles()] == ["Saved page"]


def test_extract_warns_as_run_does(tmp_path: Path) -> None:
    """`jjfeed extract` used to drop items without a word; it takes the run's path now."""
    import subprocess
    import sys

    feed = tmp_path / "items.json"
    feed.write_text(
        json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "items": [
                    {"id": "1", "title": 5},
                    {"id": "2", "title": "Kept", "content_text": "Words.", "tags": 7},
                ],
            }
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "jjfeed", "extract", str(feed)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Title: Kept" in result.stdout
    assert "JSON Feed item 0 refused: no title and no text" in result.stderr
    assert "JSON Feed item 1: 'tags' must be a list of strings; field dropped" in result.stderr


def test_podcast_search_keywords_are_not_tags() -> None:
    from jjfeed.parse import parse_feed

    rss = (
        b'<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        b"<channel><title>Cast</title><item><title>Episode 1</title><category>Games</category>"
        b"<itunes:keywords>beer, games, time travel</itunes:keywords>"
        b"<description>Words.</description></item></channel></rss>"
    )
    (article,) = parse_feed(rss, source="c").articles
    assert article.tags == ("Games",)


def test_a_folder_reads_plain_text_only_from_text_files(tmp_path: Path) -> None:
    """A LICENSE beside the feeds is not an article (it topped the review feed, dated the run)."""
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "LICENSE").write_text("MIT License\n\n" + prose(1, 120))
    (folder / "notes.md").write_text("Notes on the bridge\n\n" + prose(2, 120))
    (folder / "story.txt").write_text("The night market\n\n" + prose(3, 120))
    (folder / "feed").write_text(_rss("Harbour", "harbour.example", 2))  # sniffed: a feed
    config = _config(tmp_path)

    report = pipeline.ingest_inputs(config, [str(folder)])

    warnings = "\n".join(w for r in report.results for w in r.warnings)
    assert "LICENSE: plain text without a text extension" in warnings
    with Store(config.database) as store:
        titles = sorted(s.article.title for s in store.articles())
    assert titles == ["Harbour post 0", "Harbour post 1", "Notes on the bridge", "The night market"]

    # Named on its own, the same file is read: the person asked for it.
    pipeline.ingest_inputs(config, [str(folder / "LICENSE")])
    with Store(config.database) as store:
        assert "MIT License" in {s.article.title for s in store.articles()}
