import gzip

from conftest import FeedServer, Route
from jjfeed import fetch
from jjfeed.model import FetchSettings, Source, Validators

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def test_conditional_headers() -> None:
    assert fetch.conditional_headers(Validators()) == {}
    assert fetch.conditional_headers(Validators('"e"', "Sun, 01 Nov 2026 00:00:00 GMT")) == {
        "If-None-Match": '"e"',
        "If-Modified-Since": "Sun, 01 Nov 2026 00:00:00 GMT",
    }


def test_fetch_sends_user_agent_and_keeps_validators(feed_server: FeedServer) -> None:
    feed_server.routes["/f"] = Route(
        FEED, etag='"v1"', last_modified="Sun, 01 Nov 2026 00:00:00 GMT"
    )
    got = fetch.fetch(Source("s", url=feed_server.url("/f")))
    assert got.ok and got.status == 200 and got.content == FEED
    assert got.validators == Validators('"v1"', "Sun, 01 Nov 2026 00:00:00 GMT")
    headers = feed_server.requests[-1][1]
    assert headers["user-agent"].startswith("jjfeed/")
    assert "gzip" in headers["accept-encoding"]


def test_conditional_get_gets_304(feed_server: FeedServer) -> None:
    feed_server.routes["/f"] = Route(FEED, etag='"v1"')
    got = fetch.fetch(Source("s", url=feed_server.url("/f")), Validators('"v1"'))
    assert got.not_modified and got.status == 304 and got.content == b""
    assert feed_server.requests[-1][1]["if-none-match"] == '"v1"'


def test_gzip_body_is_decoded(feed_server: FeedServer) -> None:
    feed_server.routes["/gz"] = Route(gzip.compress(FEED), headers={"Content-Encoding": "gzip"})
    got = fetch.fetch(Source("s", url=feed_server.url("/gz")))
    assert got.ok and got.content == FEED


def test_redirect_is_followed(feed_server: FeedServer) -> None:
    feed_server.routes["/old"] = Route(b"", status=301, headers={"Location": "/new"})
    feed_server.routes["/new"] = Route(FEED)
    got = fetch.fetch(Source("s", url=feed_server.url("/old")))
    assert got.ok and got.url.endswith("/new") and got.content == FEED


def test_redirect_loop_is_an_error(feed_server: FeedServer) -> None:
    feed_server.routes["/a"] = Route(b"", status=302, headers={"Location": "/b"})
    feed_server.routes["/b"] = Route(b"", status=302, headers={"Location": "/a"})
    got = fetch.fetch(Source("s", url=feed_server.url("/a")))
    assert not got.ok and got.error_kind == "redirect"
    assert (got.error or "").startswith("redirect loop: ") and got.error.endswith(
        "/b -> " + got.url
    )


def test_http_error_is_a_value(feed_server: FeedServer) -> None:
    got = fetch.fetch(Source("s", url=feed_server.url("/missing")))
    assert not got.ok and got.status == 404 and got.error == "HTTP 404 Not Found"


def test_body_over_cap_is_aborted(feed_server: FeedServer) -> None:
    feed_server.routes["/big"] = Route(b"x" * 5000)
    got = fetch.fetch(
        Source("s", url=feed_server.url("/big")), settings=FetchSettings(max_bytes=1000)
    )
    assert not got.ok and "larger than 1000 bytes" in (got.error or "")


def test_connection_refused_is_a_value() -> None:
    got = fetch.fetch(
        Source("s", url="http://127.0.0.1:9/"),
        settings=FetchSettings(connect_timeout=1, read_timeout=1),
    )
    assert not got.ok and got.error_kind == "connection" and "connection failed" in str(got.error)


def test_fetch_all_keeps_order(feed_server: FeedServer) -> None:
    for i in range(5):
        feed_server.routes[f"/{i}"] = Route(FEED + str(i).encode())
    jobs = [fetch.Job(Source(str(i)), feed_server.url(f"/{i}")) for i in range(5)]
    with fetch.fetch_all(jobs, settings=FetchSettings(workers=3)) as fetching:
        got = list(fetching)
    assert [f.content[-1:] for f in got] == [str(i).encode() for i in range(5)]
