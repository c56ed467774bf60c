import json
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from conftest import SHARED
from helpers_publish import require_tool
from jjfeed import publish
from jjfeed.errors import PublishError
from jjfeed.model import Article, Cluster, FeedInfo, OutputSpec, Source, StoredArticle
from jjfeed.parse import parse_json_feed

T1 = datetime(2026, 11, 1, 12, tzinfo=UTC)
T2 = datetime(2026, 11, 2, 12, tzinfo=UTC)


def _member(i: int, source: str, url: str | None, published: datetime) -> StoredArticle:
    art = Article(
        source=source,
        guid=f"g{i}",
        url=url,
        title=f"Title & <{i}>",
        author="Ann Lee",
        published=published,
        tags=("News", "news", "Local"),
        text="First paragraph.\n\nSecond.",
        html="<p>First paragraph.</p><p>Second.</p>",
    )
    return StoredArticle(i, art, None, "h", f"c{i}", published, 0)


def _clusters() -> list[Cluster]:
    # A link post (JSON Feed external_url): the validators below check how it is written.
    a = _member(1, "Harbor", "https://h.example/a", T1)
    a = replace(a, article=replace(a.article, external_url="https://other.example/plan"))
    b = _member(2, "Wire", "https://w.example/b", T1)
    c = _member(3, "Riverside", None, T2)
    return [
        Cluster("11111111-1111-5111-8111-111111111111", (a, b), a, T1),
        Cluster("22222222-2222-5222-8222-222222222222", (c,), c, T2),
    ]


def test_atom_and_rss_are_written_and_parse_cleanly(tmp_path: Path) -> None:
    paths = publish.publish(_clusters(), FeedInfo(), tmp_path, formats=("atom", "rss"))
    assert [p.name for p in paths] == ["feed.atom", "feed.rss"]
    for path in paths:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert len(parsed.entries) == 2
        newest, older = parsed.entries
        assert newest.id == "urn:uuid:22222222-2222-5222-8222-222222222222"  # newest first
        assert older.title == "Title & <1>"
        assert "Sources:" in older.content[0].value
        assert 'href="https://w.example/b"' in older.content[0].value
        assert [t.term for t in older.tags] == ["News", "Local"]
    atom = feedparser.parse(paths[0].read_bytes())
    assert atom.entries[1].content[0].type == "text/html"
    assert {link.href for link in atom.entries[1].links} == {
        "https://h.example/a",
        "https://w.example/b",
        "https://other.example/plan",  # what the link post points at, rel="related"
    }
    assert atom.entries[1].author == "Ann Lee"


ATOM_RNG = SHARED / "data" / "schemas" / "atom.rng"


@pytest.mark.needs_shared(ATOM_RNG)
def test_atom_validates_against_rfc4287_schema(tmp_path: Path) -> None:
    path = publish.publish(_clusters(), FeedInfo(), tmp_path, formats=("atom",))[0]
    schema = etree.RelaxNG(etree.parse(str(ATOM_RNG)))
    doc = etree.parse(str(path))
    assert schema.validate(doc), schema.error_log


def test_entry_ids_come_from_clusters_not_urls(tmp_path: Path) -> None:
    clusters = _clusters()
    first = publish.build_feed(clusters, FeedInfo()).atom_str()
    rep_swapped = Cluster(clusters[0].id, clusters[0].members, clusters[0].members[1], T1)
    second = publish.build_feed([rep_swapped, clusters[1]], FeedInfo()).atom_str()
    ids = [e.id for e in feedparser.parse(first).entries]
    assert ids == [e.id for e in feedparser.parse(second).entries]


def test_publishing_twice_gives_identical_bytes(tmp_path: Path) -> None:
    publish.publish(_clusters(), FeedInfo(), tmp_path)
    before = (tmp_path / "feed.atom").read_bytes(), (tmp_path / "feed.rss").read_bytes()
    publish.publish(_clusters(), FeedInfo(), tmp_path)
    assert before == ((tmp_path / "feed.atom").read_bytes(), (tmp_path / "feed.rss").read_bytes())


def test_limit(tmp_path: Path) -> None:
    fg = publish.build_feed(_clusters(), FeedInfo(limit=1))
    assert len(feedparser.parse(fg.atom_str()).entries) == 1


def test_write_atomic_leaves_no_temp_files_and_reports_errors(tmp_path: Path) -> None:
    publish.write_atomic(tmp_path / "f", b"one")
    publish.write_atomic(tmp_path / "f", b"two")
    assert (tmp_path / "f").read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    with pytest.raises(PublishError, match="blocker/f: cannot write"):
        publish.write_atomic(blocker / "f", b"x")


# -- every format, from one model ------------------------------------------------

HOSTILE = (
    '<p onclick="steal()">Hello <a href="/local/page">relative</a> '
    '<a href="javascript:alert(1)">js</a> <img src="data:image/png;base64,AAAA" alt="d">'
    '<img src="pic.jpg" alt="pic"><script>alert(2)</script><style>p{}</style>'
    '<iframe src="https://evil.example/"></iframe><span style="color:red">styled</span></p>'
)
JSONFEED_SCHEMA = SHARED / "data" / "schemas" / "jsonfeed-v1.1.schema.json"
INFO = FeedInfo(
    title="Merged",
    link="https://merged.example/",
    public_url="https://feeds.example/jj",
    hub="https://hub.example/",
)


def _hostile_cluster() -> Cluster:
    art = Article(
        source="Harbor",
        guid="h1",
        url="https://h.example/news/story.html",
        title="Hostile & <b>bold</b>",
        html=HOSTILE,
        text="Hello relative js",
        tags=("Local",),
        published=T1,
    )
    copy = replace(art, source="Wire", guid="w1", url="https://w.example/copy")
    members = (
        StoredArticle(1, art, None, "h", "c", T1),
        StoredArticle(2, copy, None, "h", "c", T1),
    )
    return Cluster("33333333-3333-5333-8333-333333333333", members, members[0], T2, changed=T2)


def test_outbound_html_is_sanitised_and_links_made_absolute() -> None:
    safe = publish.sanitise(HOSTILE, "https://h.example/news/story.html")
    assert 'href="https://h.example/local/page"' in safe
    assert 'src="https://h.example/news/pic.jpg"' in safe
    for bad in (
        "onclick",
        "javascript:",
        "data:",
        "<script",
        "alert(2)",
        "<style",
        "iframe",
        "style=",
    ):
        assert bad not in safe, bad
    # Without a base a relative link cannot be resolved, so it goes.
    assert "/local/page" not in publish.sanitise(HOSTILE, None)


def test_entry_carries_sources_related_via_and_tags_in_every_format(tmp_path: Path) -> None:
    sources = (Source("Harbor", url="https://h.example/feed.xml"), Source("Wire", path=tmp_path))
    publish.publish([_hostile_cluster()], INFO, tmp_path, sources=sources)
    atom = etree.parse(str(tmp_path / "feed.atom"))
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entry = atom.find("a:entry", ns)
    assert entry is not None
    links = {(ln.get("rel"), ln.get("href")) for ln in entry.findall("a:link", ns)}
    assert links == {
        ("alternate", "https://h.example/news/story.html"),
        ("related", "https://w.example/copy"),
        ("via", "https://h.example/feed.xml"),
    }
    content = entry.find("a:content", ns)
    assert content is not None and content.get("type") == "html"
    assert "Sources:" in (content.text or "") and "<script" not in (content.text or "")
    feed_links = {(ln.get("rel"), ln.get("href")) for ln in atom.getroot().findall("a:link", ns)}
    assert ("self", "https://feeds.example/jj/feed.atom") in feed_links
    assert ("hub", "https://hub.example/") in feed_links
    # Atom: RFC 3339 dates.
    assert entry.findtext("a:updated", namespaces=ns) == "2026-11-02T12:00:00+00:00"
    assert entry.findtext("a:published", namespaces=ns) == "2026-11-01T12:00:00+00:00"
    assert [c.get("term") for c in entry.findall("a:category", ns)] == ["Local"]

    rss = etree.parse(str(tmp_path / "feed.rss"))
    item = rss.find("channel/item")
    assert item is not None
    assert item.findtext("pubDate") == "Sun, 01 Nov 2026 12:00:00 +0000"  # RFC 822
    assert item.findtext("link") == "https://h.example/news/story.html"
    assert [c.text for c in item.findall("category")] == ["Local"]
    rss_links = {(ln.get("rel"), ln.get("href")) for ln in rss.iter("{*}link") if ln.get("rel")}
    assert rss_links == {
        ("self", "https://feeds.example/jj/feed.rss"),
        ("hub", "https://hub.example/"),
    }

    feed = json.loads((tmp_path / "feed.json").read_text())
    assert feed["feed_url"] == "https://feeds.example/jj/feed.json"
    assert feed["hubs"] == [{"type": "WebSub", "url": "https://hub.example/"}]
    item = feed["items"][0]
    assert item["tags"] == ["Local"] and item["date_published"] == "2026-11-01T12:00:00+00:00"
    assert "Sources:" in item["content_html"] and "javascript:" not in item["content_html"]

    opml = etree.parse(str(tmp_path / "sources.opml"))
    outlines = [(o.get("text"), o.get("xmlUrl")) for o in opml.iter("outline")]
    assert outlines == [
        ("Harbor", "https://h.example/feed.xml"),
        (f"Wire (local: {tmp_path})", None),
    ]

    page = (tmp_path / "index.html").read_text()
    assert "Hostile &amp; &lt;b&gt;bold&lt;/b&gt;" in page and "<script" not in page
    assert 'type="application/atom+xml"' in page and "Content-Security-Policy" in page


def test_every_feed_format_reads_back(tmp_path: Path) -> None:
    clusters = [*_clusters(), _hostile_cluster()]
    publish.publish(clusters, INFO, tmp_path)
    ids = {publish.entry_id(c.id) for c in clusters}
    for name in ("feed.atom", "feed.rss"):
        parsed = feedparser.parse((tmp_path / name).read_bytes())
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        assert {e.id for e in parsed.entries} == ids, name
    # feedparser 6.0 (the newest release) does not read JSON Feed; jjfeed's own reader does.
    parsed_json = parse_json_feed((tmp_path / "feed.json").read_bytes(), source="self")
    assert {a.guid for a in parsed_json.articles} == ids
    # Reading back applies jjfeed's inbound rule: a title is plain text, tags dropped.
    assert {a.title for a in parsed_json.articles} == {
        "Title & <1>",
        "Title & <3>",
        "Hostile & bold",
    }


@pytest.mark.needs_shared(ATOM_RNG)
def test_atom_passes_xmllint_relaxng(tmp_path: Path) -> None:
    require_tool("xmllint", "libxml2-utils")
    publish.publish([*_clusters(), _hostile_cluster()], INFO, tmp_path)
    result = subprocess.run(
        ["xmllint", "--noout", "--relaxng", str(ATOM_RNG), str(tmp_path / "feed.atom")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "validates" in result.stderr


@pytest.mark.needs_shared(JSONFEED_SCHEMA)
def test_json_feed_validates_against_schema(tmp_path: Path) -> None:
    import jsonschema

    publish.publish([*_clusters(), _hostile_cluster()], INFO, tmp_path)
    schema = json.loads(JSONFEED_SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    feed = json.loads((tmp_path / "feed.json").read_text())
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(feed)]
    assert errors == []
    # The check can fail: a date that is not RFC 3339 is caught.
    feed["items"][0]["date_published"] = "1 Nov 2026"
    assert list(validator.iter_errors(feed))


def test_all_five_files_are_byte_identical_on_an_idle_rerun(tmp_path: Path) -> None:
    clusters = [*_clusters(), _hostile_cluster()]
    paths = publish.publish(clusters, INFO, tmp_path)
    assert sorted(p.name for p in paths) == sorted(publish.FORMATS.values())
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}
    again = publish.publish_outputs(clusters, INFO, (), tmp_path)
    assert again.changed == ()
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths} == before


def test_outputs_filter_by_tag_and_query(tmp_path: Path) -> None:
    a, b = _clusters()
    hostile = _hostile_cluster()
    tagged_b = replace(b, tags=("Sport",))
    specs = (
        OutputSpec(formats=("json",)),
        OutputSpec(path="local", formats=("json",), include_tags=("local",), limit=5),
        OutputSpec(path="no-local", formats=("json",), exclude_tags=("LOCAL",)),
        OutputSpec(path="query", formats=("json", "atom"), query='"Hello relative" -sport'),
    )
    done = publish.publish_outputs([a, tagged_b, hostile], FeedInfo(), specs, tmp_path)
    assert done.entries == 3

    def ids(sub: str) -> list[str]:
        feed = json.loads((tmp_path / sub / "feed.json").read_text())
        return [i["id"].rsplit(":", 1)[1][:2] for i in feed["items"]]

    assert ids(".") == ["22", "33", "11"]
    assert ids("local") == ["33", "11"]
    assert ids("no-local") == ["22"]
    assert ids("query") == ["33"]
    query_feed = feedparser.parse((tmp_path / "query" / "feed.atom").read_bytes())
    assert [e.id for e in query_feed.entries] == [publish.entry_id(hostile.id)]
    assert query_feed.feed.id != FeedInfo().id  # a sub-output is a feed of its own


def test_output_paths_must_stay_inside(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="inside the output folder"):
        publish.publish_outputs(_clusters(), FeedInfo(), (OutputSpec(path="../x"),), tmp_path)


def test_summary_runs_short_paragraphs_together_as_sentences() -> None:
    from jjfeed.publish.entries import _summary

    text = "Warning: spoilers for Jessica Jones\n\nLife post-murder is hard.\n\nMore."
    assert (
        _summary(text, words=6) == "Warning: spoilers for Jessica Jones. Life post-murder is hard."
    )
    # Giant Bombcast's feed cuts its descriptions mid-sentence: no period is made up.
    cut = "Then let's get into the news... is Valve going to have to let you resell? Weird! The"
    assert _summary(cut) == cut
    assert _summary("Episode notes\n\nWith Jeff and Brad") == "Episode notes. With Jeff and Brad"


def test_summary_keeps_the_lines_of_a_field_list_apart() -> None:
    from jjfeed.publish.entries import _summary

    # Draw Down's Shopify feed: each product's summary opens with its fields, a line each.
    shop = "Vendor: Curated\nType: Periodical\nPrice: 15.50\n\nReading Until I Sleep reflects."
    assert _summary(shop) == (
        "Vendor: Curated · Type: Periodical · Price: 15.50. Reading Until I Sleep reflects."
    )
    # Prose wrapped at a line's width is one run of words, even where a line has a colon.
    wrapped = "The release notes say: nothing\nchanged in the parser, and the tests\npass again."
    assert _summary(wrapped) == (
        "The release notes say: nothing changed in the parser, and the tests pass again."
    )
    # A line that is no field among fields: the paragraph is prose.
    mixed = "Price: 11.00\nthe reissue of issue 43 of the journal"
    assert _summary(mixed) == "Price: 11.00 the reissue of issue 43 of the journal"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # links.daveverse.org: the whole post is one sentence
        (
            "Luxury Retirement Communities Are Embracing Private Clubs.",
            "Luxury Retirement Communities Are Embracing Private Clubs.",
        ),
        # the first sentence when it is short enough
        (
            "In my generation the ace we had was personal computers. I had the briefest taste.",
            "In my generation the ace we had was personal computers.",
        ),
        # an abbreviation or an initial does not end the sentence
        (
            "Rep. Stansbury: Families are about to lose their food assistance. More below.",
            "Rep. Stansbury: Families are about to lose their food assistance.",
        ),
        (
            "J. R. R. Tolkien's letters in the U.S. edition are out. They are long.",
            "J. R. R. Tolkien's letters in the U.S. edition are out.",
        ),
        ("Why did podcasting work? My theory is simple.", "Why did podcasting work?"),
        # a long first sentence is cut at a word
        ("word " * 40, ("word " * 15).strip() + "…"),
        ("", "(untitled)"),
        # a tag written out in the text is no tag in the title (readers may read RSS titles
        # as HTML); what the text says stays
        (
            "<b onmouseover=alert(1)>Bold claim</b> about markup in posts.",
            "< b onmouseover=alert(1)>Bold claim< /b> about markup in posts.",
        ),
        ("Use the &lt;b&gt; entity when 3 < 4.", "Use the &lt;b&gt; entity when 3 < 4."),
    ],
)
def test_a_post_without_a_title_is_titled_by_its_opening(text: str, title: str) -> None:
    from jjfeed.publish.entries import make_entry

    art = Article(source="daveverse", guid="g", url="https://d.example/1", title="", text=text)
    member = StoredArticle(1, art, None, "h", "c1", T1, 0)
    assert make_entry(Cluster("c1", (member,), member, T1)).title == title
