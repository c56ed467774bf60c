"""HTTP fetching: the only module that imports :mod:`requests` (and its urllib3).

A real User-Agent, connect/read timeouts and a total time per request,
gzip/deflate, redirects followed by hand (so a loop is named as one and every
hop is known), conditional GET from the validators the store kept, and a
streamed size cap. Many sources are fetched at once, but never more than
``per_host`` from one host. Each source's outcome is a :class:`Fetched`
value; nothing here raises for one bad source.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import requests
import urllib3.exceptions

from . import __version__, urls
from .model import Fetched, FetchErrorKind, FetchSettings, Source, Validators

USER_AGENT = f"jjfeed/{__version__} (+https://github.com/jjfeed/jjfeed; feed aggregator)"
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, application/json;q=0.9, "
    "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, text/html;q=0.5, */*;q=0.1"
)
DEFAULTS = FetchSettings()
CHUNK = 64 * 1024
_NO_VALIDATORS = Validators()
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Job:
    """One source to fetch: from which URL, with which validators."""

    source: Source
    url: str
    validators: Validators = _NO_VALIDATORS

    @property
    def host(self) -> str:
        return host_of(self.url)


def host_of(url: str) -> str:
    """The politeness key: the lower-cased host name (ports share a host)."""
    return urls.host(url) or url.lower()


def conditional_headers(validators: Validators) -> dict[str, str]:
    """The request headers that let the server answer 304 Not Modified."""
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def new_session() -> requests.Session:
    session = requests.Session()
    session.headers.update(
        {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    )
    return session


def fetch(
    source: Source,
    validators: Validators = _NO_VALIDATORS,
    *,
    url: str | None = None,
    settings: FetchSettings = DEFAULTS,
    deadline: float | None = None,
    session: requests.Session | None = None,
) -> Fetched:
    """GET one source (``url`` if given, else the source's own); any failure is a value.

    ``deadline`` is a ``time.monotonic()`` instant (the run's time budget):
    the request is not started past it and is cut off when it comes.
    """
    target = url or source.url or ""
    limit = time.monotonic() + settings.request_timeout
    run_deadline = deadline
    deadline = limit if run_deadline is None else min(run_deadline, limit)
    if session is None:
        with new_session() as own:
            result = _fetch(source, target, validators, settings, deadline, own)
    else:
        result = _fetch(source, target, validators, settings, deadline, session)
    if (
        result.error_kind == "timeout"
        and run_deadline is not None
        and run_deadline < limit
        and time.monotonic() >= run_deadline
    ):
        # The run's budget cut this request short: not the source's fault.
        return replace(
            result, error_kind="budget", error="cut off: the run's time budget was spent"
        )
    return result


def _fetch(
    source: Source,
    url: str,
    validators: Validators,
    settings: FetchSettings,
    deadline: float,
    session: requests.Session,
) -> Fetched:
    hops: list[tuple[int, str]] = []
    try:
        return _follow(source, url, validators, settings, deadline, session, hops)
    except (
        _Stopped,
        _TooLarge,
        _OutOfTime,
        requests.RequestException,
        urllib3.exceptions.HTTPError,
    ) as e:
        kind, message = _failure(e, settings)
        return Fetched(source, url, None, error=message, error_kind=kind, redirects=tuple(hops))


def _follow(
    source: Source,
    url: str,
    validators: Validators,
    settings: FetchSettings,
    deadline: float,
    session: requests.Session,
    hops: list[tuple[int, str]],
) -> Fetched:
    """GET ``url``, following redirects by hand (each hop recorded in ``hops``).

    A request that cannot go on raises; :func:`_fetch` says why in the result.
    """
    seen = [url]
    target = url
    for _ in range(settings.max_redirects + 1):
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Stopped("timeout", "gave up: out of time before the request could start")
        timeout = (min(settings.connect_timeout, left), min(settings.read_timeout, left))
        with session.get(
            target,
            headers=conditional_headers(validators),
            timeout=timeout,
            stream=True,
            allow_redirects=False,
        ) as response:
            location = response.headers.get("Location")
            if response.status_code not in _REDIRECTS or not location:
                return _response(source, target, response, validators, settings, deadline, hops)
            joined = urls.join(target, location)
            if joined is None:
                raise _Stopped("redirect", f"redirect to an unreadable URL: {location[:200]!r}")
            target = joined
            hops.append((response.status_code, target))
            if target in seen:
                loop = " -> ".join([*seen[seen.index(target) :], target])
                raise _Stopped("redirect", f"redirect loop: {loop}")
            seen.append(target)
    raise _Stopped("redirect", f"too many redirects (more than {settings.max_redirects})")


def _failure(error: Exception, settings: FetchSettings) -> tuple[FetchErrorKind, str]:
    """The error kind and message for what stopped a request."""
    if isinstance(error, _Stopped):
        return error.kind, error.message
    if isinstance(error, _TooLarge):
        return "too_large", f"response larger than {settings.max_bytes} bytes; aborted"
    if isinstance(error, _OutOfTime):
        return "timeout", "response still arriving when its time ran out; aborted"
    if isinstance(error, (requests.Timeout, urllib3.exceptions.ReadTimeoutError)):
        return "timeout", (
            f"timed out ({settings.connect_timeout:g}s connect / {settings.read_timeout:g}s read)"
        )
    if isinstance(
        error, (requests.exceptions.ContentDecodingError, urllib3.exceptions.DecodeError)
    ):
        return "decoding", f"broken compressed body: {_short(error)}"
    if isinstance(error, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema)):
        return "invalid_url", f"invalid URL: {_short(error)}"
    if isinstance(error, (requests.ConnectionError, urllib3.exceptions.ProtocolError)):
        return "connection", f"connection failed: {_short(error)}"
    return "connection", f"request failed: {_short(error)}"


def _response(
    source: Source,
    url: str,
    response: requests.Response,
    validators: Validators,
    settings: FetchSettings,
    deadline: float,
    hops: list[tuple[int, str]],
) -> Fetched:
    headers = tuple((k, v) for k, v in response.headers.items())
    status = response.status_code
    if status == 304:
        return Fetched(
            source,
            url,
            304,
            headers=headers,
            validators=validators,
            not_modified=True,
            redirects=tuple(hops),
        )
    if status >= 300:
        kind: FetchErrorKind = (
            "gone" if status == 410 else "rate_limited" if status == 429 else "http"
        )
        return Fetched(
            source,
            url,
            status,
            headers=headers,
            error=f"HTTP {status} {response.reason or ''}".strip(),
            error_kind=kind,
            redirects=tuple(hops),
        )
    content = _read_capped(response, settings.max_bytes, deadline)
    return Fetched(
        source,
        url,
        status,
        content=content,
        headers=headers,
        validators=Validators(
            etag=response.headers.get("ETag"), last_modified=response.headers.get("Last-Modified")
        ),
        redirects=tuple(hops),
    )


class _Stopped(Exception):
    """A request given up for a reason of jjfeed's own (time, redirects)."""

    def __init__(self, kind: FetchErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


class _TooLarge(Exception):
    pass


class _OutOfTime(Exception):
    pass


def _read_capped(response: requests.Response, max_bytes: int, deadline: float) -> bytes:
    """The decoded body, aborted past ``max_bytes`` or ``deadline``.

    ``read1`` returns whatever has arrived, so a server dripping one byte at
    a time is checked against the deadline between drips; each read adds at
    least a byte or ends the body, so the loop is bounded by ``max_bytes``.
    """
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    for _ in range(max_bytes + 2):
        if time.monotonic() > deadline:
            raise _OutOfTime
        chunk = response.raw.read1(CHUNK, decode_content=True)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise _TooLarge
        chunks.append(chunk)
    raise _TooLarge


def _short(error: Exception) -> str:
    text = str(error)
    return text if len(text) <= 200 else text[:197] + "..."


# -- many sources at once --------------------------------------------------------


def next_job(hosts: Sequence[str], active: Mapping[str, int], per_host: int) -> int | None:
    """Index of the first waiting job whose host has a free slot, or None (a pure decision)."""
    for i, host in enumerate(hosts):
        if active.get(host, 0) < per_host:
            return i
    return None


def fetch_all(
    jobs: Sequence[Job],
    *,
    settings: FetchSettings = DEFAULTS,
    deadline: float | None = None,
) -> Fetching:
    """Start fetching every job; iterate the result for them in the order of ``jobs``.

    ``settings.workers`` threads share the jobs, each taking the first
    waiting one whose host has fewer than ``settings.per_host`` requests in
    flight. Jobs still waiting at ``deadline`` (default: now plus the time
    budget) come back as ``error_kind="budget"`` without a request. The
    threads start at once, so the caller can do other work meanwhile and
    start on the first results while the rest are fetched.
    """
    if deadline is None:
        deadline = time.monotonic() + settings.time_budget
    return Fetching(jobs, settings, deadline)


class Fetching:
    """Fetches in progress: iterate for results in job order; ``close`` (or ``with``) ends it."""

    def __init__(self, jobs: Sequence[Job], settings: FetchSettings, deadline: float) -> None:
        self._pool = _Pool(jobs, settings, deadline)
        self._join = settings.connect_timeout + settings.read_timeout + 5
        self._threads = [
            threading.Thread(target=self._pool.work, name=f"jjfeed-fetch-{i}", daemon=True)
            for i in range(min(settings.workers, len(jobs)))
        ]
        for thread in self._threads:
            thread.start()

    def __iter__(self) -> Iterator[Fetched]:
        for i in range(len(self._pool.jobs)):
            yield self._pool.result(i)

    def close(self, *, wait: bool = True) -> None:
        """Take no more jobs; with ``wait``, let the requests in flight finish (bounded).

        Without ``wait`` the threads are left to end on their own: they are
        daemons, so a Ctrl-C does not sit out a hanging server's read timeout.
        """
        self._pool.cancel()
        if not wait:
            return
        for thread in self._threads:
            thread.join(timeout=self._join)

    def __enter__(self) -> Fetching:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        # Leaving on an exception (KeyboardInterrupt above all): nobody wants the results.
        self.close(wait=exc_type is None)


class _Pool:
    """The shared queue of jobs, the per-host counts and the finished results."""

    def __init__(self, jobs: Sequence[Job], settings: FetchSettings, deadline: float) -> None:
        self.jobs, self.settings, self.deadline = jobs, settings, deadline
        self.waiting = list(range(len(jobs)))
        self.active: Counter[str] = Counter()
        self.results: dict[int, Fetched] = {}
        self.cancelled = False
        self.cond = threading.Condition()
        # No request outlives the deadline by more than its own timeouts.
        self.hard_stop = deadline + settings.connect_timeout + settings.read_timeout + 5

    def work(self) -> None:
        with new_session() as session:
            for _ in range(len(self.jobs)):
                index = self._take()
                if index is None:
                    return
                job = self.jobs[index]
                result = fetch(
                    job.source,
                    job.validators,
                    url=job.url,
                    settings=self.settings,
                    deadline=self.deadline,
                    session=session,
                )
                with self.cond:
                    self.active[job.host] -= 1
                    self.results[index] = result
                    self.cond.notify_all()

    def _take(self) -> int | None:
        with self.cond:
            while not self.cancelled and self.waiting:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    self._expire()
                    return None
                pick = next_job(
                    [self.jobs[i].host for i in self.waiting], self.active, self.settings.per_host
                )
                if pick is not None:
                    index = self.waiting.pop(pick)
                    self.active[self.jobs[index].host] += 1
                    return index
                # Every waiting job's host is busy: a finishing request wakes us.
                self.cond.wait(timeout=min(left, 1.0))
            return None

    def _expire(self) -> None:
        for index in self.waiting:
            job = self.jobs[index]
            self.results[index] = Fetched(
                job.source,
                job.url,
                None,
                error="not fetched: the run's time budget was spent",
                error_kind="budget",
            )
        self.waiting.clear()
        self.cond.notify_all()

    def result(self, index: int) -> Fetched:
        with self.cond:
            while index not in self.results:
                now = time.monotonic()
                if now >= self.deadline and self.waiting:
                    self._expire()
                    continue
                if now >= self.hard_stop:
                    job = self.jobs[index]
                    return Fetched(
                        job.source,
                        job.url,
                        None,
                        error="the request did not finish in time",
                        error_kind="timeout",
                    )
                self.cond.wait(timeout=min(1.0, max(0.01, self.hard_stop - now)))
            return self.results[index]

    def cancel(self) -> None:
        with self.cond:
            self.cancelled = True
            self.cond.notify_all()
