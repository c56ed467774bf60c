"""``jjfeed serve``: the output folder over HTTP, the way feed readers like it.

Each request reads the file as it is on disk now, so a feed published by a
later run is served at once, without a restart (publishing replaces files by
rename, so a request sees the old file or the new one, never half of one).
Responses carry the feed media types, a strong ETag (a hash of the bytes) and
Last-Modified, answer conditional requests with 304, and are gzipped for
clients that accept it. Only GET and HEAD, only files inside the folder, and
never the dot-files publishing leaves while it writes.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import logging
import mimetypes
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from . import __version__

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
COMPRESSIBLE = ("text/", "application/atom", "application/rss", "application/feed", "application/x")
CACHE_CONTROL = "public, max-age=300"
MIN_GZIP = 256


def content_type(path: Path) -> str:
    known = CONTENT_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


class _Representation:
    """A file's bytes as served: identity and gzip, with their ETags."""

    def __init__(self, data: bytes, mtime: float) -> None:
        digest = hashlib.sha256(data).hexdigest()[:32]
        self.data = data
        self.etag = f'"{digest}"'
        self.gzip_etag = f'"{digest}-gz"'
        self.mtime = int(mtime)
        self._gzipped: bytes | None = None

    @property
    def gzipped(self) -> bytes:
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.data, compresslevel=6, mtime=0)
        return self._gzipped


class _Files:
    """Reads files under ``root``; remembers each file's hash until it changes on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._cache: dict[Path, tuple[tuple[int, int], _Representation]] = {}
        self._lock = threading.Lock()

    def resolve(self, url_path: str) -> Path | None:
        """The file a URL path names, or None when it is outside the folder or hidden."""
        parts = [p for p in unquote(urlsplit(url_path).path).split("/") if p]
        if any(p in (".", "..") or p.startswith(".") or "\0" in p for p in parts):
            return None
        candidate = self.root.joinpath(*parts)
        if candidate.is_dir():
            candidate = candidate / "index.html"
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not resolved.is_relative_to(self.root) or not resolved.is_file():
            return None
        return resolved

    def read(self, path: Path) -> _Representation | None:
        try:
            stat = path.stat()
            key = (stat.st_mtime_ns, stat.st_size)
            with self._lock:
                cached = self._cache.get(path)
            if cached is not None and cached[0] == key:
                return cached[1]
            rep = _Representation(path.read_bytes(), stat.st_mtime)
        except OSError:
            return None
        with self._lock:
            self._cache[path] = (key, rep)
        return rep


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip (``gzip;q=0`` refuses it)."""
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().lower()
            if not q.startswith("q="):
                return True
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
    return False


def not_modified(
    rep: _Representation, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """RFC 9110: If-None-Match decides when present; otherwise If-Modified-Since."""
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or bool(tags & {rep.etag, rep.gzip_etag})
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return rep.mtime <= since
    return False


@dataclass(frozen=True)
class Reply:
    status: HTTPStatus
    headers: tuple[tuple[str, str], ...]
    payload: bytes = b""


class _Headers(Protocol):
    def get(self, name: str) -> str | None: ...


def reply(rep: _Representation, path: Path, headers: _Headers) -> Reply:
    """What to answer a GET for ``rep`` (the file at ``path``), given the request's headers.

    Pure: gzip when the client takes it and the file is text worth compressing,
    304 when its validators still match, else 200 with the bytes.
    """
    use_gzip = (
        accepts_gzip(headers.get("Accept-Encoding"))
        and content_type(path).startswith(COMPRESSIBLE)
        and len(rep.data) >= MIN_GZIP
    )
    common = (
        ("ETag", rep.gzip_etag if use_gzip else rep.etag),
        ("Last-Modified", formatdate(rep.mtime, usegmt=True)),
        ("Cache-Control", CACHE_CONTROL),
        ("Vary", "Accept-Encoding"),
    )
    if not_modified(rep, headers.get("If-None-Match"), headers.get("If-Modified-Since")):
        return Reply(HTTPStatus.NOT_MODIFIED, common)
    payload = rep.gzipped if use_gzip else rep.data
    own = [
        ("Content-Type", content_type(path)),
        ("Content-Length", str(len(payload))),
        ("X-Content-Type-Options", "nosniff"),
    ]
    if use_gzip:
        own.append(("Content-Encoding", "gzip"))
    return Reply(HTTPStatus.OK, (*own, *common), payload)


def make_handler(files: _Files) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = f"jjfeed/{__version__}"
        sys_version = ""

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._respond(body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._respond(body=False)

        def _respond(self, *, body: bool) -> None:
            path = files.resolve(self.path)
            rep = files.read(path) if path is not None else None
            if path is None or rep is None:
                self.send_error(HTTPStatus.NOT_FOUND, "Not found")
                return
            answer = reply(rep, path, self.headers)
            self.send_response(answer.status)
            for key, value in answer.headers:
                self.send_header(key, value)
            self.end_headers()
            if body and answer.payload:
                self.wfile.write(answer.payload)

        def log_message(self, format: str, *args: object) -> None:
            log.info("%s %s", self.address_string(), format % args)

    return Handler


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8080) -> ThreadingHTTPServer:
    """A server for ``root``, bound but not yet serving (``port=0`` picks a free port)."""
    server = ThreadingHTTPServer((host, port), make_handler(_Files(root)))
    server.daemon_threads = True
    return server


def server_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    name = host.decode() if isinstance(host, bytes) else str(host)
    shown = f"[{name}]" if ":" in name else name
    return f"http://{shown}:{port}/"


def serve(
    root: Path,
    host: str = "127.0.0.1",
    port: int = 8080,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve ``root`` until interrupted; ``ready`` is told the URL once listening."""
    with make_server(root, host, port) as server:
        if ready is not None:
            ready(server_url(server))
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever(poll_interval=0.5)
