"""Tags for an article: from its source's config, its own categories and its text.

Pure functions. Tags are normalised (whitespace collapsed, compared without
case) so one topic is one tag; the first spelling seen is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_TAG_LENGTH = 64


def normalise_tag(tag: str) -> str | None:
    """A tag with whitespace collapsed, or None when nothing usable is left."""
    cleaned = re.sub(r"\s+", " ", tag).strip(" \t#,;|•·")
    if not cleaned or len(cleaned) > MAX_TAG_LENGTH:
        return None
    return cleaned


def merge_tags(*groups: Iterable[str]) -> tuple[str, ...]:
    """All tags of all groups in order, each topic once (case-insensitive)."""
    seen: set[str] = set()
    out: list[str] = []
    for group in groups:
        for raw in group:
            tag = normalise_tag(raw)
            if tag is None or tag.casefold() in seen:
                continue
            seen.add(tag.casefold())
            out.append(tag)
    return tuple(out)


def tags_for(
    source_tags: Iterable[str], entry_tags: Iterable[str], recovered: Iterable[str]
) -> tuple[str, ...]:
    """The article's tags: the source's config first, then the entry's, then those found in the text."""
    return merge_tags(source_tags, entry_tags, recovered)
