"""Shared fixtures: a real HTTP server on 127.0.0.1, feed builders, seed paths."""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("JJFEED_SHARED", REPO.parent / "shared"))
SEEDS = SHARED / "seeds"
EXAMPLES = REPO / "examples"


# -- the project's development data (../shared) ----------------------------------------


def shared_missing(path: Path) -> str:
    """The one message a test that needs ``path`` under ../shared fails with."""
    try:
        top = path.relative_to(SHARED).parts[0]
    except (ValueError, IndexError):
        top = "data"
    return (
        f"these tests need ../shared/{top} (the project's development data): {path} not found "
        f"(put the shared folder beside the repository, or set JJFEED_SHARED)"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.needs_shared(path, ...)``: fail, never skip, when a path is missing.

    Checked before the test's fixtures run, so the message is the only one.
    """
    for mark in item.iter_markers(name="needs_shared"):
        for path in mark.args:
            if not Path(path).exists():
                pytest.fail(shared_missing(Path(path)), pytrace=False)


@dataclass
class Route:
    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a slow server)


class FeedServer:
    """A real HTTP server in a thread; routes are set by the test, requests are recorded."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                if route.delay:
                    time.sleep(route.delay)
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                if (route.etag and inm == route.etag) or (
                    not route.etag and route.last_modified and ims == route.last_modified
                ):
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.last_modified:
                    self.send_header("Last-Modified", route.last_modified)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}
        )

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join(timeout=5)


VOCABULARY = (
    "council harbour tram line station budget mayor river bridge library archive volunteers "
    "engineers museum festival weather storm coast ferry schedule residents survey report "
    "committee funding vote plan district school teachers students hospital nurses clinic "
    "market traders night stalls music lights winter summer season opening closing repairs "
    "delay contract builders steel concrete tunnel platform tickets fares passengers route "
    "north south east west island quay lighthouse fishing boats catch quota scientists data"
).split()


def prose(seed: int, words: int = 300) -> str:
    """Deterministic article-like text: sentences of vocabulary words, in paragraphs."""
    rng = random.Random(seed)
    paragraphs, sentence, paragraph = [], [], []
    for _ in range(words):
        sentence.append(rng.choice(VOCABULARY))
        if len(sentence) >= rng.randint(8, 16):
            paragraph.append(" ".join(sentence).capitalize() + ".")
            sentence = []
            if len(paragraph) >= 4:
                paragraphs.append(" ".join(paragraph))
                paragraph = []
    if sentence:
        paragraph.append(" ".join(sentence).capitalize() + ".")
    if paragraph:
        paragraphs.append(" ".join(paragraph))
    return "\n\n".join(paragraphs)


def html_body(text: str) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))


def rss(title: str, link: str, items: list[dict[str, str]]) -> bytes:
    """An RSS 2.0 document; each item dict has title, link, guid, body (HTML) and optional date."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f"<channel><title>{escape(title)}</title><link>{escape(link)}</link>"
        "<description>test feed</description>",
    ]
    for item in items:
        date = item.get("date") or format_datetime(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
        parts.append(
            f"<item><title>{escape(item['title'])}</title><link>{escape(item['link'])}</link>"
            f'<guid isPermaLink="false">{escape(item["guid"])}</guid><pubDate>{date}</pubDate>'
            + "".join(
                f"<category>{escape(c)}</category>"
                for c in item.get("categories", "").split(",")
                if c
            )
            + f"<content:encoded><![CDATA[{item['body']}]]></content:encoded></item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts).encode()


# -- a real Redis server (dedup.backend: redis) ------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_redis(url: str, seconds: float) -> None:
    import time

    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    deadline = time.monotonic() + seconds
    while True:
        try:
            client.ping()
            return
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        finally:
            client.close()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis server for the tests: ``$JJFEED_REDIS_URL`` (.ci/run starts one), else our own.

    Fails rather than skips when ``redis-server`` is missing: the shared
    index is tested against the real thing or not at all.
    """
    import shutil
    import subprocess

    given = os.environ.get("JJFEED_REDIS_URL")
    if given:
        _wait_for_redis(given, 10)
        yield given
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed (Debian: apt-get install redis-server)")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder), "--logfile", str(folder / "redis.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for_redis(url, 10)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# -- a real PostgreSQL server (database: postgresql://..., the shared store) -----------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server's maintenance URL: ``$JJFEED_POSTGRES_URL`` (.ci/run starts one),
    else a throwaway cluster of our own (tests/postgres_server.py).

    Fails rather than skips when the server cannot start: the shared store is
    tested against the real thing or not at all.
    """
    from postgres_server import PostgresUnavailable, start, stop, wait_until_ready

    given = os.environ.get("JJFEED_POSTGRES_URL")
    if given:
        wait_until_ready(given, 10)
        yield given
        return
    try:
        folder, url = start()
    except PostgresUnavailable as e:
        pytest.fail(str(e))
    try:
        wait_until_ready(url, 30)
        yield url
    finally:
        stop(folder)


_PG_DATABASES = iter(range(1, 10**9))


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped after it."""
    import psycopg

    name = f"jjfeed_test_{os.getpid()}_{next(_PG_DATABASES)}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    yield postgres_server.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a store test's store lives: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "j.db"
    return str(request.getfixturevalue("postgres_url"))
