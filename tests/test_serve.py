"""jjfeed serve: a real server on 127.0.0.1, real HTTP requests, a real subprocess."""

from __future__ import annotations

import gzip
import http.client
import os
import selectors
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from jjfeed import serve
from jjfeed.cli import cli
from jjfeed.publish import write_atomic

ATOM = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">' + b"x" * 2000 + b"</feed>"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    root = tmp_path / "out"
    root.mkdir()
    server = serve.make_server(root, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield root, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _get(
    port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_content_types(served: tuple[Path, int]) -> None:
    root, port = served
    expected = {
        "feed.atom": "application/atom+xml; charset=utf-8",
        "feed.rss": "application/rss+xml; charset=utf-8",
        "feed.json": "application/feed+json; charset=utf-8",
        "index.html": "text/html; charset=utf-8",
        "sources.opml": "text/x-opml; charset=utf-8",
    }
    for name in expected:
        (root / name).write_bytes(b"data")
    for name, media in expected.items():
        status, headers, body = _get(port, f"/{name}")
        assert (status, headers["content-type"], body) == (200, media, b"data"), name
    status, headers, _ = _get(port, "/")
    assert status == 200 and headers["content-type"].startswith("text/html")


def test_etag_and_last_modified_give_304(served: tuple[Path, int]) -> None:
    root, port = served
    write_atomic(root / "feed.atom", ATOM)
    status, headers, body = _get(port, "/feed.atom")
    assert status == 200 and body == ATOM
    etag, modified = headers["etag"], headers["last-modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    assert _get(port, "/feed.atom", {"If-None-Match": etag})[0] == 304
    assert _get(port, "/feed.atom", {"If-None-Match": f'"other", {etag}'})[0] == 304
    assert _get(port, "/feed.atom", {"If-Modified-Since": modified})[0] == 304
    assert _get(port, "/feed.atom", {"If-None-Match": '"stale"'})[0] == 200
    # If-None-Match wins over a matching If-Modified-Since (RFC 9110).
    both = {"If-None-Match": '"stale"', "If-Modified-Since": modified}
    assert _get(port, "/feed.atom", both)[0] == 200
    assert (
        _get(port, "/feed.atom", {"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"})[0] == 200
    )
    # HEAD: same headers, no body.
    status, head_headers, body = _get(port, "/feed.atom", method="HEAD")
    assert status == 200 and body == b"" and head_headers["etag"] == etag


def test_gzip_when_accepted(served: tuple[Path, int]) -> None:
    root, port = served
    write_atomic(root / "feed.atom", ATOM)
    status, headers, body = _get(port, "/feed.atom", {"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == ATOM and len(body) < len(ATOM)
    assert headers["vary"] == "Accept-Encoding"
    assert (
        _get(port, "/feed.atom", {"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]})[0]
        == 304
    )
    _, plain, body = _get(port, "/feed.atom", {"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in plain and body == ATOM


def test_new_files_are_served_without_restart(served: tuple[Path, int]) -> None:
    root, port = served
    assert _get(port, "/feed.rss")[0] == 404
    write_atomic(root / "feed.rss", b"<rss>one</rss>")
    status, headers, body = _get(port, "/feed.rss")
    assert (status, body) == (200, b"<rss>one</rss>")
    write_atomic(root / "feed.rss", b"<rss>two!</rss>")
    status, again, body = _get(port, "/feed.rss", {"If-None-Match": headers["etag"]})
    assert (status, body) == (200, b"<rss>two!</rss>") and again["etag"] != headers["etag"]


def test_nothing_outside_the_folder_or_hidden(served: tuple[Path, int], tmp_path: Path) -> None:
    root, port = served
    (tmp_path / "secret.txt").write_text("no")
    (root / ".feed.atom.123.tmp").write_text("half")
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/.feed.atom.123.tmp", "/link.txt"):
        assert _get(port, path)[0] == 404, path
    assert _get(port, "/feed.atom", method="POST")[0] in (405, 501)


def test_accepts_gzip_parsing() -> None:
    assert serve.accepts_gzip("gzip")
    assert serve.accepts_gzip("br, GZIP;q=0.5")
    assert serve.accepts_gzip("*")
    assert not serve.accepts_gzip("gzip;q=0")
    assert not serve.accepts_gzip("identity")
    assert not serve.accepts_gzip(None)


def test_serve_has_help() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output
    assert "Serve the output folder" in result.output


def test_jjfeed_serve_command_serves_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "feed.json").write_text('{"version": "https://jsonfeed.org/version/1.1"}')
    proc = subprocess.Popen(
        [sys.executable, "-m", "jjfeed", "--output", str(out), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(proc.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=30)
        selector.close()
        assert ready, "jjfeed serve printed nothing in 30 s"
        line = proc.stdout.readline()
        assert line.startswith(f"Serving {out} at http://127.0.0.1:"), line
        port = int(line.split("http://127.0.0.1:", 1)[1].split("/", 1)[0])
        status, headers, body = _get(port, "/feed.json")
        assert status == 200 and headers["content-type"].startswith("application/feed+json")
        assert b"jsonfeed.org" in body
    finally:
        proc.terminate()
        proc.communicate(timeout=10)  # reaps it and closes the pipes
