"""Property tests: the cleaner, the URL canonicaliser, the shingler, the config loader
and the parse-stage field guards take anything and raise nothing but our own errors.

Example counts stay modest so the suite stays fast; a failing example
hypothesis ever found is kept below as an ``@example`` or a plain test.
"""

from __future__ import annotations

import contextlib
import string
from pathlib import Path

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from jjfeed import dedup
from jjfeed.clean import clean_html, clean_page, clean_text
from jjfeed.config import parse_config
from jjfeed.errors import ConfigError, JJFeedError
from jjfeed.fields import plain_text, safe_url, xml_safe
from jjfeed.ingest import detect_kind
from jjfeed.parse import parse_feed

FAST = settings(max_examples=60, deadline=None)

# Text with the characters that break things: controls, NUL, surrogates, RTL marks, odd spaces.
nasty_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("\x00\x01\x0b\x0c\r\u2028\u2029\u200b\u202e\ufeff\ufffd<>&;\"'")),
    ),
    max_size=300,
)
markup = st.lists(
    st.one_of(
        nasty_text,
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<div>",
                "</div>",
                "<br>",
                "<script>",
                "</script>",
                "<!--",
                "-->",
                "<table><tr><td>",
                "<a href='javascript:x'>",
                "</a>",
                "<img src=x>",
                "&nbsp;",
                "&#0;",
                "&#xD800;",
                "<![CDATA[",
                "]]>",
                "<svg><style>",
                "<h1>",
                "<li>",
                "\n\n",
            ]
        ),  # fmt: skip
    ),
    max_size=30,
).map("".join)


# -- the cleaner ---------------------------------------------------------------


@FAST
@given(markup)
@example("<p>\x00</p>")
@example("<div>" * 300 + "deep" + "</div>" * 300)
def test_clean_html_takes_anything(fragment: str) -> None:
    cleaned = clean_html(fragment, base_url="https://example.org/a/")
    assert isinstance(cleaned.text, str) and isinstance(cleaned.html, str)


@FAST
@given(nasty_text)
def test_clean_text_takes_anything(raw: str) -> None:
    assert isinstance(clean_text(raw).text, str)


@settings(max_examples=25, deadline=None)
@given(markup)
def test_clean_page_takes_anything(page: str) -> None:
    assert isinstance(clean_page(f"<html><body>{page}</body></html>").text, str)


PROSE = (
    "The harbour council met on Tuesday to vote on the ferry timetable and the tram budget.\n\n"
    "Residents asked why the bridge repairs had been delayed again, and engineers answered.\n\n"
    "The mayor said the library would open late on Thursdays from the start of the season."
)


@FAST
@given(st.lists(st.sampled_from(PROSE.split("\n\n")), min_size=1, max_size=6))
def test_cleaning_clean_text_changes_nothing(paragraphs: list[str]) -> None:
    text = "\n\n".join(paragraphs)
    once = clean_text(text).text
    assert clean_text(once).text == once
    html_once = clean_html("".join(f"<p>{p}</p>" for p in paragraphs)).text
    assert clean_text(html_once).text == html_once


# -- URLs --------------------------------------------------------------------------

urls = st.one_of(
    st.text(max_size=120),
    st.builds(
        lambda scheme, host, path, query, frag: f"{scheme}://{host}{path}{query}{frag}",
        st.sampled_from(["http", "https", "HTTP", "javascript", "ftp", ""]),
        st.sampled_from(
            ["example.org", "EXAMPLE.org:80", "[::1]", "[::1", "xn--nxasmq6b", "a@b", ""]
        ),
        st.text(alphabet="/%.?&=#abc\u00e9 \x00", max_size=30),
        st.sampled_from(["", "?utm_source=x&b=2&a=1", "?a=%zz", "?&&=", "?fbclid=1"]),
        st.sampled_from(["", "#frag", "#"]),
    ),  # fmt: skip
)


@FAST
@given(urls)
@example("http://[::1")  # urlsplit raises ValueError("Invalid IPv6 URL")
@example("http://example.org:99999999/")  # port out of range raises on .port
@example("HTTP://0")
@example("HTTP://.")  # found: a host of dots gave the key "/"
@example("HTTP://[::]")  # found: the key dropped the brackets, so [::1]:8080 met [::1:8080]
def test_canonical_url_takes_anything_and_is_stable(url: str) -> None:
    """The key (host, path, query; no scheme) names the same page when read as a URL again."""
    key = dedup.canonical_url(url)
    if key is not None and key == key.strip():  # (a raw space at the end is trimmed on re-reading)
        assert dedup.canonical_url("http://" + key) == key
        assert dedup.canonical_url("https://www." + key) == key


@FAST
@given(urls)
def test_safe_url_is_http_or_nothing_and_idempotent(url: str) -> None:
    safe = safe_url(url)
    assert safe is None or (
        safe.lower().startswith(("http://", "https://")) and safe_url(safe) == safe
    )


def test_ipv6_hosts_with_and_without_port_are_different_pages() -> None:
    assert dedup.canonical_url("http://[::1]:8080/a") != dedup.canonical_url("http://[::1:8080]/a")


# -- shingles ----------------------------------------------------------------------


@FAST
@given(nasty_text, st.integers(min_value=1, max_value=8))
def test_shingle_hashes_take_anything_and_are_deterministic(text: str, k: int) -> None:
    first = dedup.shingle_hashes(text, k)
    assert isinstance(first, np.ndarray)
    assert np.array_equal(first, dedup.shingle_hashes(text, k))
    dedup.lsh_keys(text)


# -- the config loader -------------------------------------------------------------

KEYS = ["title", "link", "id", "limit", "database", "output", "sources", "name", "url", "path",
        "tags", "priority", "colour", "- ", "? ", "&a ", "*a", "!!str ", "!!python/object "]  # fmt: skip
VALUES = ["x", "5", "-1", "0", "1e9", "99999999999999999999", "[a, b]", "{a: 1}", "", "~", "true",
          "'q", '"\\x00"', "https://a/", "ftp://a/", "|\n  block", "[[", "- a\n- b", "\t", "%"]  # fmt: skip


@st.composite
def yaml_text(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        indent = " " * draw(st.sampled_from([0, 2, 4]))
        lines.append(f"{indent}{draw(st.sampled_from(KEYS))}: {draw(st.sampled_from(VALUES))}")
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\x00", "\ufeff"]))


@settings(max_examples=150, deadline=None)
@given(st.one_of(yaml_text(), st.text(max_size=200)))
@example("limit: 99999999999999999999999\n")  # once accepted, then overflowed SQLite
@example("title: \x00\n")  # once a multi-line message without a line number
def test_config_loader_raises_only_config_errors(text: str) -> None:
    try:
        config = parse_config(text, Path("f.yaml"))
    except ConfigError as e:
        message = str(e)
        assert message.startswith("f.yaml") and "\n" not in message, message
    else:
        assert config.feed.limit <= 1_000_000_000


# -- parse-stage guards ------------------------------------------------------------


@FAST
@example("<![A:")
@example("<![0")
@given(st.text(max_size=300))
@example("<\u00ba")  # not a tag opener: HTML tag names start with an ASCII letter
@example("&lt;b&gt;")
def test_plain_text_is_idempotent_and_never_opens_a_tag(value: str) -> None:
    once = plain_text(value)
    assert plain_text(once) == once or "&" in once  # entities decode once more, by design
    assert "\x00" not in once and "\n" not in once
    # HTML opens a tag only at "<" followed by an ASCII letter, "/", "!" or "?".
    for i, ch in enumerate(once[:-1]):
        assert not (ch == "<" and (once[i + 1] in string.ascii_letters + "/!?")), once


@FAST
@given(st.text(max_size=200))
def test_xml_safe_leaves_only_xml_characters(value: str) -> None:
    safe = xml_safe(value)
    assert xml_safe(safe) == safe
    for ch in safe:
        code = ord(ch)
        assert (
            code in (9, 10, 13) or 0x20 <= code < 0xD800 or 0xE000 <= code < 0xFFFE or code > 0xFFFF
        )


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=2000))
@example(b"\xff\xfe<\x00r\x00s\x00s\x00")
@example(b"[" * 5000)
def test_parse_and_detect_take_any_bytes(data: bytes) -> None:
    detect_kind(data)
    with contextlib.suppress(JJFeedError):
        parse_feed(data, source="s", url="fuzz.bin")
