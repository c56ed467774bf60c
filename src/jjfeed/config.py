"""Read and validate feeds.yaml into typed objects.

The user's file states only what differs from the shipped defaults. Every
error names the file, the line and the key, because the person reading it
is usually looking at a cron mail, not at the code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from .atomic import write_atomic
from .errors import ConfigError
from .model import FeedInfo, FetchSettings, OutputSpec, Source, Tagging, TagRule

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
    database: Path = DEFAULT_DATABASE
    output: Path = DEFAULT_OUTPUT
    feed: FeedInfo = field(default_factory=FeedInfo)
    path: Path | None = None
    # One feed entry per duplicate cluster, or one per story.
    group: str = "cluster"
    # New articles are compared with what arrived within this window...
    window: timedelta = timedelta(days=DEFAULT_WINDOW_DAYS)
    # ...and grouped into stories with articles dated within this one.
    story_window: timedelta = timedelta(days=DEFAULT_STORY_WINDOW_DAYS)
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
    database: Path | None = None,
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
    v = _Validator(path)
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
        public_url=_http_url(v, top, "public_url"),
        hub=_http_url(v, top, "hub"),
    )
    group = v.str_(top, "group", "cluster")
    if group not in GROUPS:
        raise v.error(
            top["group"][1], "group", f"must be one of {', '.join(GROUPS)}, got {group!r}"
        )
    window, story_window = _dedup(v, top)
    backend, redis_url, redis_namespace = _dedup_backend(v, top)
    return Config(
        outputs=_outputs(v, top),
        tagging=_tagging(v, top),
        sources=_sources(v, top, base),
        database=base / v.str_(top, "database", str(DEFAULT_DATABASE)),
        output=base / v.str_(top, "output", str(DEFAULT_OUTPUT)),
        feed=feed,
        path=path,
        group=group,
        window=window,
        story_window=story_window,
        max_entries=v.int_(top, "max_entries", DEFAULT_MAX_ENTRIES, minimum=1),
        processes=v.int_(top, "processes", 0, minimum=0),
        fetch=_fetch_settings(v, top),
        dedup_backend=backend,
        redis_url=redis_url,
        redis_namespace=redis_namespace,
    )


def _dedup(
    v: _Validator, top: dict[str, tuple[yaml.Node, yaml.Node]]
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
    v: _Validator, top: dict[str, tuple[yaml.Node, yaml.Node]]
) -> tuple[str, str | None, str]:
    """``dedup.backend`` and the ``redis:`` section it needs when it is ``redis``."""
    backend = "sqlite"
    if "dedup" in top:
        section = v.mapping(top["dedup"][1], "dedup")
        backend = v.str_(section, "backend", "sqlite", where="dedup")
        if backend not in DEDUP_BACKENDS:
            raise v.error(
                section["backend"][1],
                "dedup.backend",
                f"must be one of {', '.join(DEDUP_BACKENDS)}, got {backend!r}",
            )
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
    "connect_timeout": ("connect_timeout", 1),
    "read_timeout": ("read_timeout", 1),
    "max_size": ("max_bytes", 1024),
}


def _fetch_settings(v: _Validator, top: dict[str, tuple[yaml.Node, yaml.Node]]) -> FetchSettings:
    defaults = FetchSettings()
    changes: dict[str, Any] = {}
    for key, (attr, minimum) in _FETCH_KEYS.items():
        if key in top:
            changes[attr] = v.int_(top, key, 0, minimum=minimum)
    settings = replace(defaults, **changes)
    # A whole request may take twice the read timeout, and never more than the budget.
    total = max(defaults.request_timeout, 2 * settings.read_timeout)
    return replace(settings, request_timeout=min(total, settings.time_budget))


MAX_INT = 1_000_000_000
_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_TOP_KEYS = (
    "title", "link", "id", "description", "limit", "database", "output", "sources",
    "group", "dedup", "max_entries", "processes", "redis", *_FETCH_KEYS,
)  # fmt: skip
_DEDUP_KEYS = ("window_days", "story_window_days", "backend")
_REDIS_KEYS = ("url", "namespace")
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
_SOURCE_KEYS = ("name", "url", "path", "tags", "priority", "dedup")


def _sources(
    v: _Validator, top: dict[str, tuple[yaml.Node, yaml.Node]], base: Path
) -> tuple[Source, ...]:
    if "sources" not in top:
        return ()
    key_node, node = top["sources"]
    if not isinstance(node, yaml.SequenceNode):
        raise v.error(node, "sources", "must be a list of sources")
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(node.value):
        where = f"sources[{i}]"
        entry = v.mapping(item, where)
        v.known_keys(entry, _SOURCE_KEYS, where + ".")
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


class _Validator:
    """Typed access to YAML nodes that reports errors with file:line: key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, node: yaml.Node, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{node.start_mark.line + 1}: {key}: {message}")

    def mapping(self, node: yaml.Node, where: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, where, "must be a mapping of keys to values")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                raise self.error(key_node, where, "keys must be strings")
            if key in out:
                raise self.error(key_node, _join(where, key), "duplicate key")
            out[key] = (key_node, value_node)
        return out

    def known_keys(
        self, entry: dict[str, tuple[yaml.Node, yaml.Node]], allowed: tuple[str, ...], prefix: str
    ) -> None:
        for key, (key_node, _) in entry.items():
            if key not in allowed:
                raise self.error(
                    key_node, prefix + key, f"unknown key (expected one of: {', '.join(allowed)})"
                )

    def _scalar(
        self,
        entry: dict[str, tuple[yaml.Node, yaml.Node]],
        key: str,
        where: str,
        kind: str,
        tag: str,
    ) -> Any:
        _, node = entry[key]
        name = _join(where, key)
        if not isinstance(node, yaml.ScalarNode) or node.tag != tag:
            shown = (
                node.value
                if isinstance(node, yaml.ScalarNode)
                else type(node).__name__.replace("Node", "").lower()
            )
            raise self.error(node, name, f"must be {kind}, got {shown!r}")
        if tag == _INT_TAG:
            return yaml.safe_load(node.value)
        if not node.value.strip():
            raise self.error(node, name, f"must be {kind}, got an empty value")
        return node.value.strip()

    def str_(
        self,
        entry: dict[str, tuple[yaml.Node, yaml.Node]],
        key: str,
        default: str | None,
        *,
        where: str = "",
    ) -> Any:
        if key not in entry:
            return default
        return self._scalar(entry, key, where, "a string", _STR_TAG)

    def int_(
        self,
        entry: dict[str, tuple[yaml.Node, yaml.Node]],
        key: str,
        default: int,
        *,
        where: str = "",
        minimum: int | None = None,
    ) -> int:
        if key not in entry:
            return default
        value: int = self._scalar(entry, key, where, "an integer", _INT_TAG)
        if abs(value) > MAX_INT:  # SQLite holds 64-bit integers; nothing here needs more
            raise self.error(entry[key][1], _join(where, key), f"must be at most {MAX_INT}")
        if minimum is not None and value < minimum:
            raise self.error(entry[key][1], _join(where, key), f"must be at least {minimum}")
        return value

    def bool_(
        self,
        entry: dict[str, tuple[yaml.Node, yaml.Node]],
        key: str,
        default: bool,
        *,
        where: str = "",
    ) -> bool:
        if key not in entry:
            return default
        _, node = entry[key]
        if not isinstance(node, yaml.ScalarNode) or node.tag != _BOOL_TAG:
            shown = node.value if isinstance(node, yaml.ScalarNode) else "a collection"
            raise self.error(node, _join(where, key), f"must be true or false, got {shown!r}")
        return bool(yaml.safe_load(node.value))

    def str_list(
        self, entry: dict[str, tuple[yaml.Node, yaml.Node]], key: str, *, where: str = ""
    ) -> tuple[str, ...]:
        if key not in entry:
            return ()
        _, node = entry[key]
        name = _join(where, key)
        if isinstance(node, yaml.ScalarNode):
            raise self.error(node, name, "must be a list of strings")
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, name, "must be a list of strings")
        out = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode) or item.tag != _STR_TAG:
                raise self.error(item, name, "must be a list of strings")
            out.append(item.value)
        return tuple(out)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


# -- adding sources (jjfeed add, jjfeed import-opml) -----------------------------


def append_sources(path: Path, sources: Sequence[Source]) -> Config:
    """Add ``sources`` to the end of feeds.yaml's source list and save; return the new config.

    The file is edited as text: the new items go right after the last
    existing one, in its indentation, so every comment, blank line and key
    order stays as the person wrote it. The result is validated before it
    replaces the file (a duplicate name changes nothing).
    """
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read config file: {e}") from e
    parse_config(text, path)
    new_text = insert_sources(text, sources, path)
    config = parse_config(new_text, path)
    _write_atomically(path, new_text)
    return config


def insert_sources(text: str, sources: Sequence[Source], path: Path) -> str:
    """``text`` with ``sources`` appended to its ``sources:`` list (created when absent)."""
    if not sources:
        return text
    root = yaml.compose(text, Loader=yaml.SafeLoader) if text.strip() else None
    node = None
    if isinstance(root, yaml.MappingNode):
        node = next((v for k, v in root.value if k.value == "sources"), None)
    if node is None:
        block = "".join(_render(s, "  ", " ") for s in sources)
        sep = "" if not text or text.endswith("\n") else "\n"
        return f"{text}{sep}sources:\n{block}"
    if not isinstance(node, yaml.SequenceNode):
        raise ConfigError(f"{path}:{node.start_mark.line + 1}: sources: must be a list of sources")
    if node.flow_style:
        if node.value:
            raise ConfigError(
                f"{path}:{node.start_mark.line + 1}: sources: written as a [...] list; "
                "write it as a block list (one '- name: ...' per source) so jjfeed can add to it"
            )
        block = "".join(_render(s, "  ", " ") for s in sources).rstrip("\n")
        head = text[: node.start_mark.index].rstrip(" \t")
        return head + "\n" + block + text[node.end_mark.index :]
    first = node.value[0]
    line = text.splitlines()[first.start_mark.line]
    dash = line.index("-")
    indent, gap = line[:dash], " " * max(1, first.start_mark.column - dash - 1)
    end = _content_end(node.value[-1]).index
    newline = text.find("\n", end)
    at = len(text) if newline < 0 else newline + 1
    head = text[:at] if newline >= 0 else text[:at] + "\n"
    return head + "".join(_render(s, indent, gap) for s in sources) + text[at:]


def _content_end(node: yaml.Node) -> yaml.Mark:
    """Where a block node's last value ends (a mapping's own end mark runs past comments)."""
    for _ in range(100):  # nesting depth; feeds.yaml is two or three levels deep
        if isinstance(node, yaml.MappingNode) and node.value and not node.flow_style:
            node = node.value[-1][1]
        elif isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
            node = node.value[-1]
        else:
            break
    return node.end_mark


def _render(source: Source, indent: str, gap: str) -> str:
    pad = indent + " " + gap
    lines = [f"{indent}-{gap}name: {_scalar(source.name)}"]
    lines.append(f"{pad}url: {_scalar(source.url or '')}")
    if source.tags:
        lines.append(f"{pad}tags: [{', '.join(_scalar(t, flow=True) for t in source.tags)}]")
    if source.priority:
        lines.append(f"{pad}priority: {source.priority}")
    if not source.dedup:
        lines.append(f"{pad}dedup: false")
    return "\n".join(lines) + "\n"


_PLAIN = re.compile(r"^[\w][\w .,/:?&=%+~@()'-]*$")


def _scalar(value: str, *, flow: bool = False) -> str:
    """A YAML scalar for ``value``: plain when that reads back as the same string, else quoted."""
    plain = _PLAIN.match(value) and ": " not in value and " #" not in value
    if plain and flow and "," in value:
        plain = False
    if plain:
        try:
            if yaml.safe_load(f"k: {value}") == {"k": value}:
                return value
        except yaml.YAMLError:
            pass
    return json.dumps(value, ensure_ascii=False)


def _write_atomically(path: Path, text: str) -> None:
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as e:
        raise ConfigError(f"{path}: cannot write config file: {e}") from e


# -- publishing: outputs, self link, hub, tags (issue 5) ----------------------------

_TOP_KEYS = (*_TOP_KEYS, "public_url", "hub", "outputs", "tags")  # type: ignore[assignment]
_OUTPUT_KEYS = (
    "path", "formats", "limit", "title", "link", "id", "description",
    "include_tags", "exclude_tags", "query",
)  # fmt: skip
_OUTPUT_FORMATS = ("atom", "rss", "json", "html", "opml")
_TAGS_KEYS = ("auto", "auto_max", "synonyms", "rules")
_RULE_KEYS = ("tag", "words", "regex")
_BOOL_TAG = "tag:yaml.org,2002:bool"


def _http_url(
    v: _Validator, entry: dict[str, tuple[yaml.Node, yaml.Node]], key: str, where: str = ""
) -> str | None:
    url: str | None = v.str_(entry, key, None, where=where)
    if url is not None and not url.startswith(("http://", "https://")):
        raise v.error(entry[key][1], _join(where, key), f"not an http(s) URL: {url!r}")
    return url


def _outputs(v: _Validator, top: dict[str, tuple[yaml.Node, yaml.Node]]) -> tuple[OutputSpec, ...]:
    if "hub" in top and "public_url" not in top:
        raise v.error(
            top["hub"][1], "hub", "a hub needs public_url, the address feeds are served at"
        )
    if "outputs" not in top:
        return ()
    _, node = top["outputs"]
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise v.error(node, "outputs", "must be a non-empty list of outputs")
    specs: list[OutputSpec] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(node.value):
        where = f"outputs[{i}]"
        entry = v.mapping(item, where)
        v.known_keys(entry, _OUTPUT_KEYS, where + ".")
        path = (v.str_(entry, "path", "", where=where) or "").strip("/")
        if path == ".":
            path = ""
        if path.startswith("/") or ".." in path.split("/"):
            raise v.error(entry["path"][1], f"{where}.path", "must be a folder inside output")
        if path in seen:
            raise v.error(
                item,
                f"{where}.path",
                f"output {path or '.'!r} repeated (first on line {seen[path]})",
            )
        seen[path] = item.start_mark.line + 1
        formats = v.str_list(entry, "formats", where=where) or _OUTPUT_FORMATS
        for fmt in formats:
            if fmt not in _OUTPUT_FORMATS:
                raise v.error(
                    entry["formats"][1],
                    f"{where}.formats",
                    f"unknown format {fmt!r} (expected some of: {', '.join(_OUTPUT_FORMATS)})",
                )
        limit = v.int_(entry, "limit", 0, where=where, minimum=1) if "limit" in entry else None
        specs.append(
            OutputSpec(
                path=path,
                formats=tuple(dict.fromkeys(formats)),
                limit=limit,
                title=v.str_(entry, "title", None, where=where),
                link=_http_url(v, entry, "link", where),
                id=v.str_(entry, "id", None, where=where),
                description=v.str_(entry, "description", None, where=where),
                include_tags=v.str_list(entry, "include_tags", where=where),
                exclude_tags=v.str_list(entry, "exclude_tags", where=where),
                query=v.str_(entry, "query", None, where=where),
            )
        )
    return tuple(specs)


def _tagging(v: _Validator, top: dict[str, tuple[yaml.Node, yaml.Node]]) -> Tagging:
    if "tags" not in top:
        return Tagging()
    section = v.mapping(top["tags"][1], "tags")
    v.known_keys(section, _TAGS_KEYS, "tags.")
    auto = True
    if "auto" in section:
        node = section["auto"][1]
        if not isinstance(node, yaml.ScalarNode) or node.tag != _BOOL_TAG:
            raise v.error(node, "tags.auto", "must be true or false")
        auto = bool(yaml.safe_load(node.value))
    return Tagging(
        rules=_tag_rules(v, section),
        synonyms=_synonyms(v, section),
        auto=auto,
        auto_max=v.int_(section, "auto_max", 5, where="tags", minimum=0),
    )


def _synonyms(
    v: _Validator, section: dict[str, tuple[yaml.Node, yaml.Node]]
) -> tuple[tuple[str, str], ...]:
    """``synonyms: {Canonical: [variant, ...]}`` (or one variant as a string)."""
    if "synonyms" not in section:
        return ()
    pairs: list[tuple[str, str]] = []
    mapping = v.mapping(section["synonyms"][1], "tags.synonyms")
    for canonical, (_, node) in mapping.items():
        where = f"tags.synonyms.{canonical}"
        if isinstance(node, yaml.ScalarNode) and node.tag == _STR_TAG:
            variants: tuple[str, ...] = (node.value,)
        else:
            variants = v.str_list(mapping, canonical, where="tags.synonyms")
        if not variants:
            raise v.error(node, where, "must name at least one variant")
        pairs.extend((variant, canonical) for variant in variants)
    return tuple(pairs)


def _tag_rules(
    v: _Validator, section: dict[str, tuple[yaml.Node, yaml.Node]]
) -> tuple[TagRule, ...]:
    if "rules" not in section:
        return ()
    node = section["rules"][1]
    if not isinstance(node, yaml.SequenceNode):
        raise v.error(node, "tags.rules", "must be a list of rules")
    rules = []
    for i, item in enumerate(node.value):
        where = f"tags.rules[{i}]"
        entry = v.mapping(item, where)
        v.known_keys(entry, _RULE_KEYS, where + ".")
        tag = v.str_(entry, "tag", None, where=where)
        if tag is None:
            raise v.error(item, where, "missing required key 'tag'")
        words = _one_or_list(v, entry, "words", where)
        patterns = _one_or_list(v, entry, "regex", where)
        if not words and not patterns:
            raise v.error(item, where, "give 'words' or 'regex' (or both)")
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as e:
                raise v.error(
                    entry["regex"][1], f"{where}.regex", f"bad regex {pattern!r}: {e}"
                ) from e
        rules.append(TagRule(tag=tag, phrases=words, patterns=patterns))
    return tuple(rules)


def _one_or_list(
    v: _Validator, entry: dict[str, tuple[yaml.Node, yaml.Node]], key: str, where: str
) -> tuple[str, ...]:
    if key in entry and isinstance(entry[key][1], yaml.ScalarNode):
        return (v.str_(entry, key, None, where=where),)
    return v.str_list(entry, key, where=where)
