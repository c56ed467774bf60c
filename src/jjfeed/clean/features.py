"""What the block scorer sees of a block: plain facts in, a row of numbers out.

The tree walk that gathers :class:`BlockFacts` lives in ``html.py``; here
the facts of one page's blocks (in document order) become one feature row
each, so the scorer's decision can be tested and trained on plain values.
The phrase rules' verdict is one of the features: the rules stay, the
model decides how far to trust each of them on pages it has never seen.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from jjfeed.clean import rules

CONTENT = "content"  # the rules' verdict on a block they keep (``blocks.CONTENT``)
# The rules' verdicts the model tells apart; any other reason counts as "other".
REASONS: tuple[str, ...] = (
    "content", "title", "dateline", "byline", "tags", "section", "about-author",
    "author-bio", "teaser", "related", "sign-off",
    *(name for name, _, _ in rules.STANDALONE_RULES),
)  # fmt: skip
# Leaf tags worth a feature of their own; the rest are "other".
TAGS: tuple[str, ...] = (
    "p", "h1", "h2", "h3", "h4", "li", "blockquote", "pre", "td", "th", "dt", "dd",
    "div", "figure", "caption", "address",
)  # fmt: skip
# Containers whose presence among the block's ancestors is a feature.
ANCESTOR_TAGS: tuple[str, ...] = ("ul", "ol", "table", "blockquote", "figure", "dl", "header")
# Words of class and id attributes (of the block and its ancestors) that
# mean something on most sites; matched as substrings of each token.
MARKS: tuple[str, ...] = (
    "content", "article", "body", "entry", "post", "text", "story", "main",
    "side", "widget", "footer", "header", "nav", "menu", "meta", "author", "bio",
    "related", "share", "social", "comment", "newsletter", "subscribe", "promo", "ad",
    "caption", "credit", "tag", "date", "byline", "card", "teaser", "list", "title",
)  # fmt: skip
# The most frequent English function words: prose is full of them, menus are not.
STOP_WORDS: frozenset[str] = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been
    it its this that these those he she they we you i his her their our your not no so
    than then there which who what when where how all can will would has have had do
    does did about into over after more""".split()
)
NEIGHBOURS = 2
# A block counts as one trafilatura returned when this share of it was.
AGREED = 0.5
# Finished prose at least this long is kept without asking the model.
PROSE_MIN_WORDS = 10
_WORD = re.compile(r"\w+")
_PUNCT = re.compile(r"[^\w\s]")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?:\s|$)")
_ENDINGS = tuple('.!?:"”)…。！？」')
# Scripts written without spaces: each character counts as a word of prose.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_CAPITALISED = re.compile(r"\b[^\W\d_a-z]", re.UNICODE)
_DIGIT = re.compile(r"\d")
_TAG_INDEX = {tag: i for i, tag in enumerate(TAGS)}
_REASON_INDEX = {reason: i for i, reason in enumerate(REASONS)}
_NO_MARKS = [0.0] * len(MARKS)


@dataclass(frozen=True)
class BlockFacts:
    """One leaf block of an article as the tree shows it."""

    text: str
    tag: str
    ancestors: tuple[str, ...] = ()
    link_chars: int = 0
    reason: str = "content"
    marks: tuple[str, ...] = ()
    # How much of this block trafilatura returned too (0 to 1). Blocks of
    # trafilatura's own article are 1; on the recall path (``page``) the
    # blocks of the page's article region it left out are 0.
    agreed: float = 1.0


def _own(block: BlockFacts) -> list[float]:
    text = block.text
    chars = max(len(text), 1)
    lowered = _WORD.findall(text.lower())
    n = max(len(lowered), 1)
    row = [
        math.log1p(len(lowered)),
        math.log1p(len(text)),
        min(block.link_chars / chars, 1.0),
        float(text.rstrip().endswith(_ENDINGS)),
        len(_PUNCT.findall(text)) / chars,
        sum(map(STOP_WORDS.__contains__, lowered)) / n,
        len(_CAPITALISED.findall(text)) / n,
        len(_DIGIT.findall(text)) / chars,
        float(len(_SENTENCE_END.findall(text))),
        float(rules.is_truncated(text)),
        float(text[:1].islower()),
        float("|" in text or "•" in text or "·" in text),
        block.agreed,
    ]
    row += _one_hot(_TAG_INDEX, block.tag)
    row += [float(tag in block.ancestors) for tag in ANCESTOR_TAGS]
    row.append(float(len(block.ancestors)))
    row += _one_hot(_REASON_INDEX, block.reason)
    if block.marks:
        marks = " ".join(block.marks).lower()
        row += [float(mark in marks) for mark in MARKS]
    else:
        row += _NO_MARKS
    return row


def _one_hot(index: dict[str, int], value: str) -> list[float]:
    """One column per known value and a last one for any other."""
    row = [0.0] * (len(index) + 1)
    row[index.get(value, len(index))] = 1.0
    return row


def _brief(block: BlockFacts) -> list[float]:
    """What a block shows of itself to its neighbours."""
    words = rules.word_count(block.text)
    return [
        math.log1p(words),
        min(block.link_chars / max(len(block.text), 1), 1.0),
        float(block.reason != CONTENT),
        float(block.tag in ("h1", "h2", "h3", "h4")),
        float(block.text.rstrip().endswith(_ENDINGS)),
        block.agreed,
    ]


_EMPTY_BRIEF = [0.0, 0.0, 0.0, 0.0, 0.0, -1.0]


def is_finished_prose(block: BlockFacts) -> bool:
    """At least ``PROSE_MIN_WORDS`` words (or CJK characters), ending like a sentence."""
    text = block.text.rstrip()
    words = rules.word_count(text) + len(_UNSPACED.findall(text))
    return words >= PROSE_MIN_WORDS and text.endswith(_ENDINGS)


def needs_judging(block: BlockFacts) -> bool:
    """Whether the model is asked about this block at all.

    Not when a phrase rule dropped it (that stands), nor when it is finished
    prose of some length that trafilatura returned too: on the development
    pages 1% of those were boilerplate, and skipping them halves the
    scorer's work. Prose trafilatura left out (comments, teasers, bios) is
    always asked.
    """
    if block.reason != CONTENT:
        return False
    return block.agreed < AGREED or not is_finished_prose(block)


def _groups(
    blocks: Sequence[BlockFacts], words: Sequence[int]
) -> list[tuple[float, float, float, float]]:
    """What each block's siblings say: the blocks under the same ancestors
    with the same class and id marks (a comment thread, a related list, the
    article's paragraphs) counted together, their words, the share of those
    trafilatura returned, and the share the rules dropped."""
    total = max(sum(words), 1)
    sums: dict[tuple[tuple[str, ...], tuple[str, ...]], list[float]] = {}
    keys = []
    for block, count in zip(blocks, words, strict=True):
        key = (block.ancestors, block.marks[1:] if block.marks else ())
        keys.append(key)
        group = sums.setdefault(key, [0.0, 0.0, 0.0, 0.0])
        group[0] += 1
        group[1] += count
        group[2] += count * block.agreed
        group[3] += count * (block.reason != CONTENT)
    rows = []
    for key in keys:
        size, mass, agreed, dropped = sums[key]
        mass_ = max(mass, 1)
        rows.append((math.log1p(size), mass / total, agreed / mass_, dropped / mass_))
    return rows


def page_rows(
    blocks: Sequence[BlockFacts], indices: Sequence[int] | None = None
) -> list[list[float]]:
    """Feature rows of the blocks at ``indices`` (default: all), in that order:
    each block's own facts, where it stands on the page, its neighbours'."""
    count = len(blocks)
    words = [rules.word_count(block.text) for block in blocks]
    total = max(sum(words), 1)
    before = [0] * count
    for index in range(1, count):
        before[index] = before[index - 1] + words[index - 1]
    dropped = [block.reason != CONTENT for block in blocks]
    agreed_words = sum(w * block.agreed for w, block in zip(words, blocks, strict=True))
    # Words trafilatura agreed with before each block: outside its stretch is 0 or all.
    agreed_before = [0.0] * count
    for index in range(1, count):
        agreed_before[index] = agreed_before[index - 1] + (
            words[index - 1] * blocks[index - 1].agreed
        )
    briefs = [_brief(block) for block in blocks]
    groups = _groups(blocks, words)
    rows = []
    for index in range(count) if indices is None else indices:
        row = _own(blocks[index])
        row += [
            index / max(count - 1, 1),
            float(min(index, 10)),
            float(min(count - 1 - index, 10)),
            before[index] / total,
            words[index] / total,
            math.log1p(count),
            math.log1p(total),
            agreed_words / total,
            agreed_before[index] / max(agreed_words, 1),
            *groups[index],
        ]
        near = range(max(0, index - NEIGHBOURS), min(count, index + NEIGHBOURS + 1))
        row.append(float(sum(dropped[i] for i in near if i != index)))
        for offset in (-2, -1, 1, 2):
            other = index + offset
            row += briefs[other] if 0 <= other < count else _EMPTY_BRIEF
        rows.append(row)
    return rows


FEATURE_COUNT = len(page_rows([BlockFacts(text="x", tag="p")])[0])
