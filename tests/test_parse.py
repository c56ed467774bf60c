import json
from datetime import UTC, datetime

import pytest

from conftest import EXAMPLES, SHARED
from jjfeed.errors import ParseError
from jjfeed.parse import parse_feed

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>T</title><link>https://t.example/</link><description>d</description>
<item><title>One</title><link>https://t.example/1</link><guid>https://t.example/?p=1</guid>
<pubDate>Tue, 03 Nov 2026 09:30:00 +0100</pubDate><category>News</category>
<description>short</description>
<content:encoded><![CDATA[<p>Full <a href="/rel">body</a></p>]]></content:encoded></item>
<item><title>No guid</title><link>https://t.example/2</link><description>only a summary</description></item>
</channel></rss>"""


def test_rss_entries_become_articles_with_utc_dates() -> None:
    parsed = parse_feed(
        RSS, {"Content-Type": "application/rss+xml"}, source="t", url="https://t.example/feed"
    )
    assert parsed.title == "T" and parsed.warnings == ()
    one, two = parsed.articles
    assert one.guid == "https://t.example/?p=1" and one.url == "https://t.example/1"
    assert one.published == datetime(2026, 11, 3, 8, 30, tzinfo=UTC)
    assert one.tags == ("News",)
    assert "Full" in one.raw and one.raw_kind == "html"
    assert one.summary == "short"
    assert two.guid == "https://t.example/2"  # falls back to the link
    assert two.raw == "only a summary"


def test_bozo_feed_with_entries_is_kept_with_warning() -> None:
    broken = RSS.replace(b"</channel></rss>", b"</channel></rss><junk>")
    parsed = parse_feed(broken, source="t", url="file.xml")
    assert len(parsed.articles) == 2
    assert parsed.warnings and "file.xml" in parsed.warnings[0]


def test_html_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="page.html: not a feed"):
        parse_feed(b"<html><body><p>hello</p></body></html>", source="t", url="page.html")


def test_json_feed() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [
            {
                "id": "1",
                "url": "https://j.example/1",
                "title": "A",
                "content_html": "<p>x</p>",
                "date_published": "2026-11-02T10:00:00+02:00",
                "authors": [{"name": "Ann"}],
                "tags": ["t"],
            },
            {"id": "2", "title": 5},
        ],
    }
    parsed = parse_feed(json.dumps(doc).encode(), source="j")
    assert [a.title for a in parsed.articles] == ["A"]
    a = parsed.articles[0]
    assert (
        a.author == "Ann"
        and a.published == datetime(2026, 11, 2, 8, tzinfo=UTC)
        and a.tags == ("t",)
    )
    # A wrong-typed field is dropped with a note; the item, left with nothing to read, is refused.
    assert any("item 1: 'title' must be a string" in w for w in parsed.warnings)
    assert any("item 1 refused: no title and no text" in w for w in parsed.warnings)


def test_json_without_items_is_an_error() -> None:
    with pytest.raises(ParseError, match="not a JSON Feed"):
        parse_feed(b'{"verion": "1.0"}', source="j")


@pytest.mark.parametrize(
    "name", ["harbor-gazette.rss", "coastline-wire.atom", "riverside-news.json"]
)
def test_shipped_examples_parse_cleanly(name: str) -> None:
    parsed = parse_feed((EXAMPLES / "feeds" / name).read_bytes(), source="x", url=name)
    assert parsed.warnings == () and len(parsed.articles) >= 3
    assert all(a.published is not None and a.published.tzinfo is UTC for a in parsed.articles)


REAL = SHARED / "data" / "feeds-real" / "rss-parser"


@pytest.mark.needs_shared(REAL)
def test_real_world_feeds_yield_entries_or_clear_errors() -> None:
    ok = 0
    for path in sorted(REAL.glob("*.*")):
        if path.name == "LICENSE":
            continue
        try:
            parsed = parse_feed(path.read_bytes(), source="r", url=str(path))
        except ParseError as e:
            assert str(path) in str(e)
            continue
        ok += bool(parsed.articles)
    assert ok >= 25


_RELATIVE_RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Mint</title><link>https://news.example/</link>
<item><title>FDI inflows fall</title><link>/india/fdi-inflows-fall.html</link>
<guid>1559047086976</guid><description>Inflows fell for the first time in six years.</description></item>
</channel></rss>"""


def test_a_local_feeds_guids_do_not_depend_on_where_the_file_lies() -> None:
    # feedparser resolves an RSS <guid> (a permalink by default) against the document's
    # address: a file's path made the GUID change whenever the folder moved.
    one = parse_feed(_RELATIVE_RSS, source="Mint", url="/data/a/mint.xml").articles[0]
    two = parse_feed(_RELATIVE_RSS, source="Mint", url="/elsewhere/mint.xml").articles[0]
    assert one.guid == two.guid == "1559047086976"
    # A relative link resolves against the feed's site, not the file.
    assert one.url == "https://news.example/india/fdi-inflows-fall.html"


def test_a_web_feeds_relative_links_resolve_against_its_address() -> None:
    article = parse_feed(_RELATIVE_RSS, source="Mint", url="https://feeds.example/rss").articles[0]
    assert article.url == "https://feeds.example/india/fdi-inflows-fall.html"


_RELATIVE_MARKUP = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Blog</title><link>https://blog.example/</link>
<item><title>Post</title><link>https://blog.example/2024/post/</link>
<description>&lt;p&gt;A paragraph with a &lt;a href="notes/"&gt;link&lt;/a&gt; and
&lt;img src="/img/chart.png" alt="chart"&gt; in it, long enough to read.&lt;/p&gt;</description></item>
<item><title>Linkless</title>
<description>&lt;p&gt;A linkless post with a &lt;a href="/about"&gt;link&lt;/a&gt; in it.&lt;/p&gt;</description></item>
</channel></rss>"""


def test_relative_links_in_an_entry_resolve_against_its_link_after_cleaning() -> None:
    from jjfeed.pipeline import clean_article

    post, linkless = parse_feed(
        _RELATIVE_MARKUP, source="Blog", url="https://feeds.example/rss"
    ).articles
    html = clean_article(post).html
    assert 'href="https://blog.example/2024/post/notes/"' in html
    assert 'src="https://blog.example/img/chart.png"' in html
    # Without a link of its own, the entry's markup resolves against the feed's address.
    assert 'href="https://feeds.example/about"' in clean_article(linkless).html


def test_an_atom_xml_base_still_resolves_the_markup_under_it() -> None:
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://site.example/">
    <title>t</title><id>urn:t</id><updated>2024-01-01T00:00:00Z</updated>
    <entry><title>a</title><link href="2020/post/"/><id>urn:a</id><updated>2024-01-01T00:00:00Z</updated>
    <content type="html">&lt;img src="img/a.png"&gt;</content></entry></feed>"""
    (article,) = parse_feed(atom, source="t", url="https://feeds.example/atom").articles
    assert article.url == "https://site.example/2020/post/"
    assert 'src="https://site.example/img/a.png"' in article.raw


def test_a_guid_no_store_can_hold_becomes_its_digest() -> None:
    from jjfeed.fields import bounded_guid

    assert bounded_guid("plain-guid") == "plain-guid"
    held = bounded_guid("a\x00b")
    assert held.startswith("sha256:") and held == bounded_guid("a\x00b") != bounded_guid("a\x00c")
    assert bounded_guid("lone \udc80 surrogate").startswith("sha256:")


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("Seg, 24 Set 2018 19:42:40 -0300", datetime(2018, 9, 24, 22, 42, 40, tzinfo=UTC)),
        ("Mié, 05 Dic 2018 08:00:00 +0100", datetime(2018, 12, 5, 7, 0, tzinfo=UTC)),
        ("jeu., 07 févr. 2019 10:00:00 +0100", datetime(2019, 2, 7, 9, 0, tzinfo=UTC)),
        ("Do, 14 Mär 2024 12:00:00 GMT", datetime(2024, 3, 14, 12, 0, tzinfo=UTC)),
        ("mar, 15 ottobre 2024 09:30:00 +0200", datetime(2024, 10, 15, 7, 30, tzinfo=UTC)),
        ("di, 12 mrt 2024 11:00:00 +0100", datetime(2024, 3, 12, 10, 0, tzinfo=UTC)),
        ("Lun, 03 Marzo 2025 10:00:00 -0500", datetime(2025, 3, 3, 15, 0, tzinfo=UTC)),
    ],
)
def test_rfc822_dates_in_another_language_are_read(written: str, utc: datetime) -> None:
    rss = (
        '<rss version="2.0"><channel><title>Notícias</title><link>https://n.example/</link>'
        f"<item><title>Uma notícia</title><link>https://n.example/1</link>"
        f"<description>Texto.</description><pubDate>{written}</pubDate></item>"
        "</channel></rss>"
    ).encode()
    (article,) = parse_feed(rss, source="n", url="https://n.example/feed").articles
    assert article.published == utc


def test_an_english_or_unreadable_date_is_left_to_feedparser() -> None:
    from jjfeed.isodate import parse_localized_rfc2822

    assert parse_localized_rfc2822("Mon, 24 Sep 2018 19:42:40 -0300") is None
    assert parse_localized_rfc2822("24 September 2018 19:42:40 GMT") is None
    assert parse_localized_rfc2822("Seg, 24 Xyz 2018 19:42:40 -0300") is None
    assert parse_localized_rfc2822("2018-09-24") is None
    assert parse_localized_rfc2822("Seg, 31 Fev 2018 10:00:00 -0300") is None  # no such day


_FEEDBURNER = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
<channel><title>TechCrunch</title><link>https://techcrunch.example/</link>
<item><title>Angie's List prices IPO</title>
<link>http://feedproxy.google.com/~r/Techcrunch/~3/kTeeGj4FnwU/</link>
<guid isPermaLink="false">https://techcrunch.example/?p=446154</guid>
<description>&lt;p&gt;The company &lt;a href="ipo/"&gt;filed&lt;/a&gt; today.&lt;/p&gt;</description>
<feedburner:origLink>https://techcrunch.example/2011/11/02/angies-list-ipo/</feedburner:origLink></item>
<item><title>A tracker only</title><link>http://feedproxy.google.com/~r/Techcrunch/~3/x/</link>
<feedburner:origLink>javascript:alert(1)</feedburner:origLink></item>
</channel></rss>"""


def test_a_feedburner_entry_links_to_the_article_not_the_tracker() -> None:
    # TechCrunch and Blogger feeds through FeedBurner: <link> is feedproxy's redirect,
    # feedburner:origLink the article. The article's page is what a reader opens, what
    # the body's relative links resolve against, and what names it among copies.
    one, two = parse_feed(_FEEDBURNER, source="TC", url="https://feeds.example/tc").articles
    assert one.url == "https://techcrunch.example/2011/11/02/angies-list-ipo/"
    assert one.guid == "https://techcrunch.example/?p=446154"
    assert two.url == "http://feedproxy.google.com/~r/Techcrunch/~3/x/"  # no usable original


def test_a_plain_text_description_is_all_text_and_the_feeds_title_stays() -> None:
    # giantbomb-podcast.rss (feeds-real): a plain-text description of one sentence
    # looked like a title line, so it replaced "Game of the Year 2014: Day Four" and
    # the entry's text was left empty (75 entries of the review's feeds).
    from jjfeed.pipeline import clean_article

    summary = (
        "We&#039;re coming down the home stretch, but there are still winners to select\n"
        "for Hottest Mess, Best Moment or Sequence, and Best Styyyyyyyyyyle!"
    )
    rss = f"""<?xml version="1.0"?><rss version="2.0"
xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>Giant Bombcast</title>
<link>https://gb.example/</link><description>d</description>
<item><title>Giant Bombcast Game of the Year 2014: Day Four</title>
<link>https://gb.example/goty-2014-day-four</link><guid isPermaLink="false">1600-1104</guid>
<description>{summary}</description><itunes:summary>{summary}</itunes:summary></item>
<item><title></title><link>https://gb.example/untitled</link>
<description>Nite 1 is here!</description><itunes:summary>Nite 1 is here!</itunes:summary></item>
</channel></rss>""".encode()
    day_four, untitled = parse_feed(rss, source="gb", url="https://gb.example/feed").articles
    cleaned = clean_article(day_four)
    assert cleaned.title == "Giant Bombcast Game of the Year 2014: Day Four"
    assert cleaned.text.startswith("We're coming down the home stretch")
    assert day_four.raw_kind == "entry-text"  # feedparser reads itunes:summary as text/plain
    # An untitled entry keeps its line as text; no title is made up out of it.
    cleaned = clean_article(untitled)
    assert cleaned.title == "" and cleaned.text == "Nite 1 is here!"
    # A text file's first line is still its title.
    from jjfeed.clean.text import clean_text

    assert clean_text("Harbour Bridge closed\n\n" + "The bridge shut on Monday. " * 9).title


def test_keywords_joined_by_bare_commas_in_one_category_are_several_tags() -> None:
    # A public broadcaster's podcast feed (feeds-real/rss-parser/itunes-keywords-astext.rss)
    # puts every keyword of an episode in one <category>.
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<link>https://t.example/</link><item><title>One</title>"
        b"<link>https://t.example/1</link><description>text</description>"
        b"<category>DASDING,Alice Merton,Voice of Germany,Interview</category>"
        b"<category>Arts, Culture &amp; Media</category><category>1,000 Days</category>"
        b"<category>Interview</category></item></channel></rss>"
    )
    (entry,) = parse_feed(feed, source="t", url="https://t.example/feed").articles
    assert entry.tags == (
        "DASDING",
        "Alice Merton",
        "Voice of Germany",
        "Interview",
        "Arts, Culture & Media",
        "1,000 Days",
    )


def test_a_body_escaped_twice_is_read_as_markup_and_quoted_tags_stay_text() -> None:
    # reddit-atom.rss (feeds-real): self posts whose description escapes the markup twice
    # ("&amp;lt;div class=&amp;quot;md&amp;quot;&amp;gt;"), so the entry's text read
    # "<!-- SC_OFF --><div class="md"><p>Hey Reddit! ..." in every reader.
    from jjfeed.pipeline import clean_article

    twice = (
        "&amp;lt;!-- SC_OFF --&amp;gt;&amp;lt;div class=&amp;quot;md&amp;quot;&amp;gt;"
        "&amp;lt;p&amp;gt;The harbour wall &amp;lt;a href=&amp;quot;https://h.example/w"
        "&amp;quot;&amp;gt;grows by forty metres&amp;lt;/a&amp;gt;.&amp;lt;/p&amp;gt;"
        "&amp;lt;/div&amp;gt;&amp;lt;!-- SC_ON --&amp;gt;"
    )
    quoted = "&amp;lt;p&amp;gt; opens a paragraph and &amp;lt;div&amp;gt; a block, the guide says."
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<link>https://h.example/</link><description>d</description>
<item><title>Wall</title><link>https://h.example/1</link><description>{twice}</description></item>
<item><title>Tags</title><link>https://h.example/2</link><description>{quoted}</description></item>
<item><title>Mixed</title><link>https://h.example/3</link><description>{twice} submitted by
&lt;a href="https://h.example/u/ann"&gt;ann&lt;/a&gt;</description></item>
</channel></rss>""".encode()
    wall, tags, mixed = parse_feed(rss, source="h", url="https://h.example/feed").articles
    # Escaped twice, then a footer of links escaped once: the body is read as markup.
    assert clean_article(mixed).text.startswith("The harbour wall grows by forty metres.")
    cleaned = clean_article(wall)
    assert cleaned.text == "The harbour wall grows by forty metres."
    assert '<a href="https://h.example/w"' in (cleaned.html or "")
    assert clean_article(tags).text == "<p> opens a paragraph and <div> a block, the guide says."
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "t",
        "items": [
            {
                "id": "1",
                "title": "Wall",
                "content_html": "&lt;p&gt;Wall&lt;/p&gt;&lt;p&gt;up&lt;/p&gt;",
            }
        ],
    }
    (item,) = parse_feed(json.dumps(feed).encode(), source="j").articles
    assert clean_article(item).text == "Wall\n\nup"
