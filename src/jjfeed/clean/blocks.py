"""Judging an article block by block.

Blocks are paragraphs, headings, list items or stray lines. Each one is first
judged on its own (``rules.STANDALONE_RULES`` plus the metadata lines of
``meta``), then in context: the name line before a dateline, the lines of an
"About the author" box, the tag bullets right under the title. Context rules
only ever look at the immediate neighbours, so a lone capitalised line deep in
the article is never mistaken for a byline.

Plain text and HTML share this code; HTML passes ``plain=False`` because its
markup already removed alt text and lists there are real content.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from jjfeed.clean import feedrules, meta, rules
from jjfeed.clean.meta import Found
from jjfeed.model import Cleaned

BLOCK_SEPARATOR = "\n\n"
CONTENT = "content"
TITLE = "title"

# A plausible title: short, and not a sentence that ends in a full stop.
TITLE_MAX_WORDS = 30
TITLE_MAX_CHARS = 220
# Hard-wrapped plain text: lines of similar, moderate length inside one paragraph.
WRAP_MIN_CHARS = 40
WRAP_MAX_CHARS = 100
# An author's bio, when no heading announces it, sits among the last few blocks.
BIO_TAIL_BLOCKS = 3
# Teasers of other articles come in lists: a cut-off excerpt is only dropped
# with another one at most this many blocks away (their headlines between).
TEASER_GAP = 3
TEASER_HEADLINE_MAX_WORDS = 15
# ... and both cut to about the same size (a CMS cuts excerpts at a fixed
# number of words or characters; real paragraphs differ): within this share.
TEASER_SIZE_SPREAD = 0.12
# ... and never most of the text: a page that is nothing but excerpts (an
# events calendar, a list of courses) is a listing, and the list is its content.
TEASER_MAX_SHARE = 0.5
# A "Related posts" heading ends the article when at least this share of the
# kept words comes before it and no block after it is this long (titles and
# teasers are shorter; a long paragraph means the story goes on).
RELATED_TAIL_SHARE = 0.5
RELATED_RESUME_WORDS = 40


@dataclass(frozen=True)
class Judged:
    """One block and why it was kept or dropped ("content", "title" or a rule name)."""

    text: str
    reason: str

    @property
    def kept(self) -> bool:
        return self.reason == CONTENT


@dataclass(frozen=True)
class Judgement:
    blocks: tuple[Judged, ...]
    found: Found
    title: str | None

    @property
    def kept(self) -> list[str]:
        return [block.text for block in self.blocks if block.kept]


def split_blocks(raw: str) -> list[str]:
    """Cut plain text into blocks: one per non-blank line, hard wraps undone.

    Scraped pages put each paragraph on its own line, sometimes with no blank
    line between an image caption and its credit, so a line is the unit. Text
    wrapped at a fixed width (e-mail, README style) is rejoined first.
    """
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    blocks: list[str] = []
    for group in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in group.split("\n") if line.strip()]
        if _is_hard_wrapped(lines):
            blocks.append(" ".join(lines))
        else:
            blocks.extend(lines)
    return blocks


def _is_hard_wrapped(lines: list[str]) -> bool:
    if len(lines) < 2 or any(meta.bullet_item(line) for line in lines):
        return False
    # An image's alt text with its credit on the next line is two blocks, not
    # one wrapped sentence: "mill street bridge ..." / "Photo: Hannah Desai / ...".
    if any(rules.is_credit(line) for line in lines[1:]):
        return False
    body = lines[:-1]
    return (
        all(WRAP_MIN_CHARS <= len(line) <= WRAP_MAX_CHARS for line in body)
        and len(lines[-1]) <= WRAP_MAX_CHARS
    )


def judge_blocks(texts: Sequence[str], *, plain: bool, find_title: bool) -> Judgement:
    """Label every block, recovering metadata from the ones that are dropped."""
    found = Found()
    reasons = [_standalone_reason(text, found, plain=plain) for text in texts]
    title_index = _find_title(texts, reasons) if find_title else None
    if title_index is not None:
        reasons[title_index] = TITLE
    _drop_about_author(texts, reasons, found)
    _drop_names_before_datelines(texts, reasons, found)
    if plain and title_index is not None:
        _take_tags_under_title(texts, reasons, found, title_index)
    _drop_trailing_bio(texts, reasons, found)
    _drop_teaser_lists(texts, reasons)
    _drop_related_sections(texts, reasons)
    _drop_sponsor_thanks(texts, reasons)
    _drop_sponsor_blocks(texts, reasons)
    _drop_sign_off(texts, reasons)
    _drop_dangling_end(texts, reasons)
    judged = tuple(
        Judged(text, reason or CONTENT) for text, reason in zip(texts, reasons, strict=True)
    )
    title = texts[title_index] if title_index is not None else None
    return Judgement(judged, found, title)


def cleaned_from_blocks(text: str, html: str, found: Found, title: str | None = None) -> Cleaned:
    """The clean stage's result for a body that has only its own blocks to tell its metadata.

    A feed entry's fragment and a scraped text: their author, dates, section
    and tags are what the dropped blocks said. A page's own declarations
    come first where there are any (see :mod:`jjfeed.clean.page`).
    """
    return Cleaned(
        text=text,
        html=html,
        title=title,
        author=found.author,
        published=found.published_at,
        updated=found.updated_at,
        section=found.section,
        tags=tuple(found.tags),
        external_url=found.external_url,
    )


def _standalone_reason(text: str, found: Found, *, plain: bool) -> str | None:
    """Why this block goes, judged alone; metadata lines record their facts."""
    words = rules.word_count(text)
    if words > rules.RULE_REACH_WORDS:
        for name, reach, rule in rules.STANDALONE_RULES:
            if name in rules.LONG_BLOCK_RULES and words <= reach and rule(text):
                return name
        return None
    meta_reason = _read_meta_line(text, found)
    if meta_reason is not None:
        return meta_reason
    for name, reach, rule in rules.STANDALONE_RULES:
        if not plain and name in rules.PLAIN_ONLY_RULES:
            continue
        if words <= reach and rule(text):
            return name
    if plain and rules.is_slug(text):
        return "slug"
    return None


def _read_meta_line(text: str, found: Found) -> str | None:
    """Datelines, bylines, tag and section lines, "About the author" headings."""
    dates = meta.read_dateline(text)
    if dates is not None:
        for kind, stamp in dates:
            found.note_date(kind, stamp)
        return "dateline"
    byline = meta.read_byline(text)
    if byline is not None:
        name, byline_dates = byline
        found.note_author(name)
        for kind, stamp in byline_dates:
            found.note_date(kind, stamp)
        return "byline"
    tags = meta.read_labelled_list(text, meta.TAG_LINE_LABELS)
    if tags is not None:
        found.note_tags(tags)
        return "tags"
    sections = meta.read_labelled_list(text, meta.SECTION_LINE_LABELS)
    if sections:
        found.note_section(sections[0])
        return "section"
    if meta.is_about_author_heading(text):
        return "about-author"
    return None


def _find_title(texts: Sequence[str], reasons: list[str | None]) -> int | None:
    """The first block nothing objected to, if it is shaped like a headline.

    When the first real block is a long sentence the text simply has no title
    line, and the block stays in the body rather than being lost.
    """
    for index, (text, reason) in enumerate(zip(texts, reasons, strict=True)):
        if reason is None:
            return index if _looks_like_title(text) else None
    return None


def _looks_like_title(text: str) -> bool:
    stripped = text.strip()
    return (
        len(stripped) <= TITLE_MAX_CHARS
        and rules.word_count(stripped) <= TITLE_MAX_WORDS
        and not stripped.endswith(".")
        and meta.bullet_item(stripped) is None
    )


def _drop_about_author(texts: Sequence[str], reasons: list[str | None], found: Found) -> None:
    """After an "About the author" heading: take the name line, drop it and the bio."""
    for index, reason in enumerate(reasons):
        if reason != "about-author":
            continue
        following = index + 1
        if following < len(texts) and meta.is_person_name(texts[following]):
            found.note_author(texts[following].strip())
            reasons[following] = "author-bio"
            following += 1
        if following < len(texts) and reasons[following] is None:
            reasons[following] = "author-bio"


def _drop_names_before_datelines(
    texts: Sequence[str], reasons: list[str | None], found: Found
) -> None:
    """A bare name (and section label) right above a dateline is the byline.

    Seed 002 reads "Michelle Jaworski" / "Internet Culture" / "Posted on ...".
    """
    for index, reason in enumerate(reasons):
        if reason != "dateline":
            continue
        above = _free(texts, reasons, index - 1)
        two_above = _free(texts, reasons, index - 2)
        if (
            above is not None
            and two_above is not None
            and meta.is_person_name(texts[two_above])
            and meta.is_section_label(texts[above])
        ):
            found.note_author(texts[two_above].strip())
            found.note_section(texts[above].strip())
            reasons[two_above] = "byline"
            reasons[above] = "section"
        elif above is not None and meta.is_person_name(texts[above]):
            found.note_author(texts[above].strip())
            reasons[above] = "byline"


def _free(texts: Sequence[str], reasons: list[str | None], index: int) -> int | None:
    """``index`` if that block exists and is still undecided (not the title)."""
    if 0 <= index < len(texts) and reasons[index] is None:
        return index
    return None


def _take_tags_under_title(
    texts: Sequence[str], reasons: list[str | None], found: Found, title_index: int
) -> None:
    """A run of short bullets right under the title is the tag list (seed 004).

    Dropped blocks between the title and the bullets are skipped; any kept
    block ends the search, so bullet lists inside the article stay.
    """
    run: list[int] = []
    for index in range(title_index + 1, len(texts)):
        if reasons[index] is not None and not run:
            continue
        item = meta.bullet_item(texts[index])
        if reasons[index] is None and item is not None and meta.is_tag_like(item):
            run.append(index)
            continue
        break
    if len(run) >= 2:
        found.note_tags([meta.bullet_item(texts[i]) or "" for i in run])
        for index in run:
            reasons[index] = "tags"


def _drop_teaser_lists(texts: Sequence[str], reasons: list[str | None]) -> None:
    """Runs of excerpts cut off mid-sentence are a list of other articles.

    One cut-off paragraph may be a quirk of the page (or lead into a quote);
    two close together and cut to the same size ("... our lawyers guide
    residents through" / "... improving their chances of", 60 words each) are
    a "related posts" box, and the short headlines between them go too.
    Unless they are most of the text: then the page is a listing.
    """
    cut = [i for i, reason in enumerate(reasons) if reason is None and rules.is_truncated(texts[i])]
    teasers: set[int] = set()
    for first, second in zip(cut, cut[1:], strict=False):
        if second - first > TEASER_GAP or not _same_size(texts[first], texts[second]):
            continue
        teasers.update((first, second))
        for between in range(first + 1, second):
            short = rules.word_count(texts[between]) <= TEASER_HEADLINE_MAX_WORDS
            if reasons[between] is None and short:
                teasers.add(between)
    if not teasers:
        return
    undecided = sum(rules.word_count(t) for t, r in zip(texts, reasons, strict=True) if r is None)
    if sum(rules.word_count(texts[i]) for i in teasers) > TEASER_MAX_SHARE * undecided:
        return
    for index in teasers:
        reasons[index] = "teaser"


def _drop_related_sections(texts: Sequence[str], reasons: list[str | None]) -> None:
    """Under a "Related posts" heading that ends the article: other articles.

    The heading itself is furniture already. When it comes after most of the
    article and nothing under it is as long as a paragraph of the story, the
    titles, teasers and numbers listed under it go too. A long paragraph
    after it means the heading was a box inside the story, which goes on.
    """
    words = [
        rules.word_count(text) if reason is None else 0
        for text, reason in zip(texts, reasons, strict=True)
    ]
    total = sum(words)
    before = 0
    for index, text in enumerate(texts):
        before += words[index]
        if reasons[index] != "furniture" or rules.normalise(text) not in rules.RELATED_HEADINGS:
            continue
        rest = range(index + 1, len(texts))
        if before < RELATED_TAIL_SHARE * total or any(
            words[i] >= RELATED_RESUME_WORDS for i in rest
        ):
            continue
        for following in rest:
            if reasons[following] is None:
                reasons[following] = "related"
        return


def _same_size(one: str, other: str) -> bool:
    """Equal within ``TEASER_SIZE_SPREAD`` in words or in characters."""
    pairs = ((rules.word_count(one), rules.word_count(other)), (len(one), len(other)))
    return any(min(a, b) >= (1 - TEASER_SIZE_SPREAD) * max(a, b) for a, b in pairs)


def _drop_trailing_bio(texts: Sequence[str], reasons: list[str | None], found: Found) -> None:
    """An unheaded author bio among the last blocks ("Jane Doe is a staff writer ...")."""
    undecided = [i for i, reason in enumerate(reasons) if reason is None]
    for index in undecided[-BIO_TAIL_BLOCKS:]:
        if meta.is_author_bio(texts[index], found.author):
            reasons[index] = "author-bio"


# Under a "Sponsored by:" label: the sponsor's name, pitch and promo code, each
# a short block (a paragraph of the story is longer, or has no offer in it).
SPONSOR_BLOCK_MAX_WORDS = 40
SPONSOR_BLOCK_MAX_LINES = 5
# ... the first of them may be only the sponsor's name and what it sells, and any
# may be a name, a colon and its pitch ("Betterment: Investing made better.").
SPONSOR_NAME_MAX_WORDS = 12
_NAME_AND_PITCH = re.compile(r"^[A-Z0-9][\w.&'’+-]*(?:\s+[\w.&'’+-]+){0,3}\s*:\s+[A-Z]")
_PROMO = re.compile(
    r"\bcode\b|\d+\s*%|\bfree\b|\boff\b|\btrial\b|https?://|\b[\w-]+\.(?:com|io|co|net|org|fm)\b"
    r"|\bvisit\b|\bgo\s+to\b|\bsign\s+up\b|\btry\b",
    re.IGNORECASE,
)
# "— Northern Press Agency": a wire's or writer's sign-off closing the article.
_SIGN_OFF = re.compile(
    r"^[—–-]{1,2}\s*[A-Z][\w.&'’-]*(?:\s+(?:[A-Z][\w.&'’-]*|of|and|the|for)){0,5}$"
)


def _drop_sponsor_thanks(texts: Sequence[str], reasons: list[str | None]) -> None:
    """ "My thanks to X for sponsoring the site this week." goes, with the pitch for
    the next sponsorship in its block; except as the first block, where it opens the
    sponsorship post itself (Daring Fireball's "My thanks to MacPaw for sponsoring
    ..." above the sponsor's copy). Not a standalone rule: those are features of the
    learned block scorer, and this one reports as "sponsor", a reason it knows.
    """
    for index in range(1, len(texts)):
        if reasons[index] is None and feedrules.is_sponsor_thanks(texts[index]):
            reasons[index] = "sponsor"


def _drop_sponsor_blocks(texts: Sequence[str], reasons: list[str | None]) -> None:
    """After a bare "Sponsored by:" label, the sponsor's lines and promo code go too.

    Only short blocks that carry an offer or an address (a code, a percentage,
    "free", a URL), at most a few of them, and the sponsor's name line right
    under the label: the story resumes with the first block that has none.
    A line of the sponsor's name, a colon and its pitch goes too, offer or
    not: a podcast's list of the week's sponsors ("Betterment: Investing made
    better.").
    """
    labels = [
        index
        for index, reason in enumerate(reasons)
        if reason == "sponsor" and rules.sponsor_label(texts[index]) == ""
    ]
    for index in labels:
        for following in range(index + 1, min(len(texts), index + 1 + SPONSOR_BLOCK_MAX_LINES)):
            text = texts[following]
            if reasons[following] is not None:
                continue
            words = rules.word_count(text)
            name_line = following == index + 1 and words <= SPONSOR_NAME_MAX_WORDS
            pitch = _PROMO.search(text) or _NAME_AND_PITCH.match(text)
            if words > SPONSOR_BLOCK_MAX_WORDS or not (name_line or pitch):
                break
            reasons[following] = "sponsor"


def _drop_sign_off(texts: Sequence[str], reasons: list[str | None]) -> None:
    """A dash and a name as the article's last kept block: "— Northern Press Agency".

    Only the last: higher up, the same shape attributes an epigraph or a quote.
    """
    undecided = [i for i, reason in enumerate(reasons) if reason is None]
    if len(undecided) >= 2 and _SIGN_OFF.match(texts[undecided[-1]].strip()):
        reasons[undecided[-1]] = "sign-off"


# A short label that ends in a colon ("Shared:", "Pictures for this topic below:",
# "此主题相关图片如下："), or a line with no letter or digit at all ("." or "* * *").
_LABEL_END = re.compile(r"[:：]\s*$")
_NO_WORD = re.compile(r"^[^\w]*$")
DANGLING_WORDS = 8


def _drop_dangling_end(texts: Sequence[str], reasons: list[str | None]) -> None:
    """The last kept blocks when they introduce nothing: a label whose list or link went.

    Only at the end, where nothing kept follows them; higher up a label
    ("Here is the feed:") introduces the block after it. The first kept block
    always stays.
    """
    undecided = [i for i, reason in enumerate(reasons) if reason is None]
    while len(undecided) >= 2:
        last = texts[undecided[-1]].strip()
        label = _LABEL_END.search(last) and len(last.split()) <= DANGLING_WORDS and len(last) <= 80
        if not (label or _NO_WORD.match(last)):
            return
        reasons[undecided.pop()] = "dangling label"
