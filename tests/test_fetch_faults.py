"""Fetching against a real misbehaving server: every fault is a value with its kind.

The server runs in this process on 127.0.0.1 (threads). Timeouts are set to
fractions of a second so hangs and drips cost little; every wait in the
server is cut short when the test ends.
"""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from fetch_server import FEED, QUICK, Fault, FaultServer
from jjfeed import fetch
from jjfeed.model import FetchSettings, Source, Validators


@pytest.fixture
def faults() -> Iterator[FaultServer]:
    server = FaultServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.close()


def get(server: FaultServer, path: str, settings: FetchSettings = QUICK, **kw: object):  # type: ignore[no-untyped-def]
    return fetch.fetch(Source("s", url=server.url(path)), settings=settings, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "kind"), [(410, "gone"), (429, "rate_limited"), (500, "http"), (503, "http")]
)
def test_error_statuses_are_values_with_kinds(faults: FaultServer, status: int, kind: str) -> None:
    faults.routes["/x"] = Fault(b"no", status=status, headers={"Retry-After": "120"})
    got = get(faults, "/x")
    assert not got.ok and got.status == status and got.error_kind == kind
    assert got.error is not None and got.error.startswith(f"HTTP {status}")
    assert got.header("retry-after") == "120"


def test_etag_round_trip_gives_304(faults: FaultServer) -> None:
    faults.routes["/f"] = Fault(etag='"abc"')
    first = get(faults, "/f")
    assert first.ok and first.validators.etag == '"abc"'
    second = get(faults, "/f", validators=first.validators)
    assert second.not_modified and second.status == 304 and second.content == b""
    assert faults.requests[-1][1]["if-none-match"] == '"abc"'


@pytest.mark.parametrize("status", [301, 308, 302, 307])
def test_redirect_hops_are_recorded(faults: FaultServer, status: int) -> None:
    faults.routes["/old"] = Fault(b"", status=status, headers={"Location": "/new"})
    faults.routes["/new"] = Fault()
    got = get(faults, "/old")
    assert got.ok and got.content == FEED and got.url == faults.url("/new")
    assert got.redirects == ((status, faults.url("/new")),)


def test_too_many_hops_is_an_error(faults: FaultServer) -> None:
    for i in range(5):
        faults.routes[f"/{i}"] = Fault(b"", status=302, headers={"Location": f"/{i + 1}"})
    faults.routes["/5"] = Fault()
    got = get(faults, "/0", settings=FetchSettings(max_redirects=3))
    assert not got.ok and got.error_kind == "redirect" and "more than 3" in str(got.error)
    assert faults.paths() == ["/0", "/1", "/2", "/3"]  # bounded: never asked for /4


def test_hang_past_read_timeout(faults: FaultServer) -> None:
    faults.routes["/hang"] = Fault(delay=30)
    got = get(faults, "/hang")
    assert not got.ok and got.error_kind == "timeout" and "timed out" in str(got.error)


def test_slow_drip_is_cut_off_at_the_request_time_limit(faults: FaultServer) -> None:
    # Each byte comes well within the read timeout, so only the total limit stops it.
    faults.routes["/drip"] = Fault(drip=0.05)
    settings = FetchSettings(read_timeout=1, request_timeout=0.6)
    got = get(faults, "/drip", settings=settings)
    assert not got.ok and got.error_kind == "timeout" and "ran out" in str(got.error)


def test_twenty_megabytes_is_aborted_by_declared_length(faults: FaultServer) -> None:
    faults.routes["/big"] = Fault(b"x" * (20 * 1024 * 1024))
    got = get(faults, "/big")
    assert not got.ok and got.error_kind == "too_large"
    assert str(10 * 1024 * 1024) in str(got.error)


def test_twenty_megabytes_streamed_without_length_is_aborted(faults: FaultServer) -> None:
    faults.routes["/stream"] = Fault(stream=20 * 1024 * 1024)
    got = get(faults, "/stream")
    assert not got.ok and got.error_kind == "too_large"


def test_gzip_bomb_is_capped_after_decoding(faults: FaultServer) -> None:
    bomb = gzip.compress(b" " * (3 * 1024 * 1024))
    faults.routes["/bomb"] = Fault(bomb, headers={"Content-Encoding": "gzip"})
    got = get(faults, "/bomb", settings=FetchSettings(max_bytes=1024 * 1024))
    assert len(bomb) < 1024 * 1024 and not got.ok and got.error_kind == "too_large"


def test_deflate_body_is_decoded(faults: FaultServer) -> None:
    faults.routes["/z"] = Fault(zlib.compress(FEED), headers={"Content-Encoding": "deflate"})
    got = get(faults, "/z")
    assert got.ok and got.content == FEED


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_broken_compression_is_a_clear_error(faults: FaultServer, encoding: str) -> None:
    faults.routes["/bad"] = Fault(
        b"\x1f\x8b\x08\x00this is not compressed at all" * 10,
        headers={"Content-Encoding": encoding},
    )
    got = get(faults, "/bad")
    assert not got.ok and got.error_kind == "decoding"
    assert "broken compressed body" in str(got.error)


def test_connection_reset_is_a_value(faults: FaultServer) -> None:
    faults.routes["/reset"] = Fault(reset=True)
    got = get(faults, "/reset")
    assert not got.ok and got.error_kind == "connection"


def test_wrong_charset_bytes_are_passed_through_untouched(faults: FaultServer) -> None:
    body = '<?xml version="1.0" encoding="utf-8"?><rss><channel><title>Café</title>'.encode()
    faults.routes["/latin"] = Fault(
        b"\xef\xbb\xbf" + body, content_type="text/xml; charset=latin-1"
    )
    got = get(faults, "/latin")
    assert got.ok and got.content == b"\xef\xbb\xbf" + body
    assert got.header("content-type") == "text/xml; charset=latin-1"


def test_deadline_already_past_sends_nothing(faults: FaultServer) -> None:
    faults.routes["/f"] = Fault()
    got = get(faults, "/f", deadline=time.monotonic() - 1)
    assert not got.ok and got.error_kind == "budget" and faults.requests == []


# -- many at once -------------------------------------------------------------


def test_next_job_respects_the_per_host_limit() -> None:
    assert fetch.next_job(["a", "a", "b"], {"a": 2}, 2) == 2
    assert fetch.next_job(["a", "b"], {"a": 1, "b": 2}, 2) == 0
    assert fetch.next_job(["a", "b"], {"a": 2, "b": 2}, 2) is None
    assert fetch.next_job([], {}, 2) is None


def test_per_host_limit_holds_while_other_hosts_proceed(faults: FaultServer) -> None:
    """Two host names for one server: at most two requests each are ever in flight."""
    inflight: dict[str, int] = {"127.0.0.1": 0, "localhost": 0}
    peak = dict(inflight)
    lock = threading.Lock()

    original = faults.httpd.RequestHandlerClass.do_GET  # type: ignore[attr-defined]

    def counting_get(handler: BaseHTTPRequestHandler) -> None:
        # Counted while the request waits, before its answer is sent: once the
        # client has the answer it may send the next request, and a count
        # still held here would see three in flight that never were.
        host = handler.headers["Host"].split(":")[0]
        with lock:
            inflight[host] += 1
            peak[host] = max(peak[host], inflight[host])
        time.sleep(0.1)
        with lock:
            inflight[host] -= 1
        original(handler)

    faults.httpd.RequestHandlerClass.do_GET = counting_get  # type: ignore[attr-defined]
    for i in range(8):
        faults.routes[f"/{i}"] = Fault()
    port = faults.httpd.server_address[1]
    jobs = [
        fetch.Job(Source(f"{host}{i}"), f"http://{host}:{port}/{i}")
        for host in ("127.0.0.1", "localhost")
        for i in range(8)
    ]
    with fetch.fetch_all(jobs, settings=FetchSettings(workers=16, per_host=2)) as fetching:
        results = list(fetching)
    assert all(r.ok for r in results)
    assert [r.source.name for r in results] == [j.source.name for j in jobs]
    assert peak == {"127.0.0.1": 2, "localhost": 2}


def test_budget_spent_leaves_the_rest_unfetched(faults: FaultServer) -> None:
    for i in range(6):
        faults.routes[f"/{i}"] = Fault(delay=0.3)
    jobs = [fetch.Job(Source(str(i)), faults.url(f"/{i}")) for i in range(6)]
    settings = FetchSettings(workers=4, per_host=1, read_timeout=2)
    with fetch.fetch_all(jobs, settings=settings, deadline=time.monotonic() + 0.5) as fetching:
        results = list(fetching)
    kinds = [r.error_kind for r in results]
    assert kinds[0] is None and kinds[-1] == "budget"
    assert "budget" in str(results[-1].error)
    assert len(faults.requests) < 6  # the leftovers were never requested


def test_conditional_headers_only_when_known() -> None:
    assert fetch.conditional_headers(Validators(None, "x")) == {"If-Modified-Since": "x"}
