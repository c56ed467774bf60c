"""The clean stage's output: safe HTML, and the plain text read back from it.

Whatever the input, the HTML that leaves the clean stage passes nh3 with an
allow-list (no scripts, handlers or unsafe URL schemes), and the plain text is
read from that sanitised HTML, so the two never disagree.
"""

from __future__ import annotations

import re

import lxml.html

from jjfeed import safehtml
from jjfeed.clean.blocks import BLOCK_SEPARATOR

# Tags that start a new block when the sanitised HTML is read back as text.
TEXT_BLOCK_TAGS: frozenset[str] = frozenset(
    {
        "p", "h2", "h3", "h4", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre",
        "table", "tr", "caption", "hr",
    }
)  # fmt: skip

_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
_DOUBLE_SPACES = re.compile(r" {2,}")


def sanitise(markup: str) -> str:
    """The body through jjfeed's one allow-list (:mod:`jjfeed.safehtml`), blank lines folded."""
    return _BLANK_LINES.sub("\n\n", safehtml.sanitise(markup)).strip()


def html_to_text(markup: str) -> str:
    """Plain text of sanitised HTML: one block per paragraph, heading or list item."""
    if not markup.strip():
        return ""
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    blocks: list[str] = []
    buffer: list[str] = []
    _walk_text(root, blocks, buffer)
    _flush(blocks, buffer)
    return BLOCK_SEPARATOR.join(blocks)


def _walk_text(node: lxml.html.HtmlElement, blocks: list[str], buffer: list[str]) -> None:
    if node.text:
        buffer.append(_SPACES.sub(" ", node.text))
    for child in node:
        name = child.tag if isinstance(child.tag, str) else None
        if name == "br":
            buffer.append("\n")
        elif name in {"td", "th"}:
            buffer.append(" ")
            _walk_text(child, blocks, buffer)
        elif name == "pre":
            _flush(blocks, buffer)
            _preformatted(child, blocks)
        elif name in TEXT_BLOCK_TAGS:
            _flush(blocks, buffer)
            _walk_text(child, blocks, buffer)
            _flush(blocks, buffer)
        elif name is not None and name != "img":
            _walk_text(child, blocks, buffer)
        if child.tail:
            buffer.append(_SPACES.sub(" ", child.tail))


def _preformatted(node: lxml.html.HtmlElement, blocks: list[str]) -> None:
    """A ``<pre>`` block as written: its line breaks and indentation are the content (code).

    Blank lines inside it would split it into several blocks, so they keep
    one space; trailing spaces and the blank lines around it go.
    """
    lines = [line.rstrip() for line in _pre_text(node).split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    if lines:
        blocks.append("\n".join(line or " " for line in lines))


def _pre_text(node: lxml.html.HtmlElement) -> str:
    """The text of a ``<pre>``, a ``<br>`` in it a line break (blogs write code that way)."""
    parts = [node.text or ""]
    for child in node:
        if child.tag == "br":
            parts.append("\n")
        elif isinstance(child.tag, str):
            parts.append(_pre_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _flush(blocks: list[str], buffer: list[str]) -> None:
    lines = [_DOUBLE_SPACES.sub(" ", line).strip() for line in "".join(buffer).split("\n")]
    block = "\n".join(line for line in lines if line)
    if block:
        blocks.append(block)
    buffer.clear()
