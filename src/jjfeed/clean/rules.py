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
_APPEARED_FIRST = re.compile(r"^the post\b.+\bappeared first on\b.+$", re.IGNORECASE)
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
    r"|\bbecome\s+a\s+(?:member|patron|supporter|paid\s+subscriber)\b",
    re.IGNORECASE,
)
APPEAL_MIN_SENTENCES = 2
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
# A new rule with a larger reach must raise this.
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
    """WordPress feed footer: "The post X appeared first on Y."."""
    return word_count(text) <= 50 and _APPEARED_FIRST.match(text.strip()) is not None


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
    if word_count(text) > 80:
        return False
    parts = sentences(text)
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
    return word_count(text) <= 25 and _COPYRIGHT.search(text.strip()) is not None


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
)
