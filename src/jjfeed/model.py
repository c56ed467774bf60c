"""Frozen values that cross stage boundaries.

Every stage takes and returns these types; no stage imports another. Times
are timezone-aware UTC ``datetime``s; text is ``str``; collections are tuples
so the values stay hashable and immutable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class Source:
    """One entry of ``sources:`` in feeds.yaml (or an ad-hoc ingest input)."""

    name: str
    url: str | None = None
    path: Path | None = None
    tags: tuple[str, ...] = ()
    priority: int = 0
    # False: this source's articles are never merged as duplicates (each its own cluster).
    dedup: bool = True

    @property
    def location(self) -> str:
        return self.url if self.url is not None else str(self.path)


@dataclass(frozen=True)
class Validators:
    """HTTP cache validators remembered per source for conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


# Why a fetch failed, when it did.
FetchErrorKind = Literal[
    "http", "gone", "rate_limited", "timeout", "connection", "too_large", "redirect",
    "decoding", "budget", "invalid_url",
]  # fmt: skip
# Why a source failed: its fetch, or its bytes ("parse"), or a local path ("read").
ErrorKind = Literal[FetchErrorKind, "parse", "read"]
# What a run did with a source.
RunStatus = Literal["ok", "not_modified", "failed", "skipped"]
# What a body is: an HTML fragment (a feed entry), a whole HTML page, plain text (a file
# or a scraped page's text: its first line may be its title), or a feed entry's plain
# text ("entry-text": its title is the feed's, every line of it is the text).
RawKind = Literal["html", "page", "text", "entry-text"]
# Words a headline adds to say it updates an earlier one ("UPDATE – ...", "... (updated)",
# "-- 3rd Update"): dedup's related titles and story's numbered series both read them.
UPDATE_WORDS = frozenset({"update", "updated", "updates", "corrected", "correction", "revised"})


@dataclass(frozen=True)
class Fetched:
    """What came back for one source: bytes and headers, or a 304, or an error."""

    source: Source
    url: str
    status: int | None
    content: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    validators: Validators = Validators()
    not_modified: bool = False
    error: str | None = None
    error_kind: FetchErrorKind | None = None  # set when error is
    # Every redirect hop followed: (status, the Location it pointed to).
    redirects: tuple[tuple[int, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None


@dataclass(frozen=True)
class Cleaned:
    """The clean stage's result for one article body."""

    text: str
    html: str
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    # What a link post shares, when the body names it (see jjfeed.clean.submission).
    external_url: str | None = None


@dataclass(frozen=True)
class Article:
    """One article as it moves through parse -> clean -> dedup -> tag -> store.

    ``raw`` is the body as it arrived (HTML fragment, page or plain text, as
    ``raw_kind`` says); ``text`` and ``html`` are filled in by the clean stage.
    """

    source: str
    guid: str
    url: str | None
    title: str
    raw: str = ""
    raw_kind: RawKind = "html"
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    tags: tuple[str, ...] = ()
    text: str = ""
    html: str = ""
    summary: str = ""
    # The section a byline or the page names ("Internet Culture"), when the clean stage found one.
    section: str | None = None
    # What a link post links to, when it is not ``url`` (JSON Feed's ``external_url``: a link
    # blog's post has its own permalink and points at someone else's article).
    external_url: str | None = None
    # Where it was read from (the feed's URL or file), for messages; not stored.
    origin: str = ""
    # Whether the link and the GUID name this entry alone, so another source carrying the
    # same one carries the same article (see parse.identity_keys); not stored.
    link_is_id: bool = True
    guid_is_id: bool = True


@dataclass(frozen=True)
class Signature:
    """A MinHash signature of an article's cleaned text, with its parameters."""

    params: str
    hashvalues: bytes


@dataclass(frozen=True)
class StoredArticle:
    """An article as the store holds it: the article plus its keys and cluster."""

    id: int
    article: Article
    canonical_url: str | None
    content_hash: str
    cluster: str
    fetched_at: datetime
    priority: int = 0


@dataclass(frozen=True)
class Cluster:
    """One merged feed entry: every stored copy of one article."""

    id: str
    members: tuple[StoredArticle, ...]
    representative: StoredArticle
    updated: datetime
    story: str = ""
    # Representatives of the other clusters in the same story: "Also covered by".
    coverage: tuple[StoredArticle, ...] = ()
    # The entry's final tags (tag stage: members' tags, rules, auto names); empty = members' tags.
    tags: tuple[str, ...] = ()
    # When a run last changed the entry after first filing it (a copy joined, a member's
    # text changed, coverage grew); None: never, so the article's own dates stand.
    changed: datetime | None = None


@dataclass(frozen=True)
class SourceResult:
    """The outcome of one source in one run: a value, never an exception."""

    source: str
    status: RunStatus  # "skipped": not due, disabled, or out of time
    new: int = 0
    duplicates: int = 0
    updated: int = 0
    # Entries given up on (a field no stage could read, a crash in cleaning or filing);
    # each has its warning line, and the source's other entries still landed.
    failed: int = 0
    warnings: tuple[str, ...] = ()
    error: str | None = None
    error_kind: ErrorKind | None = None
    # Something a person should read: a source disabled, a stored URL updated.
    note: str | None = None
    next_attempt: datetime | None = None
    # True when this outcome needs a person even under --quiet.
    alert: bool = False
    # Local files behind this source (ingest, path sources): read, read with warnings, rejected.
    files: int = 0
    files_warned: int = 0
    files_rejected: int = 0


@dataclass(frozen=True)
class FeedInfo:
    """The published feed's own metadata."""

    title: str = "jjfeed"
    link: str = "http://localhost/"
    id: str = "urn:uuid:6f1c8d52-3b0a-5a56-9a0e-3b0e4f7f2a11"
    description: str = "Merged and deduplicated by jjfeed"
    limit: int = 100
    # Where the output folder is really served; self links are built from it.
    public_url: str | None = None
    # A WebSub hub: the feeds carry rel="hub" and each publish pings it.
    hub: str | None = None


@dataclass(frozen=True)
class RunReport:
    """What one run did, source by source."""

    results: tuple[SourceResult, ...] = ()
    published: tuple[Path, ...] = ()
    entries: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def failed(self) -> tuple[SourceResult, ...]:
        return tuple(r for r in self.results if r.status == "failed")


@dataclass(frozen=True)
class FetchSettings:
    """How politely and how patiently sources are fetched (feeds.yaml can change each).

    Times are seconds. ``max_delay`` bounds every deferral: exponential
    backoff, ``Retry-After`` and ``Cache-Control: max-age``.
    """

    workers: int = 16
    per_host: int = 2
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    request_timeout: float = 60.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 10
    time_budget: float = 300.0
    # How long a worker sharing a PostgreSQL store holds the sources it claimed
    # (then another may take them: the first one died). Longer than a run.
    claim_timeout: float = 600.0
    backoff_base: float = 900.0
    max_delay: float = 86400.0
    redirect_runs: int = 3
    alert_after: int = 3


@dataclass(frozen=True)
class SourceState:
    """What the store remembers about one source between runs.

    ``url`` is the URL from feeds.yaml this state belongs to; ``moved_to`` is
    where a permanent redirect that held over several runs pointed, and is
    fetched instead. ``redirect_to``/``redirect_runs`` count the runs a
    permanent redirect has been seen in a row. ``disabled`` holds the reason
    (e.g. HTTP 410) while the source is switched off.
    """

    name: str
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_status: int | None = None
    error_kind: ErrorKind | None = None
    last_error: str | None = None
    failures: int = 0
    next_attempt: datetime | None = None
    disabled: str | None = None
    moved_to: str | None = None
    redirect_to: str | None = None
    redirect_runs: int = 0

    @property
    def validators(self) -> Validators:
        return Validators(self.etag, self.last_modified)


@dataclass(frozen=True)
class OutputSpec:
    """One published feed of ``outputs:`` in feeds.yaml: where, which formats, which entries.

    ``path`` is a folder relative to the output folder ("" for the folder itself).
    Unset ``title``/``link``/``id``/``description``/``limit`` come from the top-level feed.
    """

    path: str = ""
    formats: tuple[str, ...] = ("atom", "rss", "json", "html", "opml")
    limit: int | None = None
    title: str | None = None
    link: str | None = None
    id: str | None = None
    description: str | None = None
    include_tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    query: str | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.include_tags or self.exclude_tags or self.query)


@dataclass(frozen=True)
class TagRule:
    """Tag ``tag`` when any phrase (whole words) or regex matches the title or text."""

    tag: str
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tagging:
    """The ``tags:`` section of feeds.yaml."""

    rules: tuple[TagRule, ...] = ()
    # variant (compared without case) -> the one spelling to publish
    synonyms: tuple[tuple[str, str], ...] = ()
    auto: bool = True
    auto_max: int = 5
