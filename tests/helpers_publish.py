"""Helpers for the publish, serve and reader tests: required tools, bounded waits."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from jjfeed.serve import make_server

# Reader and browser tests need real programs, which .ci/run installs. Missing
# one is a failure, unless this variable says to skip them on purpose.
SKIP_ENV = "JJFEED_SKIP_READERS"


def require_tool(name: str, package: str) -> str:
    """The path of ``name``; fail (or skip, when JJFEED_SKIP_READERS=1) when it is missing."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} not found: install Debian's {package} (.ci/run does)"
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{message}; skipped because {SKIP_ENV}=1")
    pytest.fail(message)


class HubStub:
    """A WebSub hub on 127.0.0.1 that records publish pings and answers ``status``."""

    def __init__(self, status: int = 204) -> None:
        self.status = status
        self.pings: list[dict[str, list[str]]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, 65536)).decode()
                hub.pings.append(parse_qs(body))
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/hub"

    def topics(self) -> list[str]:
        assert all(p.get("hub.mode") == ["publish"] for p in self.pings), self.pings
        return sorted(t for p in self.pings for t in p.get("hub.url", []))


@contextmanager
def running_hub(status: int = 204) -> Iterator[HubStub]:
    hub = HubStub(status)
    hub.thread.start()
    try:
        yield hub
    finally:
        hub.httpd.shutdown()
        hub.httpd.server_close()
        hub.thread.join(timeout=5)


@contextmanager
def serving(root: Path) -> Iterator[str]:
    """``jjfeed serve``'s server for ``root`` in a thread; yields its base URL."""
    server = make_server(root, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
