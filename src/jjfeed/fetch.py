"""HTTP fetching: the only module that imports :mod:`requests`.

One session per worker thread (a ``requests.Session`` is not documented as
thread-safe), a real User-Agent, connect and read timeouts, gzip, redirects,
conditional GET from the validators the store kept, and a streamed size cap.
Each source's outcome is a :class:`Fetched` value; nothing here raises for
one bad source.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import requests

from . import __version__
from .model import Fetched, Source, Validators

USER_AGENT = f"jjfeed/{__version__} (+https://github.com/jjfeed/jjfeed; feed aggregator)"
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, application/json;q=0.9, "
    "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, text/html;q=0.5, */*;q=0.1"
)
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0
MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 10
WORKERS = 8

_local = threading.local()
_NO_VALIDATORS = Validators()


def conditional_headers(validators: Validators) -> dict[str, str]:
    """The request headers that let the server answer 304 Not Modified."""
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.headers.update(
            {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
        )
        session.max_redirects = MAX_REDIRECTS
        _local.session = session
    return session


def fetch(
    source: Source,
    validators: Validators = _NO_VALIDATORS,
    *,
    timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
    max_bytes: int = MAX_BYTES,
) -> Fetched:
    """GET one source's URL; any failure becomes ``Fetched.error``."""
    url = source.url or ""
    try:
        with _session().get(
            url, headers=conditional_headers(validators), timeout=timeout, stream=True
        ) as response:
            headers = tuple((k, v) for k, v in response.headers.items())
            final_url = response.url or url
            if response.status_code == 304:
                return Fetched(
                    source,
                    final_url,
                    304,
                    headers=headers,
                    validators=validators,
                    not_modified=True,
                )
            if response.status_code >= 400:
                return Fetched(
                    source,
                    final_url,
                    response.status_code,
                    headers=headers,
                    error=f"HTTP {response.status_code} {response.reason or ''}".strip(),
                )
            content = _read_capped(response, max_bytes)
            new_validators = Validators(
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
            return Fetched(
                source,
                final_url,
                response.status_code,
                content=content,
                headers=headers,
                validators=new_validators,
            )
    except _TooLarge:
        return Fetched(source, url, None, error=f"response larger than {max_bytes} bytes; aborted")
    except requests.TooManyRedirects:
        return Fetched(source, url, None, error=f"more than {MAX_REDIRECTS} redirects (a loop?)")
    except requests.Timeout:
        return Fetched(
            source,
            url,
            None,
            error=f"timed out after {timeout[0]:g}s connect / {timeout[1]:g}s read",
        )
    except requests.ConnectionError as e:
        return Fetched(source, url, None, error=f"connection failed: {_short(e)}")
    except requests.RequestException as e:
        return Fetched(source, url, None, error=f"request failed: {_short(e)}")


def fetch_all(
    jobs: Sequence[tuple[Source, Validators]], *, workers: int = WORKERS, **kwargs: object
) -> list[Fetched]:
    """Fetch many sources concurrently; results come back in the order given."""
    if not jobs:
        return []
    with ThreadPoolExecutor(
        max_workers=max(1, min(workers, len(jobs))), thread_name_prefix="jjfeed-fetch"
    ) as pool:
        return list(pool.map(lambda job: fetch(job[0], job[1], **kwargs), jobs))  # type: ignore[arg-type]


class _TooLarge(Exception):
    pass


def _read_capped(response: requests.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise _TooLarge
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _short(error: Exception) -> str:
    text = str(error)
    return text if len(text) <= 200 else text[:197] + "..."
