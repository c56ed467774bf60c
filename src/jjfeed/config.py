"""Read and validate feeds.yaml into typed objects.

The user's file states only what differs from the shipped defaults. Every
error names the file, the line and the key, because the person reading it
is usually looking at a cron mail, not at the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError
from .model import FeedInfo, OutputSpec, Source, Tagging, TagRule

DEFAULT_DATABASE = Path(".jjfeed/jjfeed.db")
DEFAULT_OUTPUT = Path("output")


@dataclass(frozen=True)
class Config:
    """Everything a run needs to know, resolved and validated."""

    sources: tuple[Source, ...] = ()
    database: Path = DEFAULT_DATABASE
    output: Path = DEFAULT_OUTPUT
    feed: FeedInfo = field(default_factory=FeedInfo)
    path: Path | None = None
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
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: cannot read config file: {e}") from e
        config = parse_config(text, path)
    overrides: dict[str, Any] = {}
    if database is not None:
        overrides["database"] = database
    if output is not None:
        overrides["output"] = output
    if overrides:
        config = Config(
            sources=config.sources,
            database=overrides.get("database", config.database),
            output=overrides.get("output", config.output),
            feed=config.feed,
            path=config.path,
            outputs=config.outputs,
            tagging=config.tagging,
        )
    return config


def parse_config(text: str, path: Path) -> Config:
    """Validate YAML ``text`` (read from ``path``) and build a :class:`Config`."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(e, "problem", None) or str(e)
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
    return Config(
        outputs=_outputs(v, top),
        tagging=_tagging(v, top),
        sources=_sources(v, top, base),
        database=base / v.str_(top, "database", str(DEFAULT_DATABASE)),
        output=base / v.str_(top, "output", str(DEFAULT_OUTPUT)),
        feed=feed,
        path=path,
    )


_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_TOP_KEYS = ("title", "link", "id", "description", "limit", "database", "output", "sources")
_SOURCE_KEYS = ("name", "url", "path", "tags", "priority")


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
        if minimum is not None and value < minimum:
            raise self.error(entry[key][1], _join(where, key), f"must be at least {minimum}")
        return value

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
