"""XML attacks: entity expansion, external entities, DTD fetches.

What the parts underneath do (feedparser 6.0.x, Python's expat 2.5):
feedparser turns external general entities off and expat never loads
external parameter entities or the external DTD subset, so nothing is read
or fetched; feedparser also strips ``<!ENTITY`` lines before the first
element, but a comment in front of the DOCTYPE (``<!-- <a -->``) defeats
that regular expression and expat then expands internal entities, limited
only by its amplification factor (100x past 8 MiB): a 5 MB feed grew to
~570 MB. ``jjfeed.xmlguard`` refuses entity declarations in expat itself.

Each attack is checked end to end: through ``jjfeed ingest`` (files and a
URL on a loopback server), with a secret in a temporary file that must never
appear in the database, the output or the messages, and a server that must
never be asked for anything but the feed itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import xml.sax
from pathlib import Path

import feedparser.api
import pytest

from conftest import FeedServer, Route
from jjfeed import opml, xmlguard
from jjfeed.errors import ConfigError
from jjfeed.parse import parse_feed

LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
    for i in range(1, 10)
)
ITEM = "<item><title>Title {ref}</title><guid>https://example.org/{name}</guid><description>Body {ref} text</description></item>"


def feed(name: str, doctype: str, ref: str, *, before: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?>{before}{doctype}<rss version="2.0"><channel><title>t</title>'
        f"<link>https://example.org/</link>{ITEM.format(ref=ref, name=name)}</channel></rss>"
    ).encode()


def attacks(secret_file: Path, base: str) -> dict[str, bytes]:
    """Each attack twice: plain, and behind a comment that slips past feedparser's own stripping."""
    secret_uri = secret_file.as_uri()
    plain = {
        "laughs": (f"<!DOCTYPE rss [{LAUGHS}]>", "&lol9;"),
        "laughs-multiline": ("<!DOCTYPE rss [\n" + LAUGHS.replace("><", ">\n<") + "\n]>", "&lol9;"),
        "quadratic": (f'<!DOCTYPE rss [<!ENTITY a "{"A" * 50_000}">]>', "&a;" * 2000),
        "xxe-file": (f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret_uri}">]>', "&xxe;"),
        "xxe-file-multiline": (
            f'<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "{secret_uri}">\n]>',
            "&xxe;",
        ),
        "xxe-public": (
            f'<!DOCTYPE rss [<!ENTITY xxe PUBLIC "-//x//y" "{secret_uri}">]>',
            "&xxe;",
        ),
        "xxe-http": (f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{base}/entity">]>', "&xxe;"),
        "parameter-entity": (
            f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{base}/param.dtd"> %p;]>',
            "&fromdtd;",
        ),
        "parameter-entity-file": (
            f'<!DOCTYPE rss [<!ENTITY % f SYSTEM "{secret_uri}"><!ENTITY % e "<!ENTITY x \'%f;\'>"> %e;]>',
            "&x;",
        ),
        "external-dtd": (f'<!DOCTYPE rss SYSTEM "{base}/external.dtd">', "&fromdtd;"),
        "external-dtd-file": (f'<!DOCTYPE rss SYSTEM "{secret_uri}">', ""),
        "xinclude": (
            "",
            f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret_uri}" parse="text"/>',
        ),
    }
    docs = {}
    for name, (doctype, ref) in plain.items():
        docs[f"{name}.xml"] = feed(name, doctype, ref)
        docs[f"{name}-behind-comment.xml"] = feed(name + "-c", doctype, ref, before="<!-- <a -->")
    docs["xxe-in-html-page.html"] = (
        f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "{secret_uri}">]><html><head><title>Page</title>'
        "</head><body><article><p>The harbour council met on Tuesday &xxe; to vote on the "
        "ferry timetable, and residents asked about the tram line budget.</p></article></body></html>"
    ).encode()
    docs["xxe-in-content.xml"] = feed(
        "content",
        "",
        f'<![CDATA[<svg><!DOCTYPE x [<!ENTITY e SYSTEM "{secret_uri}">]><text>&e;</text></svg>]]>',
    )
    return docs


def test_the_guard_is_the_parser_feedparser_uses() -> None:
    parser = xml.sax.make_parser(feedparser.api.PREFERRED_XML_PARSERS)
    assert isinstance(parser, xmlguard.GuardedExpatParser)


@pytest.mark.parametrize("before", ["", "<!-- <a -->"])
def test_entity_declarations_are_refused_and_the_feed_still_read(before: str) -> None:
    parsed = parse_feed(
        feed("x", f"<!DOCTYPE rss [{LAUGHS}]>", "&lol9;", before=before), source="s"
    )
    assert [a.guid for a in parsed.articles] == ["https://example.org/x"]
    assert "lollol" not in parsed.articles[0].title + parsed.articles[0].raw
    if before:  # feedparser's own stripping misses this one; the guard is what stops it
        assert any(xmlguard.REFUSAL in w for w in parsed.warnings), parsed.warnings


def test_plain_doctype_without_entities_still_parses_cleanly() -> None:
    doctype = (
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">'
    )
    parsed = parse_feed(feed("n", doctype, "plain"), source="s")
    assert parsed.warnings == () and parsed.articles[0].title == "Title plain"


def test_xml_attacks_read_no_file_and_fetch_no_url(tmp_path: Path, feed_server: FeedServer) -> None:
    secret = "S3CRET-" + os.urandom(8).hex()
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(secret)
    feed_server.routes["/entity"] = Route(secret.encode(), content_type="text/plain")
    feed_server.routes["/param.dtd"] = Route(b'<!ENTITY fromdtd "' + secret.encode() + b'">')
    feed_server.routes["/external.dtd"] = Route(b'<!ENTITY fromdtd "' + secret.encode() + b'">')
    docs = attacks(secret_file, feed_server.base)
    folder = tmp_path / "attacks"
    folder.mkdir()
    for name, data in docs.items():
        (folder / name).write_bytes(data)
    # The same attacks arriving over HTTP: the server may be asked for the feed, nothing else.
    feed_server.routes["/feed.xml"] = Route(docs["xxe-http-behind-comment.xml"])
    feed_server.routes["/feed2.xml"] = Route(docs["external-dtd-behind-comment.xml"])
    db, out = tmp_path / "db" / "jjfeed.db", tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jjfeed",
            "--db",
            str(db),
            "--output",
            str(out),
            "ingest",
            str(folder),
            feed_server.url("/feed.xml"),
            feed_server.url("/feed2.xml"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,  # hang guard
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert f"files: {len(docs)} ingested" in result.stdout, result.stdout

    assert sorted(path for path, _ in feed_server.requests) == ["/feed.xml", "/feed2.xml"]
    written = [p for p in (*db.parent.iterdir(), *out.iterdir()) if p.is_file()]
    assert any(p.name == "feed.atom" for p in written) and any(p.suffix == ".db" for p in written)
    for path in written:
        assert secret.encode() not in path.read_bytes(), path
    assert secret not in result.stdout + result.stderr
    atom = (out / "feed.atom").read_text()
    assert "lollollol" not in atom and "A" * 1000 not in atom


MEMORY_PROBE = textwrap.dedent(
    """
    import sys
    from jjfeed.parse import parse_feed
    laughs = sys.stdin.read()
    filler = "<!-- " + "x" * (5 * 1024 * 1024) + " -->"
    doc = ('<?xml version="1.0"?><!-- <a -->' + filler + '<!DOCTYPE rss [' + laughs + ']>'
           '<rss version="2.0"><channel><title>t</title><item><title>&lol9;</title>'
           '<description>x</description></item></channel></rss>')
    parsed = parse_feed(doc.encode(), source="s")
    # VmHWM belongs to this process's own address space; ru_maxrss can carry
    # over the parent's peak across fork and exec (pytest's, not ours).
    status = open("/proc/self/status").read()
    hwm_kb = int(status.split("VmHWM:")[1].split()[0])
    print(hwm_kb // 1024, len(parsed.articles[0].title))
    """
)


def test_entity_expansion_in_a_large_feed_stays_small_in_memory() -> None:
    """Unguarded, expat lets this 5 MB feed expand ~100x (about 570 MB); guarded it does not."""
    laughs = '<!ENTITY lol "' + "lol" * 1000 + '">' + LAUGHS.split(">", 1)[1]
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE],
        input=laughs,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    peak_mb, title_length = map(int, result.stdout.split())
    assert title_length < 100
    assert peak_mb < 250, f"peak memory {peak_mb} MB"


# -- OPML (import-opml) -----------------------------------------------------------------


def opml_bomb(ref: str, *, encoding: str = "utf-8", comment_bytes: int = 0) -> bytes:
    """An OPML file whose outline title expands ``ref`` from the billion-laughs DTD."""
    comment = f"<!-- {'x' * comment_bytes} -->" if comment_bytes else ""
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>{comment}<!DOCTYPE opml [{LAUGHS}]>'
        '<opml version="1.0"><head><title>t</title></head><body>'
        f'<outline text="{ref}" type="rss" xmlUrl="https://bomb.example/feed"/>'
        "</body></opml>"
    )
    return text.encode(encoding)


@pytest.mark.parametrize(
    "ref", ["&lol9;", "&lol5;"], ids=["billion-laughs", "300KB-under-expat-limit"]
)
@pytest.mark.parametrize(
    ("encoding", "comment_bytes"),
    [("utf-16", 0), ("utf-8", 70_000)],
    ids=["utf-16", "70KB-comment-before-doctype"],
)
def test_import_opml_refuses_entities_however_hidden(
    tmp_path: Path, encoding: str, comment_bytes: int, ref: str
) -> None:
    """The old guard looked for ``<!ENTITY`` in the first 64 KiB of bytes: UTF-16 or a long
    comment hid it. Now expat itself refuses the declaration: one line naming the file, exit 1,
    feeds.yaml untouched, nothing expanded. Before, expat's amplification limit stopped the
    billion laughs with a parse error, and the 300 KB expansion was imported as a source name."""
    bomb = tmp_path / "subscriptions.opml"
    bomb.write_bytes(opml_bomb(ref, encoding=encoding, comment_bytes=comment_bytes))
    assert b"<!ENTITY" not in bomb.read_bytes()[:65536]  # what the old guard missed
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("sources: []\n")
    result = subprocess.run(
        [sys.executable, "-m", "jjfeed", "--config", str(feeds), "import-opml", str(bomb)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 1, (result.stdout, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"jjfeed: error: {bomb}: ")
    assert "DTD entity declarations is not read (entity 'lol" in line
    assert feeds.read_text() == "sources: []\n"


def test_opml_with_an_external_entity_is_refused_and_reads_nothing(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-OPML")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
        '<opml version="1.0"><body><outline text="&x;" xmlUrl="https://x.example/f"/></body></opml>'
    ).encode()
    with pytest.raises(ConfigError, match="in.opml: not read: OPML with DTD entity") as caught:
        opml.read_opml(data, "in.opml")
    assert "TOP-SECRET" not in str(caught.value)


def test_opml_with_a_plain_doctype_is_still_read() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE opml><opml version="1.0"><body>'
        b'<outline text="A" xmlUrl="https://a.example/feed"/></body></opml>'
    )
    assert [o.url for o in opml.read_opml(data, "plain.opml")] == ["https://a.example/feed"]
