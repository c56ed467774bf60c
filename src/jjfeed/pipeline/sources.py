"""Managing the list of sources: add by autodiscovery, OPML in and out, state, enable.

Wiring like :mod:`pipeline` (it meets fetch, ingest, discover, opml, config
and store through their values), kept apart from it because none of this is
part of a run: these are the commands a person uses to look after feeds.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .. import discover, fetch, ingest, opml, schedule, urls
from ..config import Config, append_sources, load_config
from ..errors import ConfigError, FetchError, JJFeedError
from ..model import Fetched, FetchSettings, Source, SourceState
from ..store import Store
from ..store.backend import exists as database_exists

MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Found:
    """A feed found for a URL: where it is and what it calls itself."""

    url: str
    title: str | None


@dataclass(frozen=True)
class FeedRow:
    """One line of ``jjfeed feeds``: a configured source and what the store knows of it."""

    source: Source
    state: SourceState | None
    # The worker running it now (a shared store: its claim has not run out), else None.
    held_by: str | None = None

    @property
    def status(self) -> str:
        if self.held_by is not None:
            return "running"
        state = self.state
        if state is None or (state.last_attempt is None and state.last_success is None):
            return "failing" if state is not None and state.failures else "new"
        if state.disabled:
            return "disabled"
        if state.failures:
            return "failing"
        return "moved" if state.moved_to else "ok"

    def as_dict(self) -> dict[str, object]:
        s = self.state or SourceState(self.source.name)

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "name": self.source.name,
            "url": self.source.location,
            "fetching": s.moved_to or self.source.location,
            "status": self.status,
            "last_success": iso(s.last_success),
            "last_attempt": iso(s.last_attempt),
            "last_status": s.last_status,
            "failures": s.failures,
            "error_kind": s.error_kind,
            "last_error": s.last_error,
            "next_attempt": iso(s.next_attempt),
            "disabled": s.disabled,
            "etag": s.etag,
            "last_modified": s.last_modified,
            "held_by": self.held_by,
        }


def find_feed(url: str, settings: FetchSettings = fetch.DEFAULTS) -> Found:
    """The feed at ``url``: the URL itself if it serves a feed, else one its page announces."""
    if not url.startswith(("http://", "https://")):
        raise FetchError(f"{url}: not an http(s) URL")
    page = fetch.fetch(Source(_host(url), url=url), settings=settings)
    if not page.ok:
        raise FetchError(f"{url}: {page.error}")
    if _is_feed(page):
        return Found(schedule.permanent_target(page.redirects) or url, _title(page))
    text = ingest.decode(page.content, page.header("content-type"))
    links = discover.feed_links(text, page.url)
    if not links:
        raise FetchError(f'{url}: no feed here, and the page names none (<link rel="alternate">)')
    problems = []
    for link in links[:MAX_CANDIDATES]:
        got = fetch.fetch(Source(_host(link.url), url=link.url), settings=settings)
        if got.ok and _is_feed(got):
            return Found(link.url, _title(got) or link.title)
        problems.append(f"{link.url}: {got.error or 'not a feed'}")
    raise FetchError(f"{url}: the feeds the page names do not work: {'; '.join(problems)}")


def add(
    config_path: Path,
    url: str,
    *,
    name: str | None = None,
    tags: Sequence[str] = (),
) -> Source:
    """Find the feed for ``url`` and append it to feeds.yaml (created if missing)."""
    config = load_config(config_path, required=False)
    found = find_feed(url, config.fetch)
    for existing in config.sources:
        if existing.url == found.url:
            raise ConfigError(f"{config_path}: {found.url} is already there as {existing.name!r}")
    taken = {s.name for s in config.sources}
    name = _unique(name or found.title or _host(found.url), taken)
    source = Source(name, url=found.url, tags=tuple(tags))
    append_sources(config_path, [source])
    return source


def import_opml(config_path: Path, data: bytes, where: str) -> tuple[list[Source], list[str]]:
    """Append every feed of an OPML file not already in feeds.yaml; return (added, skipped)."""
    config = load_config(config_path, required=False)
    urls = {s.url for s in config.sources}
    taken = {s.name for s in config.sources}
    added: list[Source] = []
    skipped: list[str] = []
    for outline in opml.read_opml(data, where):
        if outline.url in urls:
            skipped.append(f"{outline.url}: already a source")
            continue
        name = _unique(outline.title, taken)
        taken.add(name)
        urls.add(outline.url)
        added.append(Source(name, url=outline.url, tags=outline.tags))
    if added:
        append_sources(config_path, added)
    return added, skipped


def export_opml(config: Config, now: datetime | None = None) -> str:
    """feeds.yaml's URL sources as OPML, each at the URL it is fetched from now."""
    states, _ = _states(config)
    sources = []
    for source in config.sources:
        state = states.get(source.name)
        if source.url and state is not None:
            source = Source(
                source.name,
                url=schedule.fetch_url(source, schedule.state_for(source, state)),
                tags=source.tags,
            )
        sources.append(source)
    return opml.write_opml(sources, config.feed.title, now or datetime.now(UTC))


def feed_rows(config: Config) -> list[FeedRow]:
    """Every configured source with its stored state (None when never run)."""
    states, held = _states(config)
    rows = []
    for source in config.sources:
        state = states.get(source.name)
        if source.url is not None and state is not None:
            state = schedule.state_for(source, state)
            if state.last_attempt is None and state.last_success is None and not state.failures:
                state = None
        rows.append(FeedRow(source, state, held.get(source.name)))
    return rows


def enable(config: Config, name: str) -> SourceState:
    """Switch a source back on (after a 410, or to try a backed-off source now).

    Only in a store that exists: a source that was never run has nothing to
    switch back on, and a mistyped ``--db`` must not leave an empty database.
    """
    source = next((s for s in config.sources if s.name == name), None)
    if source is None:
        raise ConfigError(f"{config.path}: no source named {name!r}")
    with Store(config.database, must_exist=True) as store:
        stored = store.get_source(name)
        state = schedule.enabled(schedule.state_for(source, stored))
        store.put_source(state)
        return state


def _states(config: Config) -> tuple[dict[str, SourceState], dict[str, str]]:
    """Every stored source state, and on a shared store who holds which source now."""
    if not database_exists(config.database):
        return {}, {}
    with Store(config.database) as store:
        states = {s.name: s for s in store.sources()}
        if not store.shared:
            return states, {}
        now = datetime.now(UTC)
        claims = store.claims().items()
        return states, {n: w for n, (w, until, _) in claims if w and until and until > now}


def _is_feed(fetched: Fetched) -> bool:
    return ingest.detect_kind(fetched.content, fetched.header("content-type")) == "feed"


def _title(fetched: Fetched) -> str | None:
    try:
        parsed = ingest.articles_from_bytes(
            fetched.content,
            source="add",
            location=fetched.url,
            url=fetched.url,
            headers=dict(fetched.headers),
        )
    except JJFeedError:
        return None
    return parsed.title.strip() if parsed.title and parsed.title.strip() else None


def _host(url: str) -> str:
    return urls.host(url) or url


def _unique(name: str, taken: set[str]) -> str:
    name = " ".join(name.split()) or "feed"
    if name not in taken:
        return name
    for n in range(2, len(taken) + 3):
        candidate = f"{name} ({n})"
        if candidate not in taken:
            return candidate
    raise ConfigError(f"cannot find a free name for {name!r}")  # unreachable: n ranges past taken
