"""Read and validate feeds.yaml into typed objects.

The user's file states only what differs from the shipped defaults. Every
error names the file, the line and the key, because the person reading it
is usually looking at a cron mail, not at the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from ..model import FeedInfo, FetchSettings, OutputSpec, Source, Tagging
from ..store.backend import Database, as_database
from .publishing import http_url, outputs, tagging
from .validate import Validator

DEFAULT_DATABASE = Path(".jjfeed/jjfeed.db")
DEFAULT_OUTPUT = Path("output")
GROUPS = ("cluster", "story")
DEFAULT_WINDOW_DAYS = 30
DEFAULT_STORY_WINDOW_DAYS = 1
DEFAULT_MAX_ENTRIES = 1000
DEDUP_BACKENDS = ("sqlite", "redis")
DEFAULT_REDIS_NAMESPACE = "jjfeed"


@dataclass(frozen=True)
class Config:
    """Everything a run needs to know, resolved and validated."""

    sources: tuple[Source, ...] = ()
    database: Database = DEFAULT_DATABASE  # a file's path, or a postgresql:// URL
    output: Path = DEFAULT_OUTPUT
    feed: FeedInfo = field(default_factory=FeedInfo)
    path: Path | None = None
    # One feed entry per duplicate cluster, or one per story.
    group: str = "cluster"
    # New articles are compared with what arrived within this window...
    window: timedelta = timedelta(days=DEFAULT_WINDOW_DAYS)
    # ...and grouped into stories with articles dated within this one.
    story_window: timedelta = timedelta(days=DEFAULT_STORY_WINDOW_DAYS)
    # Stories weighed with count vectors over the story window (about a fifth more CPU than the
    # plain rule, fewer false story links; see docs/benchmarks.md).
    story_vectors: bool = True
    # Entries read from one feed at most; the rest are dropped with a warning.
    max_entries: int = DEFAULT_MAX_ENTRIES
    # Worker processes for parsing and cleaning: 0 is one per core, 1 is none.
    processes: int = 0
    fetch: FetchSettings = field(default_factory=FetchSettings)
    # Where duplicates are looked up: this machine's SQLite store, or a Redis
    # server that workers on several machines share (redis_url, key prefix).
    dedup_backend: str = "sqlite"
    redis_url: str | None = None
    redis_namespace: str = DEFAULT_REDIS_NAMESPACE
    outputs: tuple[OutputSpec, ...] = ()
    tagging: Tagging = field(default_factory=Tagging)


def load_config(
    path: Path,
    *,
    required: bool = True,
    database: Database | None = None,
    output: Path | None = None,
) -> Config:
    """Load ``path``; ``database``/``output`` (from flags or env) override the file.

    Relative paths inside the file are resolved against the file's folder, so
    a cron job started from another directory reads the same database.
    """
    if not path.exists() and not required:
        config = Config()
    else:
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            raise ConfigError(
                f"{path}:{line}: not UTF-8 (byte 0x{data[e.start]:02x}); save the file as UTF-8"
            ) from e
        except OSError as e:
            raise ConfigError(f"{path}: cannot read config file: {e.strerror or e}") from e
        config = parse_config(text, path)
    overrides: dict[str, Any] = {}
    if database is not None:
        overrides["database"] = database
    if output is not None:
        overrides["output"] = output
    if overrides:
        config = replace(config, **overrides)
    return config


def parse_config(text: str, path: Path) -> Config:
    """Validate YAML ``text`` (read from ``path``) and build a :class:`Config`."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as e:  # a character YAML does not allow; no mark, a position
        line = text.count("\n", 0, e.position) + 1
        raise ConfigError(
            f"{path}:{line}: invalid YAML: {e.reason} (character #x{e.character:04x})"
        ) from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError(f"{where}: invalid YAML: {problem}") from e
    if root is None:
        return Config(path=path)
    v = Validator(path)
    top = v.mapping(root, "top level")
    v.known_keys(top, _TOP_KEYS, "")
    base = path.parent
    feed_defaults = FeedInfo()
    feed = FeedInfo(
        title=v.str_(top, "title", feed_defaults.title),
        link=v.str_(top, "link", feed_defaults.link),
        id=v.str_(top, "id", feed_defaults.id),
        description=v.str_(top, "description", feed_defaults.description),
        limit=v.int_(top, "limit", feed_defaults.limit, minimum=1),
        public_url=http_url(v, top, "public_url"),
        hub=http_url(v, top, "hub"),
    )
    group = v.one_of(top, "group", GROUPS, "cluster")
    window, story_window = _dedup(v, top)
    story_vectors = True
    if "dedup" in top:
        dedup_section = v.mapping(top["dedup"][1], "dedup")
        story_vectors = v.bool_(dedup_section, "story_vectors", True, where="dedup")
    backend, redis_url, redis_namespace = _dedup_backend(v, top)
    return Config(
        outputs=outputs(v, top),
        tagging=tagging(v, top),
        sources=_sources(v, top, base),
        database=as_database(v.str_(top, "database", str(DEFAULT_DATABASE)), base),
        output=base / v.str_(top, "output", str(DEFAULT_OUTPUT)),
        feed=feed,
        path=path,
        group=group,
        window=window,
        story_window=story_window,
        story_vectors=story_vectors,
        max_entries=v.int_(top, "max_entries", DEFAULT_MAX_ENTRIES, minimum=1),
        processes=v.int_(top, "processes", 0, minimum=0),
        fetch=_fetch_settings(v, top),
        dedup_backend=backend,
        redis_url=redis_url,
        redis_namespace=redis_namespace,
    )


def _dedup(
    v: Validator, top: dict[str, tuple[yaml.Node, yaml.Node]]
) -> tuple[timedelta, timedelta]:
    """The ``dedup:`` section: how far back duplicates and stories are looked for."""
    if "dedup" not in top:
        return timedelta(days=DEFAULT_WINDOW_DAYS), timedelta(days=DEFAULT_STORY_WINDOW_DAYS)
    section = v.mapping(top["dedup"][1], "dedup")
    v.known_keys(section, _DEDUP_KEYS, "dedup.")
    days = v.int_(section, "window_days", DEFAULT_WINDOW_DAYS, where="dedup", minimum=1)
    story_days = v.int_(
        section, "story_window_days", DEFAULT_STORY_WINDOW_DAYS, where="dedup", minimum=0
    )
    return timedelta(days=days), timedelta(days=story_days)


def _dedup_backend(
    v: Validator, top: dict[str, tuple[yaml.Node, yaml.Node]]
) -> tuple[str, str | None, str]:
    """``dedup.backend`` and the ``redis:`` section it needs when it is ``redis``."""
    backend = "sqlite"
    if "dedup" in top:
        section = v.mapping(top["dedup"][1], "dedup")
        backend = v.one_of(section, "backend", DEDUP_BACKENDS, "sqlite", where="dedup")
    if "redis" not in top:
        if backend == "redis":
            node = v.mapping(top["dedup"][1], "dedup")["backend"][1]
            raise v.error(node, "dedup.backend", "redis needs a 'redis:' section with its url")
        return backend, None, DEFAULT_REDIS_NAMESPACE
    section = v.mapping(top["redis"][1], "redis")
    v.known_keys(section, _REDIS_KEYS, "redis.")
    url = v.str_(section, "url", None, where="redis")
    if url is None:
        raise v.error(top["redis"][1], "redis", "missing required key 'url'")
    if not url.startswith(_REDIS_SCHEMES):
        raise v.error(
            section["url"][1],
            "redis.url",
            f"not a Redis URL (expected {', '.join(_REDIS_SCHEMES)}...): {url!r}",
        )
    namespace = v.str_(section, "namespace", DEFAULT_REDIS_NAMESPACE, where="redis")
    return backend, url, namespace


# feeds.yaml key -> (FetchSettings field, minimum). All whole numbers.
_FETCH_KEYS = {
    "workers": ("workers", 1),
    "per_host": ("per_host", 1),
    "time_budget": ("time_budget", 1),
    "claim_timeout": ("claim_timeout", 1),
    "connect_timeout": ("connect_timeout", 1),
    "read_timeout": ("read_timeout", 1),
    "max_size": ("max_bytes", 1024),
}


def _fetch_settings(v: Validator, top: dict[str, tuple[yaml.Node, yaml.Node]]) -> FetchSettings:
    defaults = FetchSettings()
    changes: dict[str, Any] = {}
    for key, (attr, minimum) in _FETCH_KEYS.items():
        if key in top:
            changes[attr] = v.int_(top, key, 0, minimum=minimum)
    settings = replace(defaults, **changes)
    # A whole request may take twice the read timeout, and never more than the budget.
    total = max(defaults.request_timeout, 2 * settings.read_timeout)
    return replace(settings, request_timeout=min(total, settings.time_budget))


_TOP_KEYS = (
    "title", "link", "id", "description", "limit", "database", "output", "sources",
    "group", "dedup", "max_entries", "processes", "redis", *_FETCH_KEYS,
    "public_url", "hub", "outputs", "tags",
)  # fmt: skip
_DEDUP_KEYS = ("window_days", "story_window_days", "story_vectors", "backend")
_REDIS_KEYS = ("url", "namespace")
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
_SOURCE_KEYS = ("name", "url", "path", "tags", "priority", "dedup")


def _sources(
    v: Validator, top: dict[str, tuple[yaml.Node, yaml.Node]], base: Path
) -> tuple[Source, ...]:
    if "sources" not in top:
        return ()
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for where, item, entry in v.mappings(top, "sources", _SOURCE_KEYS):
        name = v.str_(entry, "name", None, where=where)
        if name is None:
            raise v.error(item, where, "missing required key 'name'")
        if name in seen:
            raise v.error(
                entry["name"][1],
                f"{where}.name",
                f"duplicate source name {name!r} (first on line {seen[name]})",
            )
        seen[name] = item.start_mark.line + 1
        url = v.str_(entry, "url", None, where=where)
        raw_path = v.str_(entry, "path", None, where=where)
        if (url is None) == (raw_path is None):
            raise v.error(item, where, "give exactly one of 'url' or 'path'")
        if url is not None and not url.startswith(("http://", "https://", "file://")):
            raise v.error(entry["url"][1], f"{where}.url", f"not an http(s) URL: {url!r}")
        tags = v.str_list(entry, "tags", where=where)
        sources.append(
            Source(
                name=name,
                url=url,
                path=(base / raw_path) if raw_path is not None else None,
                tags=tags,
                priority=v.int_(entry, "priority", 0, where=where),
                dedup=v.bool_(entry, "dedup", True, where=where),
            )
        )
    return tuple(sources)
