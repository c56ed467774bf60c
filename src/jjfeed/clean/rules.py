"""Rules that judge one block of text on its own.

Each rule is a small predicate over a block's text. They are written for short,
prompt-like or caption-like lines: a rule that fires on any sentence containing
a keyword would eat real paragraphs ("comments from Mike Colter suggest ..."),
so every rule either matches a whole line or a whole sentence, and most are
capped by length. The phrase lists are module constants so they can grow
without touching the logic.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jjfeed.clean.feedrules import (
    CAPTION_NAME_TAIL_MAX_WORDS,
    LABEL_LINE_MAX_WORDS,
    PODCAST_PITCH_MAX_WORDS,
    READ_ON_MAX_WORDS,
    RELATED_LIST_LONG_MAX_WORDS,
    SPONSOR_LABEL_MAX_WORDS,
    TIP_LINE_MAX_WORDS,
    is_caption_with_name,
    is_glyph_line,
    is_label_line,
    is_link_row,
    is_podcast_pitch,
    is_read_on,
    is_related_list,
    is_source_credit,
    is_sponsor_label,
    is_tip_line,
    sponsor_label,
)
from jjfeed.clean.phrases import FURNITURE_LINES, PROMPT_PREFIXES, READER_CALLS, RELATED_HEADINGS
from jjfeed.clean.wording import has_hint as _has_hint
from jjfeed.clean.wording import normalise, sentences, word_count

__all__ = [
    "FURNITURE_LINES",
    "PROMPT_PREFIXES",
    "READER_CALLS",
    "RELATED_HEADINGS",
    "is_caption_with_name",
    "is_glyph_line",
    "is_label_line",
    "is_podcast_pitch",
    "is_read_on",
    "is_link_row",
    "is_related_list",
    "is_source_credit",
    "is_sponsor_label",
    "is_tip_line",
    "normalise",
    "sentences",
    "sponsor_label",
    "word_count",
]

# Words that open a photo credit line: "Photo via Netflix", "Image: Getty".
CREDIT_NOUNS = (
    r"(?:(?:header|featured|top|lead|cover|hero|main|feature|banner)\s+)?"
    r"(?:photo(?:graph)?|image|picture|pic|video|illustration|graphic|gif|screenshot|artwork)s?"
)
PHOTO_AGENCIES: tuple[str, ...] = (
    "getty images",
    "getty",
    "shutterstock",
    "ap photo",
    "associated press",
    "reuters",
    "afp",
    "alamy",
    "wireimage",
    "filmmagic",
    "invision",
    "rex features",
    "unsplash",
    "youtube",
    "twitter",
    "instagram",
    "facebook",
)

_CREDIT_LINE = re.compile(
    rf"^\(?\s*{CREDIT_NOUNS}\s*(?:credits?|courtesy(?:\s+of)?|source)?\s*"
    r"(?:via|by|:|-|–|—|courtesy(?:\s+of)?)\s*\S",
    re.IGNORECASE,
)
_COURTESY_LINE = re.compile(r"^\(?\s*(?:courtesy(?:\s+of)?|credits?\s*:|via)\s+\S", re.IGNORECASE)
_TRAILING_PAREN_CREDIT = re.compile(
    rf"\(\s*{CREDIT_NOUNS}\s*(?:credits?|courtesy(?:\s+of)?|via|by|source)?\s*[:\-–—]?[^()]*\)\s*$",
    re.IGNORECASE,
)
# "Marvel Entertainment/YouTube", "Netflix / Marvel": capitalised words around a slash.
_CAP_WORDS = r"[A-Z][\w.&'’-]*(?:\s+(?:[A-Z0-9&][\w.&'’-]*|of|and|the|de|for))*"
_SLASH_CREDIT = re.compile(rf"^{_CAP_WORDS}\s?/\s?{_CAP_WORDS}$")
# A caption sentence followed by its credit: "... post-Kilgrave. Netflix / Marvel".
_CAPTION_TAIL = re.compile(rf"[.!?”\")]\s+(?P<credit>{_CAP_WORDS}\s?/\s?{_CAP_WORDS})$")
_AGENCY_TAIL = re.compile(
    r"[.!?”\")]\s+(?:[A-Z][\w.'’-]*\s+){0,3}(?:/\s*)?(?i:"
    + "|".join(re.escape(a) for a in PHOTO_AGENCIES)
    + r")\s*$"
)
# "jessica jones season 2 hogarth trish": an image file name or alt-text slug.
_SLUG = re.compile(r"^[a-z0-9][a-z0-9 '’&_.-]*$")
_COOKIE = re.compile(
    r"\b(?:use[sd]?\s+(?:of\s+)?cookies|cookies?\s+(?:policy|settings|preferences|notice|consent)"
    r"|accept\s+(?:all\s+)?cookies|cookies\s+help\s+us|we\s+use\s+cookies"
    r"|this\s+(?:site|website)\s+uses\s+cookies)\b",
    re.IGNORECASE,
)
# WordPress's feed footer in both word orders and the translations WordPress
# ships: "The post X appeared first on Y.", "The post X first appeared on Y.",
# "Der Beitrag X erschien zuerst auf Y.", "L'article X est apparu en premier sur Y.";
# and Medium's: "X was originally published in Y on Medium, where people are
# continuing the conversation by highlighting and responding to this story."
_APPEARED_FIRST = re.compile(
    r"^(?:.+\bwas\s+originally\s+published\s+in\b.+\bon\s+medium,\s+where\s+people\b"
    r"|the\s+post\b.+\b(?:appeared\s+first|first\s+appeared)\s+on\b"
    r"|der\s+beitrag\b.+\berschien\s+zuerst\s+auf\b"
    r"|l['’]article\b.+\best\s+apparu\s+en\s+premier\s+sur\b"
    r"|la\s+entrada\b.+\bse\s+public[óo]\s+primero\s+en\b"
    r"|het\s+bericht\b.+\bverscheen\s+eerst\s+op\b"
    r"|l['’]articolo\b.+\bsembra\s+essere\s+il\s+primo\s+su\b).+$",
    re.IGNORECASE,
)
_APPEARED_HINTS: tuple[str, ...] = (
    "appeared", "erschien", "apparu", "public", "verscheen", "sembra", "on medium",
)  # fmt: skip
# Without "The post": "X appeared first on Y." where Y is a site's name (capitalised,
# a few words) and the block is that one sentence. "The single appeared first on
# local radio" names no site.
_APPEARED_FIRST_BARE = re.compile(
    r"^\S.{2,300}?\s(?:appeared\s+first|first\s+appeared)\s+on\s+"
    r"(?:[A-Z0-9][\w.&'’-]*)(?:\s+[A-Z0-9][\w.&'’-]*){0,5}\s*\.?$"
)
_EDITORS_NOTE = re.compile(r"^(?:\*\s*)?editor[’']?s[’']?\s+note\b", re.IGNORECASE)
_ABOUT_PAGE = re.compile(
    r"\b(?:this|the)\s+(?:article|story|post|piece|page|list)\b", re.IGNORECASE
)
_PAGE_NOTICE = re.compile(
    r"^(?:this|the)\s+(?:article|story|post|piece|page)\s+"
    r"(?:(?:has\s+been|was|is|will\s+be|may\s+be)\s+)?(?:originally\s+|regularly\s+|last\s+|periodically\s+)?"
    r"(?:updated|published|posted|appeared|contains?\s+affiliate)\b",
    re.IGNORECASE,
)
_AFFILIATE = re.compile(
    r"\b(?:affiliate\s+(?:links?|commission)|may\s+earn\s+(?:a\s+)?(?:small\s+)?commission"
    r"|earn\s+from\s+qualifying\s+purchases|supported\s+by\s+commissions)\b",
    re.IGNORECASE,
)
# "This article is exclusive to STAT+ subscribers": a paywall's notice, not the story.
_PAYWALL = re.compile(
    r"^(?:this|the\s+rest\s+of\s+this)\s+(?:article|story|post|content|piece)\s+is\s+"
    r"(?:exclusive|only\s+available|available\s+only|reserved)\s+(?:to|for)\b",
    re.IGNORECASE,
)
# "11 min read", "5 minute read", "Reading time: 4 minutes".
_READING_TIME = re.compile(
    r"^(?:(?:estimated\s+)?reading\s+time\s*:?\s*)?(?:about\s+)?\d+\s*(?:-|–)?\s*"
    r"(?:min(?:ute)?s?\.?)(?:\s+(?:read|reading|to\s+read)(?:\s+time)?)?$",
    re.IGNORECASE,
)
# A pitch inside a short block: newsletter sign-ups, "follow us on", "if you
# enjoyed this article". Short blocks only (see ``is_pitch``): in a long
# paragraph these words are usually reported speech.
_PITCH = re.compile(
    r"\b(?:sign(?:ing)?\s+up|subscribe|join)\b[^.!?]{0,80}\bnewsletters?\b"
    r"|\bfollow\s+us\s+on\b"
    r"|\b(?:delivered|sent)\s+(?:straight\s+|directly\s+|right\s+)?to\s+your\s+inbox\b"
    r"|\bif\s+you\s+(?:liked|enjoyed)\s+this\s+(?:article|post|story|piece|essay)\b",
    re.IGNORECASE,
)
# Appeals for support that close an article: "please consider subscribing",
# "support our work", "become a patron". Judged sentence by sentence.
_APPEAL = re.compile(
    r"\bplease\s+consider\s+(?:\w+ing\b|a\s+(?:one-off\s+|small\s+)?donation|supporting)"
    r"|\bsupport\s+(?:us|our\s+(?:work|journalism|site|newsletter))\b"
    r"|\bbecome\s+a\s+(?:member|patron|supporter|paid\s+subscriber)\b"
    r"|^(?:please\s+)?(?:chip\s+in|donate|give)\s+(?:today|now|here|what\s+you\s+can)\b"
    r"|\bbuy\s+(?:me|us)\s+a\s+(?:coffee|beer)\b"
    r"|^(?:please\s+)?support\s+(?:the|this|my|our)\s+(?:channel|show|podcast|blog|newsletter"
    r"|newsroom|site|work)\b"
    # The statement an appeal leans on: "X is reader-funded and free to read",
    # "a not-for-profit newsroom funded by readers" (a sentence that ends there).
    r"|\b(?:reader|listener|viewer|member|audience)s?[-\s](?:funded|supported|powered)\b"
    r"|\bfunded\s+(?:entirely\s+|mostly\s+|largely\s+)?by\s+(?:its\s+|our\s+)?"
    r"(?:readers|listeners|viewers|members|supporters)\s*[.!]?$",
    re.IGNORECASE,
)
# A one-line appeal on its own: "Support the channel on Patreon", "His Patreon",
# "Chip in today", "Patreon: https://...".
_LONE_APPEAL = re.compile(
    r"^(?:(?:his|her|my|our|their|the\s+show's|the\s+channel's)\s+)?"
    r"(?:patreon|ko-fi|buy\s+me\s+a\s+coffee|liberapay|donation\s+link)\b"
    r"(?:\s*(?::|page|link)\s*\S*)?$",
    re.IGNORECASE,
)
LONE_APPEAL_MAX_WORDS = 12
APPEAL_MIN_SENTENCES = 2
# A word every alternative of a regex needs, looked for before the regex runs (most
# blocks have none; the regexes were most of the block rules' time, docs/benchmarks.md).
_COOKIE_HINTS = ("cookie",)
_DISCLOSURE_HINTS = ("compensat", "your", "submitting")  # or a block opening "this"
_PITCH_HINTS = ("newsletter", "follow", "inbox", "liked", "enjoyed")
_APPEAL_HINTS = ("consider", "support", "become", "chip", "donat", "give", "buy", "fund", "powered")
# A block with none of the words _PITCH, _APPEAL or _LONE_APPEAL need asks nothing.
_ASK_HINTS = (*_PITCH_HINTS, *_APPEAL_HINTS, "patreon", "ko-fi", "coffee", "liberapay")
# Statements about the page's business rather than the story: advertiser
# compensation, form consent, syndication credits.
_DISCLOSURE = re.compile(
    r"\b(?:we|i)\s+may\s+(?:be\s+compensated|receive\s+(?:financial\s+)?compensation)\b"
    r"|\bby\s+(?:entering|submitting|providing)\s+your\s+(?:email|e-mail|information|details|phone)"
    r"|^terms\s+of\s+submitting\s+this\s+form\b"
    r"|^this\s+(?:article|story|post|piece)\s+(?:about\s+[^.]{0,120}?\s+)?(?:was|is)\s+"
    r"(?:written|produced|reported)\s+by\b"
    r"|^this\s+(?:article|story|post|piece|reporting|coverage|series)\s+(?:is|was)\s+"
    r"(?:funded|made\s+possible|supported|paid\s+for)\s+by\b",
    re.IGNORECASE,
)
# "© 2025 Site, LLC", "Copyright 2025 Jane Doe. All Rights Reserved."
_COPYRIGHT = re.compile(
    r"^(?:©|\(c\)\s|copyright\s*(?:©|\(c\)|\d{4}))|\ball\s+rights\s+reserved\b", re.IGNORECASE
)
# "Copyright DC Rainmaker - Updated November 11th, 2017": the holder's name and a
# dash; "Copyright law was reformed in 2014" names no holder.
_COPYRIGHT_HOLDER = re.compile(r"^(?i:copyright)\s+(?:[A-Z0-9][\w.&'’-]*\s+){1,4}[-–—|]\s")
# "Page 1 of 8": a pager's label.
_PAGER = re.compile(r"^page\s+\d+\s+(?:of|/)\s+\d+$", re.IGNORECASE)
# Buttons of a sales page: a few words, a verb that sells and an offer ("Start
# free trial", "Book a demo", "Get a Free Quote"); and longer ads that name a
# price cut or a free trial ("Unlock up to 55% off your subscription today!").
_SALES_VERB = re.compile(
    r"^(?:get|start|begin|try|unlock|book|claim|download|upgrade|sign\s+up)\b", re.IGNORECASE
)
_OFFER = re.compile(
    r"\bfree\b|\btoday\b|\btrial\b|\bdemo\b|\bdiscount|\bcoupon|\bpromo\b", re.IGNORECASE
)
_HARD_OFFER = re.compile(
    r"\d+\s*%\s*off\b|\bfree\s+(?:credits|trial)\b|\bcoupon\b|\bpromo\s+code\b|\blow-interest\b",
    re.IGNORECASE,
)
BUTTON_MAX_WORDS = 6
AD_MAX_WORDS = 25

Rule = Callable[[str], bool]

# No standalone rule (nor a metadata line) fires on a block longer than this:
# each rule is capped at or below it (the cookie rule's 80 words is the
# largest), so longer blocks, most of any article, skip the rules entirely.
# A new rule with a larger reach must raise this. One exception, in
# ``LONG_BLOCK_RULES``: a "Related Posts: A, B, C ..." list, checked on longer
# blocks by a match on their first words only.
RULE_REACH_WORDS = 80


def is_furniture(text: str) -> bool:
    """A whole line that names a page widget: "Top Stories", "Share this article",
    or a row of bare link labels ("Amazon Link Link")."""
    return normalise(text) in FURNITURE_LINES or is_link_row(text)


def is_prompt(text: str) -> bool:
    """A short call to share, follow, subscribe or read elsewhere."""
    if word_count(text) > 20:
        return False
    line = normalise(text)
    return line.startswith(PROMPT_PREFIXES)


def is_reader_call(text: str) -> bool:
    """A short block made only of reader prompts and questions to the reader.

    "Do you think X? Let us know in the comments!" goes; a paragraph that
    reports "comments from Mike Colter suggest ..." stays, because none of its
    sentences opens with a call, and a paragraph with a statement before the
    call stays too (we keep prose rather than risk cutting it).
    """
    if word_count(text) > 60:
        return False
    parts = sentences(text)
    if not parts or len(parts) > 3:
        return False
    calls = [_opens_with_call(p) for p in parts]
    if not any(calls):
        return False
    return all(
        call or part.rstrip("”\"’' ").endswith("?") for call, part in zip(calls, parts, strict=True)
    )


def _opens_with_call(sentence: str) -> bool:
    return normalise(sentence).startswith(READER_CALLS)


def is_cookie_banner(text: str) -> bool:
    """Cookie/consent notices. Capped in length so an essay about cookies survives."""
    return (
        word_count(text) <= 80
        and _has_hint(text, _COOKIE_HINTS)
        and _COOKIE.search(text) is not None
    )


def is_credit(text: str) -> bool:
    """A photo credit line: "Photo via Netflix", "Marvel Entertainment/YouTube"."""
    if word_count(text) > 8:
        return False
    stripped = text.strip()
    if _CREDIT_LINE.match(stripped) or _COURTESY_LINE.match(stripped):
        return True
    return word_count(stripped) <= 7 and _SLASH_CREDIT.match(stripped) is not None


def is_caption(text: str) -> bool:
    """A caption that carries its credit: "... post-Kilgrave. Netflix / Marvel",
    "New photo ... (Photo Credit - EW)". Captions are short, so long blocks are spared.
    """
    if word_count(text) > 45:
        return False
    stripped = text.strip()
    return bool(
        _TRAILING_PAREN_CREDIT.search(stripped)
        or _CAPTION_TAIL.search(stripped)
        or _AGENCY_TAIL.search(stripped)
    )


def is_slug(text: str) -> bool:
    """An all-lowercase fragment with no sentence punctuation: image alt text.

    Only used for plain text, where markup can no longer tell us it was an alt.
    """
    stripped = text.strip()
    words = word_count(stripped)
    if not 2 <= words <= 15 or stripped.endswith((".", "!", "?")):
        return False
    return _SLUG.match(stripped) is not None and any(c.isalpha() for c in stripped)


def is_appeared_first(text: str) -> bool:
    """WordPress feed footer, either word order, any language WordPress ships it in:
    "The post X appeared first on Y.", "X appeared first on Y", "Der Beitrag X
    erschien zuerst auf Y."."""
    if word_count(text) > 50 or not _has_hint(text, _APPEARED_HINTS):
        return False
    stripped = text.strip()
    if _APPEARED_FIRST.match(stripped):
        return True
    return len(sentences(stripped)) == 1 and _APPEARED_FIRST_BARE.match(stripped) is not None


def is_page_note(text: str) -> bool:
    """Notes about the page rather than the story: update notices, affiliate disclaimers."""
    if word_count(text) > 45:
        return False
    stripped = text.strip()
    if _EDITORS_NOTE.match(stripped) and _ABOUT_PAGE.search(stripped):
        return True
    return bool(
        _PAGE_NOTICE.match(stripped) or _AFFILIATE.search(stripped) or _PAYWALL.match(stripped)
    )


def is_pitch(text: str) -> bool:
    """A short block that asks for a sign-up or a follow: "Sign up for our newsletter"."""
    return word_count(text) <= 40 and _has_pitch(text)


def _has_pitch(text: str) -> bool:
    return _has_hint(text, _PITCH_HINTS) and _PITCH.search(text) is not None


def _has_appeal(text: str) -> bool:
    return _has_hint(text, _APPEAL_HINTS) and _APPEAL.search(text) is not None


def is_appeal(text: str) -> bool:
    """A short block that is mostly asks: two or more sentences of pitch or
    appeal, at least half of its sentences. One such sentence inside a
    paragraph of news ("the mayor urged residents to support our work...") is
    not enough."""
    words = word_count(text)
    if words > 80 or not _has_hint(text, _ASK_HINTS):
        return False
    parts = sentences(text)
    if words <= LONE_APPEAL_MAX_WORDS and len(parts) == 1:
        line = normalise(parts[0])
        if _LONE_APPEAL.match(line) or _APPEAL.match(line):
            return True
    asks = sum(1 for part in parts if _has_pitch(part) or _has_appeal(part))
    return asks >= APPEAL_MIN_SENTENCES and 2 * asks >= len(parts)


def is_pager(text: str) -> bool:
    """A pager label: "Page 1 of 8"."""
    return word_count(text) <= 4 and _PAGER.match(normalise(text)) is not None


def is_sales_call(text: str) -> bool:
    """A sales button or a short ad: a selling verb first and an offer in it.

    Buttons ("Start free trial", "Get a demo") are a few words; longer lines
    need a hard offer (a percentage off, a free trial or credits, a coupon).
    A how-to's step ("Start with a budget under $300") names no offer.
    """
    stripped = text.strip()
    words = word_count(stripped)
    if words > AD_MAX_WORDS or not _SALES_VERB.match(stripped):
        return False
    offer = _OFFER if words <= BUTTON_MAX_WORDS else _HARD_OFFER
    return offer.search(stripped) is not None


def is_disclosure(text: str) -> bool:
    """Advertiser, form-consent and syndication notices about the page, not the story."""
    if word_count(text) > 80:
        return False
    if not (_has_hint(text, _DISCLOSURE_HINTS) or normalise(text).startswith("this")):
        return False
    return _DISCLOSURE.search(text.strip()) is not None


def is_reading_time(text: str) -> bool:
    """A reading-time badge: "11 min read", "Reading time: 4 minutes"."""
    return word_count(text) <= 6 and _READING_TIME.match(normalise(text)) is not None


def is_copyright(text: str) -> bool:
    """A copyright footer line. Short: an article may discuss copyright at length."""
    if word_count(text) > 25:
        return False
    stripped = text.strip()
    return _COPYRIGHT.search(stripped) is not None or _COPYRIGHT_HOLDER.match(stripped) is not None


# A teaser: the opening of another article cut off mid-sentence, by an
# ellipsis or simply after a comma or a word that cannot end a sentence.
TEASER_MIN_WORDS = 15
_TRUNCATED = re.compile(
    r"(?:\.\.\.|…|\[\s*(?:\.\.\.|…)\s*\]|,"
    r"|\s(?:a|an|the|of|to|for|with|through|and|or|but|in|on|at|by|from|their|our|your|its))"
    r"\s*$",
    re.IGNORECASE,
)


def is_truncated(text: str) -> bool:
    """Prose that stops mid-sentence: one sign of a teaser (see ``blocks``)."""
    return word_count(text) >= TEASER_MIN_WORDS and _TRUNCATED.search(text[-24:]) is not None


# Rules that need nothing but the block itself, in the order they are tried:
# (name, reach, rule). The name is reported as the reason a block was dropped;
# the reach is the most words a block may have for the rule to fire at all
# (each rule also checks its own cap), so a long paragraph is not put through
# rules that could never match it.
STANDALONE_RULES: tuple[tuple[str, int, Rule], ...] = (
    ("cookie", 80, is_cookie_banner),
    ("furniture", max(word_count(line) for line in FURNITURE_LINES), is_furniture),
    ("prompt", 20, is_prompt),
    ("reader-call", 60, is_reader_call),
    ("appeared-first", 50, is_appeared_first),
    ("page-note", 45, is_page_note),
    ("credit", 8, is_credit),
    ("caption", 45, is_caption),
    ("reading-time", 6, is_reading_time),
    ("pitch", 40, is_pitch),
    ("disclosure", 80, is_disclosure),
    ("appeal", 80, is_appeal),
    ("copyright", 25, is_copyright),
    ("pager", 4, is_pager),
    ("sales-call", AD_MAX_WORDS, is_sales_call),
    ("glyph", 5, is_glyph_line),
    ("read-on", READ_ON_MAX_WORDS, is_read_on),
    ("sponsor", SPONSOR_LABEL_MAX_WORDS, is_sponsor_label),
    ("related-list", RELATED_LIST_LONG_MAX_WORDS, is_related_list),
    ("podcast-pitch", PODCAST_PITCH_MAX_WORDS, is_podcast_pitch),
    ("tip-line", TIP_LINE_MAX_WORDS, is_tip_line),
    ("caption-name", CAPTION_NAME_TAIL_MAX_WORDS, is_caption_with_name),
    ("label-line", LABEL_LINE_MAX_WORDS, is_label_line),
)
# Rules tried on blocks longer than ``RULE_REACH_WORDS`` too (within their reach).
LONG_BLOCK_RULES: frozenset[str] = frozenset({"related-list"})
# Rules for plain text only, where markup can no longer tell a caption from the
# story. In a feed entry, "Summary of the story. <br><i>Medscape News UK</i>"
# has the caption's shape and is the story's summary.
PLAIN_ONLY_RULES: frozenset[str] = frozenset({"caption-name"})
