"""One entry's fault fails that entry: the source's other entries and every other source land.

The two crash classes real feeds showed (a date at the edge of the calendar
inside an entry's markup, a link whose host Python cannot read) are kept as
regression tests; a property test then throws garbage into every field of
generated entries and checks that a good entry beside them always lands.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import html_body, prose
from jjfeed import pipeline, urls
from jjfeed.clean import clean_html
from jjfeed.clean.dates import find_dates, parse_date
from jjfeed.config import Config
from jjfeed.isodate import parse_iso
from jjfeed.store import Store


def _config(tmp_path: Path) -> Config:
    return Config(database=tmp_path / "j.db", output=tmp_path / "out", processes=1)


def _rss(items: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Edge cases</title><link>https://edge.example/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def _item(title: str, link: str, body: str) -> str:
    return (
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<guid>{escape(link or title)}</guid><description>{escape(body)}</description></item>"
    )


def _stored_titles(config: Config) -> set[str]:
    with Store(config.database) as store:
        return {s.article.title for s in store.articles()}


GOOD = _item("A good entry", "https://edge.example/good", html_body(prose(1, 200)))


def test_dates_outside_the_calendar_are_absent_not_a_crash() -> None:
    for value in (
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:00:00+14:00",
    ):
        assert parse_iso(value) is None
        assert parse_date(value) is None
        assert find_dates(f"posted {value} by someone") == []
    assert parse_iso("2024-03-05T06:00:00Z") == parse_date("2024-03-05T07:00:00+01:00")
    assert parse_iso("2024-03-05") is not None and parse_iso("not a date") is None


def test_an_entry_with_a_date_out_of_range_fails_alone(tmp_path: Path) -> None:
    bad = _item(
        "Edge of time",
        "https://edge.example/time",
        '<p>Posted <time datetime="0001-01-01T00:00:00+01:00">never</time>.</p>'
        + html_body(prose(2, 150)),
    )
    feed = tmp_path / "edge.rss"
    feed.write_bytes(_rss([bad, GOOD]))
    config = _config(tmp_path)
    report = pipeline.ingest_inputs(config, [str(feed)])
    assert report.published
    assert _stored_titles(config) == {"Edge of time", "A good entry"}


def test_links_python_cannot_read_do_not_end_the_run(tmp_path: Path) -> None:
    assert urls.join("https://edge.example/a", "http://li]/") is None
    assert urls.join("https://edge.example/a", "http://[at McLaren]/") is None
    assert urls.host("http://[at McLaren]/") is None
    cleaned = clean_html(
        '<p>See <a href="http://li]/">this</a> and <a href="http://[at McLaren]/">that</a>.</p>',
        base_url="https://edge.example/post",
    )
    assert "this" in cleaned.text and "li]" not in cleaned.html
    bad = _item(
        "Odd links",
        "http://[at McLaren]/",
        '<p>A <a href="http://li]/">link</a> and an <img src="http://[x y]/i.png"> image.</p>'
        + html_body(prose(3, 150)),
    )
    relative = _item(
        "Odd relative link",
        "https://edge.example/rel",
        '<p>A <a href="//[broken/">link</a>.</p>' + html_body(prose(4, 150)),
    )
    feed = tmp_path / "links.rss"
    feed.write_bytes(_rss([bad, relative, GOOD]))
    config = _config(tmp_path)
    report = pipeline.ingest_inputs(config, [str(feed)])
    assert report.published
    assert _stored_titles(config) == {"Odd links", "Odd relative link", "A good entry"}


# -- garbage in every field ----------------------------------------------------------

EDGE_DATES = [
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-05:00",
    "0000-00-00",
    "2024-02-30T25:61:00Z",
    "-1",
    "",
    "Mon, 32 Foo 99999 99:99:99 +9999",
    "2024-03-05T06:00:00Z",
]
ODD_URLS = [
    "http://[at McLaren]/",
    "http://li]/",
    "https://x.example:99999/",
    "javascript:alert(1)",
    "//[broken/",
    "http://%zz/",
    "http://a b.example/",
    "",
    "https://edge.example/ok",
]
odd_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"), st.sampled_from(list("\x00\x0b\u202e\ufeff<>&\"'"))
    ),
    max_size=80,
)
json_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    odd_text,
    st.sampled_from(EDGE_DATES + ODD_URLS),
    st.lists(odd_text, max_size=3),
    st.dictionaries(st.sampled_from(["name", "url", "x"]), odd_text, max_size=2),
    st.just("word " * 5000),
    st.sampled_from(
        [
            f'<p><time datetime="{d}">x</time> <a href="{u}">y</a> words</p>'
            for d in EDGE_DATES[:2]
            for u in ODD_URLS[:2]
        ]
    ),
)
ITEM_KEYS = [
    "id",
    "url",
    "external_url",
    "title",
    "content_html",
    "content_text",
    "summary",
    "image",
    "date_published",
    "date_modified",
    "author",
    "authors",
    "tags",
    "language",
]


@st.composite
def json_items(draw: st.DrawFn) -> list[object]:
    items: list[object] = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            items.append(draw(json_value))
        else:
            items.append(
                draw(
                    st.dictionaries(st.sampled_from(ITEM_KEYS), json_value, max_size=len(ITEM_KEYS))
                )
            )
    return items


@st.composite
def rss_items(draw: st.DrawFn) -> list[str]:
    items = []
    for _ in range(draw(st.integers(1, 4))):
        date = escape(draw(st.sampled_from(EDGE_DATES)))
        body = draw(st.sampled_from(EDGE_DATES + ODD_URLS))
        items.append(
            f"<item><title>{escape(draw(odd_text))}</title>"
            f"<link>{escape(draw(st.sampled_from(ODD_URLS)))}</link>"
            f"<pubDate>{date}</pubDate><author>{escape(draw(odd_text))}</author>"
            f"<category>{escape(draw(odd_text))}</category>"
            f"<description>{escape(f'<p><time datetime={body!r}>x</time>')}"
            f"{escape(f'<a href={body!r}>y</a> {draw(odd_text)}</p>')}</description></item>"
        )
    return items


_GOOD_JSON = {
    "id": "good",
    "url": "https://edge.example/good",
    "title": "A good entry",
    "content_html": html_body(prose(1, 200)),
}
PROPERTY = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(items=json_items())
def test_garbage_json_items_fail_alone(tmp_path_factory, items: list[object]) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("json")
    feed = folder / "garbage.json"
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "G",
        "items": [*items, _GOOD_JSON],
    }
    feed.write_text(json.dumps(doc))
    config = _config(folder)
    report = pipeline.ingest_inputs(config, [str(feed)])
    assert report.published
    assert "A good entry" in _stored_titles(config)


@PROPERTY
@given(items=rss_items())
def test_garbage_rss_items_fail_alone(tmp_path_factory, items: list[str]) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("rss")
    feed = folder / "garbage.rss"
    feed.write_bytes(_rss([*items, GOOD]))
    other = folder / "other.rss"
    other.write_bytes(
        _rss([_item("Another source", "https://other.example/1", html_body(prose(5, 150)))])
    )
    config = _config(folder)
    report = pipeline.ingest_inputs(config, [str(feed), str(other)])
    assert report.published
    titles = _stored_titles(config)
    assert {"A good entry", "Another source"} <= titles
