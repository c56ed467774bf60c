"""Adding sources to feeds.yaml as text (jjfeed add, jjfeed import-opml)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import yaml

from ..atomic import write_atomic
from ..errors import ConfigError
from ..model import Source
from .reading import Config, parse_config


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
