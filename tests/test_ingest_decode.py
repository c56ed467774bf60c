"""Decoding pages and text files whose charset labels are missing or wrong."""

import pytest

from jjfeed.ingest import decode

PAGE = "<html><head>{meta}</head><body><p>Café owners said the naïve plan – “{word}” – failed.</p></body></html>"


def test_utf8_labelled_latin1_is_read_as_utf8() -> None:
    page = PAGE.format(meta='<meta charset="iso-8859-1">', word="ok")
    assert decode(page.encode("utf-8")) == page
    assert decode(page.encode("utf-8"), "text/html; charset=ISO-8859-1") == page


@pytest.mark.parametrize(
    ("encoding", "meta", "word"),
    [
        (
            "windows-1251",
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
            "Привет",
        ),
        ("iso-8859-7", '<meta charset="iso-8859-7">', "Καλημέρα"),
        ("shift_jis", '<meta charset="Shift_JIS">', "日本語"),
    ],
)
def test_the_declared_charset_is_used_when_utf8_fails(encoding: str, meta: str, word: str) -> None:
    # Only characters each legacy charset has: the word, in plain ASCII around it.
    page = PAGE.format(meta=meta, word=word)
    for fancy, plain in (("–", "-"), ("“", '"'), ("”", '"'), ("é", "e"), ("ï", "i")):
        page = page.replace(fancy, plain)
    assert decode(page.encode(encoding)) == page


def test_the_http_charset_is_used_when_the_page_declares_none() -> None:
    text = "<p>Привет, мир</p>"
    assert decode(text.encode("koi8-r"), "text/html; charset=koi8-r") == text


def test_utf16_labels_and_byte_order_marks() -> None:
    text = "<p>hi ü 日本</p>"
    assert decode(text.encode("utf-16-le"), "text/html; charset=utf-16le") == text
    assert decode("\ufeff".encode("utf-16-be") + text.encode("utf-16-be")) == text
    assert decode(b"\xef\xbb\xbf" + text.encode()) == text


def test_no_label_and_not_utf8_falls_back_to_windows_1252() -> None:
    assert decode("naïve “quotes”".encode("cp1252")) == "naïve “quotes”"


def test_an_unknown_label_is_ignored() -> None:
    assert decode("café".encode(), "text/html; charset=x-no-such-thing") == "café"
