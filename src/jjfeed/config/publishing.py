"""feeds.yaml's publishing part: outputs, self link, hub and tags (issue 5)."""

from __future__ import annotations

import re

import yaml

from ..model import OutputSpec, Tagging, TagRule
from .validate import BOOL_TAG, STR_TAG, Validator, join_key

_OUTPUT_KEYS = (
    "path", "formats", "limit", "title", "link", "id", "description",
    "include_tags", "exclude_tags", "query",
)  # fmt: skip
_OUTPUT_FORMATS = ("atom", "rss", "json", "html", "opml")
_TAGS_KEYS = ("auto", "auto_max", "synonyms", "rules")
_RULE_KEYS = ("tag", "words", "regex")


def http_url(
    v: Validator, entry: dict[str, tuple[yaml.Node, yaml.Node]], key: str, where: str = ""
) -> str | None:
    url: str | None = v.str_(entry, key, None, where=where)
    if url is not None and not url.startswith(("http://", "https://")):
        raise v.error(entry[key][1], join_key(where, key), f"not an http(s) URL: {url!r}")
    return url


def outputs(v: Validator, top: dict[str, tuple[yaml.Node, yaml.Node]]) -> tuple[OutputSpec, ...]:
    if "hub" in top and "public_url" not in top:
        raise v.error(
            top["hub"][1], "hub", "a hub needs public_url, the address feeds are served at"
        )
    if "outputs" not in top:
        return ()
    specs: list[OutputSpec] = []
    seen: dict[str, int] = {}
    for where, item, entry in v.mappings(top, "outputs", _OUTPUT_KEYS, nonempty=True):
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
                link=http_url(v, entry, "link", where),
                id=v.str_(entry, "id", None, where=where),
                description=v.str_(entry, "description", None, where=where),
                include_tags=v.str_list(entry, "include_tags", where=where),
                exclude_tags=v.str_list(entry, "exclude_tags", where=where),
                query=v.str_(entry, "query", None, where=where),
            )
        )
    return tuple(specs)


def tagging(v: Validator, top: dict[str, tuple[yaml.Node, yaml.Node]]) -> Tagging:
    if "tags" not in top:
        return Tagging()
    section = v.mapping(top["tags"][1], "tags")
    v.known_keys(section, _TAGS_KEYS, "tags.")
    auto = True
    if "auto" in section:
        node = section["auto"][1]
        if not isinstance(node, yaml.ScalarNode) or node.tag != BOOL_TAG:
            raise v.error(node, "tags.auto", "must be true or false")
        auto = bool(yaml.safe_load(node.value))
    return Tagging(
        rules=_tag_rules(v, section),
        synonyms=_synonyms(v, section),
        auto=auto,
        auto_max=v.int_(section, "auto_max", 5, where="tags", minimum=0),
    )


def _synonyms(
    v: Validator, section: dict[str, tuple[yaml.Node, yaml.Node]]
) -> tuple[tuple[str, str], ...]:
    """``synonyms: {Canonical: [variant, ...]}`` (or one variant as a string)."""
    if "synonyms" not in section:
        return ()
    pairs: list[tuple[str, str]] = []
    mapping = v.mapping(section["synonyms"][1], "tags.synonyms")
    for canonical, (_, node) in mapping.items():
        where = f"tags.synonyms.{canonical}"
        if isinstance(node, yaml.ScalarNode) and node.tag == STR_TAG:
            variants: tuple[str, ...] = (node.value,)
        else:
            variants = v.str_list(mapping, canonical, where="tags.synonyms")
        if not variants:
            raise v.error(node, where, "must name at least one variant")
        pairs.extend((variant, canonical) for variant in variants)
    return tuple(pairs)


def _tag_rules(
    v: Validator, section: dict[str, tuple[yaml.Node, yaml.Node]]
) -> tuple[TagRule, ...]:
    if "rules" not in section:
        return ()
    rules = []
    for where, item, entry in v.mappings(section, "rules", _RULE_KEYS, where="tags"):
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
    v: Validator, entry: dict[str, tuple[yaml.Node, yaml.Node]], key: str, where: str
) -> tuple[str, ...]:
    if key in entry and isinstance(entry[key][1], yaml.ScalarNode):
        return (v.str_(entry, key, None, where=where),)
    return v.str_list(entry, key, where=where)
