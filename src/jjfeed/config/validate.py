"""Typed reading of YAML nodes, every error naming the file, the line and the key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

MAX_INT = 1_000_000_000
STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
BOOL_TAG = "tag:yaml.org,2002:bool"


class Validator:
    """Typed access to YAML nodes that reports errors with file:line: key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, node: yaml.Node, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{node.start_mark.line + 1}: {key}: {message}")

    def mappings(
        self,
        top: dict[str, tuple[yaml.Node, yaml.Node]],
        key: str,
        allowed: tuple[str, ...],
        *,
        nonempty: bool = False,
        where: str = "",
    ) -> Iterator[tuple[str, yaml.Node, dict[str, tuple[yaml.Node, yaml.Node]]]]:
        """Each item of the list under ``key``: where it is, its node, its keys (all known).

        ``where`` names the mapping ``top`` is, when it is not the file's top level.
        """
        _, node = top[key]
        name = join_key(where, key)
        if not isinstance(node, yaml.SequenceNode) or (nonempty and not node.value):
            raise self.error(
                node, name, f"must be {'a non-empty' if nonempty else 'a'} list of {key}"
            )
        for i, item in enumerate(node.value):
            place = f"{name}[{i}]"
            entry = self.mapping(item, place)
            self.known_keys(entry, allowed, place + ".")
            yield place, item, entry

    def mapping(self, node: yaml.Node, where: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, where, "must be a mapping of keys to values")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                raise self.error(key_node, where, "keys must be strings")
            if key in out:
                raise self.error(key_node, join_key(where, key), "duplicate key")
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
        name = join_key(where, key)
        if not isinstance(node, yaml.ScalarNode) or node.tag != tag:
            shown = (
                node.value
                if isinstance(node, yaml.ScalarNode)
                else type(node).__name__.replace("Node", "").lower()
            )
            raise self.error(node, name, f"must be {kind}, got {shown!r}")
        if tag == INT_TAG:
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
        return self._scalar(entry, key, where, "a string", STR_TAG)

    def one_of(
        self,
        entry: dict[str, tuple[yaml.Node, yaml.Node]],
        key: str,
        choices: tuple[str, ...],
        default: str,
        *,
        where: str = "",
    ) -> str:
        """A string that must be one of ``choices`` (``default`` when the key is absent)."""
        value: str = self.str_(entry, key, default, where=where)
        if value not in choices:
            raise self.error(
                entry[key][1],
                join_key(where, key),
                f"must be one of {', '.join(choices)}, got {value!r}",
            )
        return value

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
        value: int = self._scalar(entry, key, where, "an integer", INT_TAG)
        node, name = entry[key][1], join_key(where, key)
        if abs(value) > MAX_INT:  # SQLite holds 64-bit integers; nothing here needs more
            raise self.error(node, name, f"must be at most {MAX_INT}")
        if minimum is not None and value < minimum:
            raise self.error(node, name, f"must be at least {minimum}")
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
        if not isinstance(node, yaml.ScalarNode) or node.tag != BOOL_TAG:
            shown = node.value if isinstance(node, yaml.ScalarNode) else "a collection"
            raise self.error(node, join_key(where, key), f"must be true or false, got {shown!r}")
        return bool(yaml.safe_load(node.value))

    def str_list(
        self, entry: dict[str, tuple[yaml.Node, yaml.Node]], key: str, *, where: str = ""
    ) -> tuple[str, ...]:
        if key not in entry:
            return ()
        _, node = entry[key]
        name = join_key(where, key)
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, name, "must be a list of strings")
        out = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode) or item.tag != STR_TAG:
                raise self.error(item, name, "must be a list of strings")
            out.append(item.value)
        return tuple(out)


def join_key(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
