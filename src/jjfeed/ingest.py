"""Local inputs: files, folders and stdin, and telling what kind each one is.

A feed (RSS, Atom, JSON Feed) goes to the parser; an HTML page or a
plain-text article becomes one article whose body the clean stage reads
(``raw_kind`` says how). The same kind detection serves bytes fetched from
a URL given to ``jjfeed ingest``.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bs4.dammit import EncodingDetector

from .errors import IngestError, ParseError
from .fields import plain_text, xml_safe
from .model import Article
from .parse import MAX_ENTRIES, Parsed, looks_like_json_feed, parse_feed

MAX_FILE_BYTES = 10 * 1024 * 1024  # as fetch.MAX_BYTES: a feed is never larger
FEED_MARKERS = (b"<rss", b"<feed", b"<rdf:rdf", b"<channel")
PAGE_MARKERS = (
    b"<!doctype html",
    b"<html",
    b"<body",
    b"<head",
    b"<article",
    b"<p>",
    b"<p ",
    b"<div",
)
FEED_TYPES = ("rss", "atom", "rdf", "feed+json", "xml")


@dataclass(frozen=True)
class Input:
    """One thing to ingest: where it came from and its bytes."""

    location: str
    data: bytes
    path: Path | None = None


def is_opml(data: bytes) -> bool:
    """An OPML document: its root element, past any XML declaration and comments, is ``<opml``."""
    window = _ascii_window(data[:4096]).lower()
    window = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!doctype[^>]*>", b"", window, flags=re.S)
    return window.lstrip(b" \t\r\n\x00").startswith(b"<opml")


def detect_kind(data: bytes, content_type: str | None = None) -> str:
    """``"feed"``, ``"page"`` or ``"text"``, from the bytes first and the type second."""
    if looks_like_json_feed(data) or _is_json_array(data):
        return "feed"  # a JSON array is no feed; the parser says so
    window = _ascii_window(data[:8192]).lower()
    head = window[:4096].lstrip(b" \t\r\n\x00")
    if head.startswith(b"<"):
        if any(m in window for m in FEED_MARKERS):
            return "feed"
        if any(m in window for m in PAGE_MARKERS):
            return "page"
        return "feed"
    if b"<?xml" in window and any(m in window for m in FEED_MARKERS):
        return "feed"  # junk (say, HTTP headers) before the XML; feedparser reads past it
    ctype = (content_type or "").lower()
    if any(t in ctype for t in FEED_TYPES):
        return "feed"
    if "html" in ctype:
        return "page"
    return "text"


_UTF16_32_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)


def _ascii_window(head: bytes) -> bytes:
    """The start of ``data`` as ASCII-compatible bytes, so markers can be looked for.

    UTF-16 and UTF-32 (with a byte-order mark, or UTF-16 without one, where
    every other byte of ``<?xml`` is NUL) are decoded first; a UTF-8 BOM is dropped.
    """
    encoding = next((enc for bom, enc in _UTF16_32_BOMS if head.startswith(bom)), None)
    if encoding is None and head[:2] in (b"<\x00", b"\x00<"):
        encoding = "utf-16-le" if head[0:1] == b"<" else "utf-16-be"
    if encoding is not None:
        return head.decode(encoding, "ignore").encode("utf-8", "ignore").lstrip("\ufeff".encode())
    return head.removeprefix(b"\xef\xbb\xbf")


def _is_json_array(data: bytes) -> bool:
    if not data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        return False
    try:
        json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return True


_BINARY_MAGIC = (
    (b"\x1f\x8b", "gzip-compressed"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF"),
    (b"\x7fELF", "a program"),
)


GZIP_MAGIC = b"\x1f\x8b"


def gunzip(data: bytes, location: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """A gzip-compressed input (a saved ``page.html.gz``), decompressed up to ``limit`` bytes.

    Read in pieces, so a small file that inflates to gigabytes (a zip bomb)
    is refused once it passes the limit instead of filling memory.
    """
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as e:
        raise IngestError(f"{location}: damaged gzip data ({e})") from e
    if len(out) > limit or inflater.unconsumed_tail:
        raise IngestError(f"{location}: larger than {limit} bytes once decompressed; refused")
    return out


def binary_reason(data: bytes) -> str | None:
    """Why ``data`` is not text (a known binary format, NUL bytes, mostly control bytes), or None."""
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            return f"binary data ({what}), not a feed or an article"
    sample = data[:8192]
    if b"\x00" in sample:
        return "binary data (NUL bytes), not a feed or an article"
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if controls > len(sample) // 20:
        return "binary data (control bytes), not a feed or an article"
    return None


def iter_inputs(
    locations: Iterable[str], stdin: bytes | None = None
) -> Iterator[Input | IngestError]:
    """Expand folders (sorted, hidden files skipped) and read each file.

    An unreadable file is yielded as an :class:`IngestError` value so one bad
    file never stops the rest.
    """
    for location in locations:
        if location == "-":
            data = stdin if stdin is not None else b""
            if len(data) > MAX_FILE_BYTES:
                yield IngestError(
                    f"-: stdin is {len(data)} bytes, more than the {MAX_FILE_BYTES} allowed"
                )
            else:
                yield Input("-", data)
            continue
        path = Path(location)
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            for file in files:
                yield _folder_file(read_file(file))
        else:
            yield read_file(path)


# Plain text has no signature to sniff, so in a folder only these names say "an article";
# a file named as a feed or a page is judged by its bytes, as before.
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"})
_MARKUP_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".rdf", ".json", ".html", ".htm", ".gz"})
_READ_BY_NAME = TEXT_SUFFIXES | _MARKUP_SUFFIXES


def _folder_file(read: Input | IngestError) -> Input | IngestError:
    """A file found in a folder, unless it is plain text without a text file's extension.

    Folders of feeds and articles also hold a project's LICENSE, README or
    notes; read as articles, they top the feed dated the day of the run.
    Feeds and pages are recognised by their bytes whatever their names;
    a file named on the command line is read whatever it is.
    """
    if isinstance(read, IngestError) or read.path is None:
        return read
    if read.path.suffix.lower() in _READ_BY_NAME:
        return read
    if not read.data.lstrip(b"\xef\xbb\xbf").strip() or read.data.startswith(GZIP_MAGIC):
        return read  # refused as empty, or read once decompressed
    if detect_kind(read.data) != "text" or binary_reason(read.data) is not None:
        return read  # a feed or a page by its bytes; binary data is refused as such
    return IngestError(
        f"{read.location}: plain text without a text extension "
        f"({', '.join(sorted(TEXT_SUFFIXES))}): not read as an article "
        "(name the file itself to ingest it)"
    )


def read_file(path: Path) -> Input | IngestError:
    """Read one file, refusing what is not a regular file or is past the size cap.

    The cap is enforced on the bytes read, not only on what ``stat`` says,
    so a file that grows while being read (or lies about its size) is still
    bounded; a FIFO or a device would block or never end, so it is refused.
    """
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return IngestError(f"{path}: not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            return IngestError(
                f"{path}: file is {info.st_size} bytes, more than the {MAX_FILE_BYTES} allowed"
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            return IngestError(f"{path}: file is more than the {MAX_FILE_BYTES} bytes allowed")
        return Input(str(path), data, path)
    except FileNotFoundError:
        return IngestError(f"{path}: no such file or folder")
    except OSError as e:
        return IngestError(f"{path}: cannot read: {e.strerror or e}")


def articles_from_bytes(
    data: bytes,
    *,
    source: str,
    location: str,
    guid: str | None = None,
    url: str | None = None,
    headers: dict[str, str] | None = None,
    max_entries: int = MAX_ENTRIES,
) -> Parsed:
    """Turn one input's bytes into articles, whatever kind of input it is."""
    content_type = next(
        (v for k, v in (headers or {}).items() if k.lower() == "content-type"), None
    )
    if data.startswith(GZIP_MAGIC):
        data = gunzip(data, location)
    if not data.lstrip(b"\xef\xbb\xbf").strip():
        raise IngestError(f"{location}: empty input")
    if is_opml(data):
        raise IngestError(
            f"{location}: an OPML subscription list, not an article or a feed "
            "(add its feeds with `jjfeed import-opml`)"
        )
    kind = detect_kind(data, content_type)
    if kind != "feed" and (reason := binary_reason(data)) is not None:
        raise IngestError(f"{location}: {reason}")
    if kind == "feed":
        try:
            return parse_feed(
                data, headers, source=source, url=url or location, max_entries=max_entries
            )
        except ParseError as e:
            raise IngestError(str(e)) from e
    text = xml_safe(decode(data, content_type))
    key = guid or url or "sha256:" + hashlib.sha256(data).hexdigest()
    article = Article(
        source=source,
        guid=key,
        url=url,
        title=_fallback_title(location),
        raw=text,
        raw_kind="page" if kind == "page" else "text",
        origin=location,
    )
    return Parsed((article,))


def decode(data: bytes, content_type: str | None = None) -> str:
    """Bytes of a page or text file to text, whatever its labels say (never fails).

    The order is what real pages need: a byte-order mark is certain; then
    UTF-8, because bytes that decode as UTF-8 almost never are anything else,
    and "charset=iso-8859-1" on a UTF-8 page is the commonest wrong label;
    then the charset from the Content-Type, then the one the document
    declares (``<meta charset>``, ``http-equiv``, the XML declaration, found
    by BeautifulSoup's detector); then Windows-1252, which accepts any byte.
    A UTF-16 or UTF-32 label goes first: such text is valid UTF-8 too (its
    NUL bytes are), just not the right text.
    """
    data, bom = EncodingDetector.strip_byte_order_mark(data)
    match = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.I)
    header = match.group(1) if match else None
    declared = EncodingDetector.find_declared_encoding(data, is_html=True)
    candidates = [bom, "utf-8", header, declared, "windows-1252"]
    wide = [e for e in (header, declared) if e and e.lower().startswith(("utf-16", "utf-32"))]
    for encoding in dict.fromkeys([*wide, *candidates]):
        if not encoding:
            continue
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _fallback_title(location: str) -> str:
    stem = Path(location).stem if location != "-" else "stdin"
    return plain_text(re.sub(r"[_-]+", " ", stem)) or "untitled"
