"""Text helpers every phrase rule shares: normalised lines, word and sentence counts."""

from __future__ import annotations

import re
from functools import lru_cache

_SENTENCE_END = re.compile(r"(?<=[.!?…])[”\"’')\]]*\s+(?=\S)")


@lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Lowercase, straight quotes, single spaces, no bullets or end punctuation.

    Lets "Share This Article:" and "share this article" compare equal. Cached:
    several rules normalise the same block in turn.
    """
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"\s+", " ", text).strip().lower()
    text = text.lstrip("*•·-–—>| ").rstrip(" .:!?…»›>|-–—")
    return text


def has_hint(text: str, hints: tuple[str, ...]) -> bool:
    """Whether the block holds one of the words a rule needs: a cheap test that
    spares most blocks the rule's regexes (every story paragraph meets every rule)."""
    line = normalise(text)
    return any(hint in line for hint in hints)


@lru_cache(maxsize=4096)
def word_count(text: str) -> int:
    return len(text.split())


def sentences(text: str) -> list[str]:
    """Split prose into sentences; good enough for short reader prompts."""
    return [part.strip() for part in _SENTENCE_END.split(text.strip()) if part.strip()]
