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
from functools import lru_cache

# Whole lines that are page furniture, compared after ``normalise``.
FURNITURE_LINES: frozenset[str] = frozenset(
    {
        "top stories",
        "related",
        "related articles",
        "related stories",
        "related posts",
        "related content",
        "related coverage",
        "related post",
        "related reads",
        "related reading",
        "related topics",
        "popular posts",
        "popular stories",
        "more like this",
        "further reading",
        "table of contents",
        "recommended",
        "recommended for you",
        "read more",
        "read next",
        "read this next",
        "more stories",
        "more from this author",
        "you may also like",
        "you might also like",
        "trending",
        "trending now",
        "popular",
        "most popular",
        "advertisement",
        "sponsored",
        "sponsored content",
        "continue reading",
        "continue reading below",
        "advertisement - continue reading below",
        "skip advertisement",
        "story continues below",
        "article continues below",
        "in body image",
        "featured image",
        "share",
        "share this",
        "share this article",
        "share this story",
        "share this post",
        "share this page",
        "tweet",
        "email",
        "print",
        "comments",
        "leave a comment",
        "leave a reply",
        "post a comment",
        "view comments",
        "show comments",
        "join the discussion",
        "join the conversation",
        "sign up",
        "subscribe",
        "subscribe now",
        "back to top",
        "skip to content",
        "skip to main content",
        # The banner over every US government site.
        "an official website of the united states government",
        "follow us",
        "newsletter",
        "newsletters",
        # Site links that trail an article on whole pages.
        "privacy policy",
        "cookie policy",
        "advertising policy",
        "terms & conditions",
        "terms and conditions",
        "terms of use",
        "terms of service",
        "all rights reserved",
        "contact us",
        "sign in",
        "log in",
        "already have an account? log in",
        "already have an account? sign in",
        "login",
        "register",
        "back to blog",
        "back to all posts",
        "back to blogs",
        "back to news",
        "blog index",
        "tags",
        "categories",
        "partner links",
        "pin it",
        "pin for later",
        "previous article",
        "next article",
        "previous post",
        "next post",
        "older post",
        "newer post",
        "share on facebook",
        "share on twitter",
        "share on linkedin",
        "copy link",
        # Call-to-action buttons left as lines of their own.
        "book now",
        "buy now",
        "shop now",
        "order now",
        "apply now",
        "donate now",
        "download now",
        "call now",
        "learn more",
        "find out more",
        "get started",
        "get started today",
        "book a demo",
        "request a demo",
        "schedule a demo",
        "get a demo",
        "get in touch",
        "request a quote",
        "get a quote",
        "get a free quote",
        "contact info",
        "stay connected",
        "see more",
        "view more",
        "load more",
        "show more",
        "view all",
        "see all",
    }
)

# Headings that open a list of other articles (each one of FURNITURE_LINES too).
# Past the middle of an article they end it: the titles and teasers under them
# go too (see ``blocks``).
RELATED_HEADINGS: frozenset[str] = frozenset(
    {
        "top stories",
        "related",
        "related articles",
        "related stories",
        "related posts",
        "related post",
        "related content",
        "related coverage",
        "related reads",
        "related reading",
        "recommended",
        "recommended for you",
        "read next",
        "read this next",
        "more stories",
        "more like this",
        "more from this author",
        "you may also like",
        "you might also like",
        "popular posts",
        "popular stories",
        "most popular",
        "trending now",
        "further reading",
    }
)
# Short lines that start like these are calls to share, follow or read on.
PROMPT_PREFIXES: tuple[str, ...] = (
    "read more:",
    "read more at",
    "read more about",
    "read next:",
    "related:",
    "see also:",
    "more:",
    "also read:",
    "recommended:",
    "you might also like:",
    "you may also like:",
    "you may be interested in",
    "you may also be interested in",
    "share this article",
    "share this story",
    "share on ",
    "share via ",
    "follow us on",
    "follow us at",
    "follow us for",
    "like us on",
    "find us on",
    "subscribe to our",
    "subscribe to the",
    "subscribe for",
    "sign up for our",
    "sign up to our",
    "sign up for the",
    "get our newsletter",
    "join our newsletter",
    "join our mailing list",
    "get the latest",
    "get all the latest",
    "stay up to date",
    "stay informed",
    "stay in the know",
    "click here to",
    "don't miss",
    "don't forget to follow",
    "don't forget to subscribe",
    "previous article:",
    "next article:",
    "previous post:",
    "next post:",
    "join medium",
    "join the facebook group",
    "join our facebook group",
    "help me spread the word",
    "help us spread the word",
    "view on amazon",
    "buy on amazon",
    "would you like to receive notifications",
    "products are chosen independently",
    "feature image by",
    "featured image by",
    "advertisement:",
    "sponsored:",
    "request a free",
    "request your free",
    "get a free",
    "get your free",
    "schedule a free",
    "book a free",
    "claim your free",
    "start your free",
    "check price",
    "check prices",
    "see price",
    "fill out the form",
    "fill out this form",
    "fill out our form",
    "talk to our",
    "talk to an expert",
    "contact us today",
    "call us today",
)

# Sentences that ask the reader to react. A block is only dropped when every
# sentence in it is one of these or a question to the reader.
READER_CALLS: tuple[str, ...] = (
    "let us know",
    "tell us",
    "share your thoughts",
    "share your opinion",
    "share your take",
    "sound off",
    "leave a comment",
    "leave your comment",
    "leave your thoughts",
    "drop a comment",
    "drop us a comment",
    "drop your thoughts",
    "comment below",
    "join the discussion",
    "join the conversation",
    "what do you think",
    "what are your thoughts",
    "stay tuned",
    "be sure to follow",
    "be sure to subscribe",
    "make sure to follow",
    "don't forget to",
    "follow us",
    "subscribe to",
    "tell your friends",
    "share it with your friends",
)

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
# "Der Beitrag X erschien zuerst auf Y.", "L'article X est apparu en premier sur Y."
_APPEARED_FIRST = re.compile(
    r"^(?:the\s+post\b.+\b(?:appeared\s+first|first\s+appeared)\s+on\b"
    r"|der\s+beitrag\b.+\berschien\s+zuerst\s+auf\b"
    r"|l['’]article\b.+\best\s+apparu\s+en\s+premier\s+sur\b"
    r"|la\s+entrada\b.+\bse\s+public[óo]\s+primero\s+en\b"
    r"|het\s+bericht\b.+\bverscheen\s+eerst\s+op\b"
    r"|l['’]articolo\b.+\bsembra\s+essere\s+il\s+primo\s+su\b).+$",
    re.IGNORECASE,
)
_APPEARED_HINTS: tuple[str, ...] = (
    "appeared", "erschien", "apparu", "public", "verscheen", "sembra",
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
# A word each of _PITCH, _APPEAL and _LONE_APPEAL needs (lower case).
_ASK_HINTS: tuple[str, ...] = (
    "newsletter", "follow", "inbox", "liked", "enjoyed", "consider", "support", "become",
    "chip", "donat", "give", "buy", "fund", "powered", "patreon", "ko-fi", "coffee", "liberapay",
)  # fmt: skip
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
_SENTENCE_END = re.compile(r"(?<=[.!?…])[”\"’')\]]*\s+(?=\S)")

Rule = Callable[[str], bool]

# No standalone rule (nor a metadata line) fires on a block longer than this:
# each rule is capped at or below it (the cookie rule's 80 words is the
# largest), so longer blocks, most of any article, skip the rules entirely.
# A new rule with a larger reach must raise this. One exception, in
# ``LONG_BLOCK_RULES``: a "Related Posts: A, B, C ..." list, checked on longer
# blocks by a match on their first words only.
RULE_REACH_WORDS = 80


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


def _has_hint(text: str, hints: tuple[str, ...]) -> bool:
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


def is_furniture(text: str) -> bool:
    """A whole line that names a page widget: "Top Stories", "Share this article"."""
    return normalise(text) in FURNITURE_LINES


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
    return word_count(text) <= 80 and _COOKIE.search(text) is not None


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
    return word_count(text) <= 40 and _PITCH.search(text) is not None


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
    asks = sum(1 for part in parts if _PITCH.search(part) or _APPEAL.search(part))
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
    return word_count(text) <= 80 and _DISCLOSURE.search(text.strip()) is not None


def is_reading_time(text: str) -> bool:
    """A reading-time badge: "11 min read", "Reading time: 4 minutes"."""
    return word_count(text) <= 6 and _READING_TIME.match(normalise(text)) is not None


def is_copyright(text: str) -> bool:
    """A copyright footer line. Short: an article may discuss copyright at length."""
    if word_count(text) > 25:
        return False
    stripped = text.strip()
    return _COPYRIGHT.search(stripped) is not None or _COPYRIGHT_HOLDER.match(stripped) is not None


# Feed furniture (issue 18): the lines feeds and blog engines add around a post.

# A permalink or end-of-post mark alone on a line: "★", "◉", "∞", "#", "¶", "→".
_GLYPH_LINE = re.compile(r"^[★☆◉●○∞#¶→⇢➝➜⁂✱✦⚓🔗\s]{1,5}$")
# A link to the rest of the post, in the languages of the review corpus and the
# engines' defaults: "Continue reading on Medium »", "[read more]", "Weiterlesen".
_READ_ON = re.compile(
    r"^(?:\.\.\.|…)?\s*[\[(]?\s*(?:continue\s+reading|read\s+more|read\s+the\s+rest"
    r"|keep\s+reading|read\s+the\s+full\s+(?:post|article|story)|weiterlesen|mehr\s+lesen"
    r"|lire\s+la\s+suite|leer\s+m[aá]s|continuar\s+leyendo|continua\s+a\s+leggere|leggi\s+tutto"
    r"|lees\s+verder|ler\s+mais|czytaj\s+dalej|läs\s+mer|les\s+mer|læs\s+mere)"
    r"(?:\s+(?:on|at|auf|sur|en|su|op)(?:\s+[\w.'-]+){0,4})?\s*[\])]?\s*(?:\.\.\.|…)?$",
    re.IGNORECASE,
)
READ_ON_MAX_WORDS = 8
# The label that opens a sponsor block: "Sponsored by:", "This episode is
# brought to you by:", "Sponsor: Linode". The promo lines under it go too (see
# ``blocks``); "The audit was sponsored by the CNCF." is a sentence, not a label.
_SPONSOR_LABEL = re.compile(
    r"^(?:(?:this|today's|this\s+week's)\s+(?:episode|show|post|newsletter|video|issue|podcast)"
    r"\s+is\s+)?(?:(?:sponsored|brought\s+to\s+you|supported|made\s+possible)\s+by|sponsors?"
    r"|our\s+sponsors?|thanks\s+to\s+our\s+sponsors?)\s*(?::\s*(?P<rest>.*))?$",
    re.IGNORECASE,
)
SPONSOR_LABEL_MAX_WORDS = 12
_SPONSOR_HINTS: tuple[str, ...] = ("sponsor", "brought to you", "supported by", "made possible")
# A list of links under a "Related posts:" label in one block.
_RELATED_LIST = re.compile(
    r"^(?:related\s+(?:posts?|articles?|stories|links)"
    r"|more\s+(?:posts|stories)\s+like\s+this|ähnliche\s+beiträge|articles\s+similaires"
    r"|entradas\s+relacionadas|articoli\s+correlati)\s*:",
    re.IGNORECASE,
)
RELATED_LIST_MAX_WORDS = 60
# ... or longer when it is only a list: three or more titles between commas or
# dots, and no sentence starting inside it ("Related Posts: A, B, C, ...").
RELATED_LIST_LONG_MAX_WORDS = 200
_LIST_ITEM_SEPARATOR = re.compile(r",\s+|\s+[·•|]\s+")
_SENTENCE_INSIDE = re.compile(r"[.!?]\s+[a-z]")
# "Subscribe now in your podcast app!", "Follow the show on Apple Podcasts".
_PODCAST_PITCH = re.compile(
    r"^(?:please\s+)?(?:subscribe|follow|listen|download|rate(?:\s+and\s+review)?|find)"
    r"\b[^.!?:]{0,60}\b(?:(?:your|any|a|the)\s+(?:favou?rite\s+)?podcast\s+(?:app|player|apps)"
    r"|apple\s+podcasts|itunes|spotify|overcast|pocket\s+casts|google\s+podcasts|castro)\b",
    re.IGNORECASE,
)
PODCAST_PITCH_MAX_WORDS = 25
_PODCAST_HINTS: tuple[str, ...] = ("podcast", "itunes", "spotify", "overcast", "casts", "castro")
# A tip line: "Got a story? Email newsdesk@... or message us on WhatsApp.",
# "Have a news tip? Contact us." A question that asks for tips, then a way to
# send them.
_TIP_QUESTION = re.compile(
    r"^(?:(?:have\s+you\s+)?got|do\s+you\s+have|have)\s+(?:a\s+|any\s+)?"
    r"(?:news\s+)?(?:story|stories|tip|tips|tip-off|news\s+tip|scoop|lead)"
    r"(?:\s+(?:for\s+us|to\s+share|idea))?\s*\?",
    re.IGNORECASE,
)
_TIP_CONTACT = re.compile(
    r"@|\b(?:e-?mail|contact|message|call|text|write\s+to|get\s+in\s+touch|whatsapp|signal"
    r"|send|submit|tell\s+us|drop\s+us)\b",
    re.IGNORECASE,
)
TIP_LINE_MAX_WORDS = 35
# A caption whose credit is a bare name after it: "Yusuf Marchetti with his
# telescope in Glenarrow. Kelderholm Observatory". One short sentence, then two
# to four capitalised words with no verb and no full stop, on the same line: a
# summary with its publication's name on a line below ("... older adults.\n
# Medscape News UK") is a story's summary, and stays.
_CAPTION_NAME_TAIL = re.compile(
    r"^[^.!?:\n]{8,200}\.[ \t]+(?P<credit>[A-Z][\w&'’-]*(?:[ \t]+(?:[A-Z][\w&'’-]*|of|and|the|for)){1,3})$"
)
CAPTION_NAME_TAIL_MAX_WORDS = 30
CAPTION_MIN_WORDS = 5
_ABBREVIATIONS = frozenset({"vs", "etc", "inc", "corp", "univ", "dept", "approx"})
# A line of section or tag labels: "Science · Wire", "News • Environment". (A bar joins table cells.)
_LABEL_SEPARATOR = re.compile(r"\s+[·•]\s+")
_LABEL = re.compile(r"^[A-Z][\w&'’-]*(?:\s+(?:[A-Z&][\w&'’-]*|of|and|the|&)){0,2}$")
LABEL_LINE_MAX_WORDS = 12


def is_glyph_line(text: str) -> bool:
    """A permalink or end mark alone on a line: "★", "◉", "∞", "#", "¶", "→"."""
    stripped = text.strip()
    return bool(stripped) and _GLYPH_LINE.match(stripped) is not None


def is_read_on(text: str) -> bool:
    """A link to the rest of the post: "Continue reading on Medium »", "[read more]"."""
    if word_count(text) > READ_ON_MAX_WORDS:
        return False
    line = re.sub(r"\s+", " ", text).strip().rstrip(" .:!?»›>→-–—")
    return _READ_ON.match(line) is not None


def sponsor_label(text: str) -> str | None:
    """What follows a sponsor label on its line ("" for a bare "Sponsored by:"),
    or None when the block is not one."""
    if word_count(text) > SPONSOR_LABEL_MAX_WORDS or not _has_hint(text, _SPONSOR_HINTS):
        return None
    found = _SPONSOR_LABEL.match(normalise(text) if ":" not in text else text.strip())
    if found is None:
        return None
    return (found.group("rest") or "").strip()


def is_sponsor_label(text: str) -> bool:
    """A sponsor block's label: "Sponsored by:", "This episode is brought to you by: X"."""
    return sponsor_label(text) is not None


def is_related_list(text: str) -> bool:
    """ "Related Posts: A · B · C" in one block: a label and the titles it lists."""
    words = word_count(text)
    stripped = text.strip()
    found = _RELATED_LIST.match(stripped)
    if found is None or words > RELATED_LIST_LONG_MAX_WORDS:
        return False
    if words <= RELATED_LIST_MAX_WORDS:
        return True
    rest = stripped[found.end() :]
    return len(_LIST_ITEM_SEPARATOR.split(rest)) >= 3 and _SENTENCE_INSIDE.search(rest) is None


def is_podcast_pitch(text: str) -> bool:
    """ "Subscribe now in your podcast app!": every sentence asks to subscribe or follow."""
    if word_count(text) > PODCAST_PITCH_MAX_WORDS or not _has_hint(text, _PODCAST_HINTS):
        return False
    parts = sentences(text)
    return bool(parts) and all(_PODCAST_PITCH.match(part.strip()) for part in parts)


def is_tip_line(text: str) -> bool:
    """ "Got a story? Email newsdesk@... or message us.": a call for tips and where to send them."""
    if word_count(text) > TIP_LINE_MAX_WORDS:
        return False
    stripped = text.strip()
    found = _TIP_QUESTION.match(stripped)
    return found is not None and _TIP_CONTACT.search(stripped[found.end() :]) is not None


def is_caption_with_name(text: str) -> bool:
    """A short caption sentence followed by a bare credit: "X in Glenarrow. Kelderholm Observatory"."""
    if word_count(text) > CAPTION_NAME_TAIL_MAX_WORDS or ". " not in text:
        return False
    found = _CAPTION_NAME_TAIL.match(text.strip())
    if found is None:
        return False
    head = text.strip()[: found.start("credit")].rstrip()
    last = head.rsplit(None, 1)[-1].rstrip(".!?").lower()
    return word_count(head) >= CAPTION_MIN_WORDS and len(last) > 3 and last not in _ABBREVIATIONS


def is_label_line(text: str) -> bool:
    """A line of section or tag labels joined by a middle dot or bar: "Science · Wire"."""
    if word_count(text) > LABEL_LINE_MAX_WORDS or ("·" not in text and "•" not in text):
        return False
    parts = _LABEL_SEPARATOR.split(text.strip())
    return len(parts) >= 2 and all(_LABEL.match(part) for part in parts)


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
