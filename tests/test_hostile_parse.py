"""Hostile and odd fields at the parse stage: every one a value, never a crash.

Each case here is an input that once crashed jjfeed, leaked something a
reader could execute, or could grow without bound.
"""

from __future__ import annotations

import json

import pytest

from jjfeed import fields, parse
from jjfeed.errors import ParseError
from jjfeed.fields import plain_text, safe_url
from jjfeed.parse import parse_feed


def _rss(items: str, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?>{prolog}<rss version="2.0"><channel><title>t</title>'
        f"<link>https://example.org/</link>{items}</channel></rss>"
    ).encode()


def test_category_without_term_is_no_crash() -> None:
    # gofeed's atom10_feed_entry_category_label.xml: feedparser gives term=None.
    doc = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>urn:x</id>'
        b'<title>a</title><category label="Only a label"/><category term="kept"/></entry></feed>'
    )
    parsed = parse_feed(doc, source="s", url="cat.xml")
    assert parsed.articles[0].tags == ("kept",)


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java&#x09;script:alert(1)",
        " javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "file:///etc/passwd",
    ],
)
def test_links_that_run_code_or_read_files_are_dropped_with_a_warning(link: str) -> None:
    parsed = parse_feed(
        _rss(f"<item><title>x</title><link>{link}</link><guid>g1</guid></item>"),
        source="s",
        url="feed.xml",
    )
    assert parsed.articles[0].url is None
    assert any("feed.xml: entry 0: link dropped" in w for w in parsed.warnings)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=c", "https://example.org/a?b=c"),
        ("http://example.org/", "http://example.org/"),
        ("java\tscript:alert(1)", None),
        ("\x00javascript:alert(1)", None),
        ("https:///no-host", None),
        ("//example.org/protocol-relative", None),
        ("/relative/path", None),
        ("https://example.org/" + "a" * 5000, None),
        ("http://[::1", None),  # urlsplit raises ValueError on this
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Plain title", "Plain title"),
        ("<script>alert(1)</script>News", "News"),
        ("<b>Bold</b> &amp; <i>brave</i>", "Bold & brave"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "< script>alert(1)< /script>"),
        ("&amp;lt;img src=x onerror=alert(1)&amp;gt;", "&lt;img src=x onerror=alert(1)&gt;"),
        ("Use &lt;div&gt; for layout", "Use < div> for layout"),
        ("x < y and y > z", "x < y and y > z"),
        ("tab\tnew\nline\x00nul\x1besc", "tab new linenulesc"),
        ("<img src=x onerror=alert(1)>", ""),
    ],
)
def test_plain_text_reads_the_same_as_text_or_html(raw: str, expected: str) -> None:
    assert plain_text(raw) == expected


def test_markup_in_title_author_and_tags_becomes_plain_text() -> None:
    parsed = parse_feed(
        _rss(
            "<item><title>&lt;script&gt;alert(1)&lt;/script&gt;Headline</title>"
            "<author>&lt;img src=x onerror=alert(1)&gt;Ann</author>"
            "<category>&lt;svg onload=alert(1)&gt;news</category>"
            "<link>https://example.org/a</link><description>body</description></item>"
        ),
        source="s",
    )
    article = parsed.articles[0]
    assert article.title == "Headline"
    assert article.author == "Ann"
    assert article.tags == ("news",)


def test_title_is_capped() -> None:
    parsed = parse_feed(_rss(f"<item><title>{'long ' * 1000}</title></item>"), source="s")
    assert len(parsed.articles[0].title) == fields.MAX_TITLE_CHARS


def test_entries_per_feed_are_capped_with_a_warning() -> None:
    items = "".join(
        f"<item><title>n{i}</title><guid>g{i}</guid><description>d</description></item>"
        for i in range(30)
    )
    parsed = parse_feed(_rss(items), source="s", url="many.xml", max_entries=10)
    assert [a.guid for a in parsed.articles] == [f"g{i}" for i in range(10)]
    assert "many.xml: 30 entries, kept the first 10" in parsed.warnings


def test_default_entry_cap_is_one_thousand() -> None:
    items = "".join(f"<item><title>n{i}</title><guid>g{i}</guid></item>" for i in range(1005))
    parsed = parse_feed(_rss(items), source="s")
    assert len(parsed.articles) == 1000 == parse.MAX_ENTRIES


def test_body_is_cut_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "MAX_BODY_CHARS", 100)
    parsed = parse_feed(
        _rss(f"<item><title>x</title><description>{'word ' * 100}</description></item>"),
        source="s",
        url="big.xml",
    )
    assert len(parsed.articles[0].raw) == 100
    assert any("big.xml: entry 0: body of 499 characters cut to 100" in w for w in parsed.warnings)


def test_very_long_guid_is_hashed() -> None:
    parsed = parse_feed(_rss(f"<item><title>x</title><guid>{'g' * 5000}</guid></item>"), source="s")
    assert parsed.articles[0].guid.startswith("sha256:")


# -- JSON Feed with wrong types -------------------------------------------------


def _json(items: object, **top: object) -> bytes:
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "items": items, **top}
    ).encode()


@pytest.mark.parametrize("item", ["just a string", 42, None, [1, 2]])
def test_json_feed_item_that_is_not_an_object_is_skipped_with_a_warning(item: object) -> None:
    good = {"id": "ok", "content_text": "fine"}
    parsed = parse_feed(_json([item, good]), source="s", url="items.json")
    assert [a.guid for a in parsed.articles] == ["ok"]
    assert any(w.startswith("items.json: JSON Feed item 0 skipped") for w in parsed.warnings)


@pytest.mark.parametrize(
    ("field", "value", "note"),
    [
        ("id", {"nested": True}, "'id' must be a string"),
        ("id", True, "'id' must be a string"),
        ("title", 5, "'title' must be a string"),
        ("content_html", ["list"], "'content_html' must be a string"),
        ("tags", 7, "'tags' must be a list of strings"),
        ("tags", [1, "kept"], "'tags' holds values that are not strings"),
        ("authors", "Ann", "'authors' must be a list of objects"),
        ("url", 7, "'url' must be a string"),
        ("date_published", 20260101, "'date_published' must be a string"),
    ],
)
def test_json_feed_field_of_wrong_type_is_dropped_and_the_item_stays(
    field: str, value: object, note: str
) -> None:
    """Lenient where the web is sloppy: the field goes, with a warning naming the item."""
    item = {"id": "a", "content_text": "words to read", field: value}
    parsed = parse_feed(_json([item]), source="s", url="items.json")
    assert len(parsed.articles) == 1 and parsed.articles[0].text == ""
    assert parsed.articles[0].raw == "words to read"
    assert any(w.startswith(f"items.json: JSON Feed item 0: {note}") for w in parsed.warnings)


def test_json_feed_tags_as_one_comma_separated_string_are_read() -> None:
    item = {"id": "a", "content_text": "words", "tags": "Bikes, Travel ,Maps"}
    parsed = parse_feed(_json([item]), source="s", url="items.json")
    assert parsed.articles[0].tags == ("Bikes", "Travel", "Maps") and not parsed.warnings


def test_json_feed_item_with_nothing_to_read_is_refused_with_a_reason() -> None:
    parsed = parse_feed(_json([{"id": "a", "title": 5}]), source="s", url="items.json")
    assert parsed.articles == ()
    assert "items.json: JSON Feed item 0 refused: no title and no text" in parsed.warnings


@pytest.mark.parametrize(
    "doc",
    [
        b'{"items": 5}',
        b'{"items": {"a": 1}}',
        b"[1, 2, 3]",
        b'{"version": "https://jsonfeed.org/version/1.1"}',
        b"{" + b'"a":[' * 100_000,  # deeper than the json module recurses
        b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"items": [], "title": "\xff\xfe broken utf-8"}',
    ],
)
def test_json_feed_that_is_not_one_is_a_parse_error(doc: bytes) -> None:
    with pytest.raises(ParseError, match=r"^j\.json: "):
        parse_feed(doc, source="s", url="j.json")


def test_json_feed_dates_out_of_range_are_dropped_not_fatal() -> None:
    parsed = parse_feed(
        _json(
            [
                {
                    "id": "a",
                    "content_text": "x",
                    "date_published": "0001-01-01T00:00:00+14:00",
                    "date_modified": "9999-12-31T23:59:59-14:00",
                }
            ]
        ),
        source="s",
    )
    assert parsed.articles[0].published is None and parsed.articles[0].updated is None


def test_json_feed_javascript_url_is_dropped() -> None:
    parsed = parse_feed(
        _json([{"id": "a", "url": "javascript:alert(1)", "content_text": "x"}]),
        source="s",
        url="j.json",
    )
    assert parsed.articles[0].url is None
    assert any("url dropped" in w for w in parsed.warnings)


def test_json_feed_items_are_capped() -> None:
    items = [{"id": str(i), "content_text": "x"} for i in range(20)]
    parsed = parse_feed(_json(items), source="s", url="j.json", max_entries=5)
    assert len(parsed.articles) == 5
    assert "j.json: 20 items, kept the first 5" in parsed.warnings
