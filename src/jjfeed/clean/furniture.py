"""Per-source furniture: blocks that recur across a site's articles.

A site's boilerplate repeats from article to article while its stories do
not. The pipeline counts, per source, in how many distinct articles each
block (by fingerprint) has appeared; this module turns those counts into a
verdict and removes the blocks found to be furniture. No page-at-a-time
extractor can see this; an aggregator sees every article of the site.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import replace

import lxml.html

from jjfeed.clean.blocks import BLOCK_SEPARATOR
from jjfeed.clean.html import TEXT_HOLDERS, remove, serialise_children
from jjfeed.model import Cleaned

# A block is furniture when most of the articles the source published since it
# first appeared carry it (a footer, an appeal: all of them; a show-notes link to
# a story, three episodes of a hundred: not), and at least this many do...
MOST = 0.5
MIN_ARTICLES = 3
# ...unless it is long, article-like prose: a paragraph that recurs in a few
# articles is more likely a running story's background than a widget. Such a
# block needs far more evidence before it goes.
LONG_PROSE_WORDS = 40
LONG_PROSE_MIN_ARTICLES = 12

# An article whose words are at least this share in blocks the source has
# counted before is a copy of an earlier article, and adds no evidence.
COPY_SHARE = 0.5

_WORD = re.compile(r"\w+")
_HTML_BLOCKS = tuple(sorted(TEXT_HOLDERS | {"figcaption"}))


def fingerprint(block: str) -> str | None:
    """A short hash of a block's words, blind to case, punctuation and spacing."""
    tokens = _WORD.findall(block.casefold())
    if not tokens:
        return None
    return hashlib.blake2b(" ".join(tokens).encode(), digest_size=8).hexdigest()


def block_fingerprints(cleaned: Cleaned) -> dict[str, int]:
    """Each distinct block fingerprint of an article, with the block's word count."""
    out: dict[str, int] = {}
    for block in cleaned.text.split(BLOCK_SEPARATOR):
        fp = fingerprint(block)
        if fp is not None:
            out[fp] = len(_WORD.findall(block))
    return out


def is_furniture(articles: int, words: int, share: float = 1.0) -> bool:
    """The verdict for one block: how many of the source's articles carried it, and what
    share of those published since it first appeared."""
    needed = LONG_PROSE_MIN_ARTICLES if words >= LONG_PROSE_WORDS else MIN_ARTICLES
    return articles >= needed and share >= MOST


def furniture_of(
    counts: Mapping[str, tuple[int, int]],
    since: Mapping[str, int] | None = None,
    total: int | None = None,
) -> frozenset[str]:
    """Fingerprints that are furniture, from ``{fingerprint: (articles, words)}``.

    ``total``: the source's articles counted so far; ``since``: per block, how many
    had been counted before it first appeared. Without them every share is 1.
    """

    def share(fp: str, articles: int) -> float:
        if total is None:
            return 1.0
        return articles / max(1, total - (since or {}).get(fp, 0))

    return frozenset(
        fp
        for fp, (articles, words) in counts.items()
        if is_furniture(articles, words, share(fp, articles))
    )


def drop_furniture(cleaned: Cleaned, furniture: frozenset[str]) -> Cleaned:
    """Remove the blocks whose fingerprints are furniture from the text and the HTML.

    An article made of nothing but furniture is left as it is: better a
    page of furniture than an empty entry, and the evidence is likely wrong.
    """
    if not furniture:
        return cleaned
    blocks = cleaned.text.split(BLOCK_SEPARATOR)
    kept = [b for b in blocks if fingerprint(b) not in furniture]
    if len(kept) == len(blocks) or not kept:
        return cleaned
    root = lxml.html.fragment_fromstring(cleaned.html, create_parent="div")
    for element in list(root.iter(*_HTML_BLOCKS)):
        if fingerprint(" ".join(element.itertext())) in furniture:
            remove(element)
    for holder in list(root.iter("ul", "ol", "dl")):
        if not "".join(holder.itertext()).strip():
            remove(holder)
    return replace(cleaned, text=BLOCK_SEPARATOR.join(kept), html=serialise_children(root))
