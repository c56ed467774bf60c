"""Cleaning plain text scraped from a page (the seeds are examples).

Plain text has lost its markup, so every decision comes from the words and
the neighbouring lines. The title line is pulled out into ``Cleaned.title``
and is not repeated in ``Cleaned.text``; feeding ``title + "\\n\\n" + text``
back in gives the same result again (the idempotence the tests check).
"""

from __future__ import annotations

import re
from html import escape

from jjfeed.clean.blocks import BLOCK_SEPARATOR, cleaned_from_blocks, judge_blocks, split_blocks
from jjfeed.model import Cleaned


def clean_text(raw: str, find_title: bool = True) -> Cleaned:
    """Boilerplate-free text of a scraped article plus what its furniture told us.

    ``find_title``: whether its first line may be its title (a file's may; a feed
    entry's plain text has its title beside it, and every line of it is text).
    """
    judgement = judge_blocks(split_blocks(raw), plain=True, find_title=find_title)
    kept = judgement.kept
    return cleaned_from_blocks(
        BLOCK_SEPARATOR.join(kept),
        "\n".join(f"<p>{escape(block, quote=False)}</p>" for block in kept),
        judgement.found,
        judgement.title,
    )


_SENTENCE = re.compile(r"[^.!?…]+[.!?…]")
PROSE_SENTENCE_WORDS = 6  # a sentence of this many words or more ends with . ! ? or …
PROSE_PARAGRAPH_WORDS = 40  # or one paragraph this long, punctuated or not


def has_prose(text: str) -> bool:
    """Whether clean text holds any prose: a sentence, or a paragraph of some length.

    A page whose main content is only link labels and menus ("About Press
    Copyright Contact us ...", a video page's chrome) has none: it is not
    an article, whatever its length.
    """
    for paragraph in text.split("\n\n"):
        if len(paragraph.split()) >= PROSE_PARAGRAPH_WORDS:
            return True
        if any(len(s.split()) >= PROSE_SENTENCE_WORDS for s in _SENTENCE.findall(paragraph)):
            return True
    return False
