"""What markup alone says: which elements are furniture, and which facts it states.

A ``<figcaption>`` is a caption, a ``<div class="share-buttons">`` is a widget,
a 1x1 ``<img>`` is a tracker, a ``<time datetime>`` is a date and an element
marked ``rel="author"`` names the author. These judgements need no text rules,
so they live here, as tables first and the few predicates that read them
after. The tree is lxml's (``lxml.html`` or a plain ``lxml.etree`` tree, as
trafilatura returns): elements are walked directly, nothing is copied.
"""

from __future__ import annotations

import re
from typing import TypeAlias

from lxml import etree

from jjfeed.clean import meta
from jjfeed.clean.dates import Stamp, parse_date
from jjfeed.clean.meta import Found

Element: TypeAlias = etree._Element

# Removed with everything inside them.
DROP_TAGS: frozenset[str] = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object",
        "embed", "applet", "form", "input", "button", "select", "textarea", "option", "label",
        "svg", "canvas", "audio", "video", "source", "track", "map", "area", "dialog",
        "nav", "aside", "footer", "figcaption", "head", "title", "meta", "link", "base",
    }
)  # fmt: skip
# Where a link to share, reply or follow goes: a button, not a link to read.
_SHARE_ENDPOINT = re.compile(
    r"^(?:https?:)?//(?:[\w-]+\.)*(?:"
    r"(?:twitter|x)\.com/(?:intent/|share\b|home\?status=)"
    r"|facebook\.com/(?:sharer|share\.php|dialog/(?:share|feed))"
    r"|linkedin\.com/(?:shareArticle|sharing/)|reddit\.com/submit|pinterest\.[a-z.]+/pin/create"
    r"|tumblr\.com/(?:share|widgets/share)|news\.ycombinator\.com/submitlink"
    r"|getpocket\.com/(?:save|edit)|t\.me/share|wa\.me/|api\.whatsapp\.com/send"
    r"|bsky\.app/intent/|threads\.net/intent/|plus\.google\.com/share|digg\.com/submit)",
    re.IGNORECASE,
)
SHARE_ROW_MAX_WORDS = 8
# Inline (phrasing) elements: their text belongs to the block around them.
INLINE_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "font", "i",
        "img", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
        "time", "tt", "u", "var", "del", "ins", "wbr",
    }
)  # fmt: skip
# What a figure shows when its caption is a picture's.
_MEDIA_TAGS: tuple[str, ...] = ("img", "picture", "video", "audio", "svg", "iframe", "canvas")
# Substrings of class or id that mark widgets rather than article text.
# Matched as whole words of the class/id ("share-bar" yes, "shared-content" no).
BOILERPLATE_HINTS: tuple[str, ...] = (
    "share", "sharing", "sharebar", "sharethis", "addthis", "social", "socialmedia",
    "newsletter", "related", "author-bio", "authorbio", "author-box", "about-author",
    "subscribe", "subscription", "signup", "sign-up", "cookie", "cookies", "consent", "gdpr",
    "promo", "sponsor", "sponsored", "comment", "comments", "breadcrumb", "breadcrumbs",
    "byline", "outbrain", "taboola", "paywall", "popup", "modal", "tag-list", "post-tags",
    "entry-tags",
)  # fmt: skip
# Whole class tokens (not substrings: "header" contains "ad") that mark adverts.
AD_CLASS_TOKENS: frozenset[str] = frozenset(
    {"ad", "ads", "advert", "advertisement", "adsbygoogle", "sr-only"}
)
# A widget never carries much prose. An element the soft rules (class hints,
# <header>, aria-hidden) would remove is kept when it holds at least this many
# characters of paragraph text and this share of the whole: some sites put the
# article inside <header> or a div whose id says "share".
PROTECTED_MIN_CHARS = 500
PROTECTED_MIN_SHARE = 0.4
SUBHEADINGS: tuple[str, ...] = ("h2", "h3", "h4", "h5", "h6")

_HINT_WORDS = re.compile(
    r"(?<![a-z0-9])(?:" + "|".join(re.escape(h) for h in BOILERPLATE_HINTS) + r")s?(?![a-z0-9])"
)
# A whole class or id word that names a picture's credit: "credit", "photo-credit",
# "image_credits" (not "media-credit-container": that one holds the picture too).
_CREDIT_WORD = re.compile(r"(?P<kind>(?:photo|image|img|media|picture)[-_]?)?credits?")
_UNSAFE_URL = re.compile(r"^\s*(?:javascript|data|vbscript)\s*:", re.IGNORECASE)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_PIXEL_STYLE = re.compile(r"(?:width|height)\s*:\s*[01](?:px)?\b", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
# Elements that mark the author: rel~=author, itemprop=author, or a class or
# id naming the author or byline ("author-name", "post_author", "authorName",
# "posted-by"), outside comment threads (whose authors are commenters). One
# XPath (run in C) rather than a Python test on every element of a page.
_LOWER = "translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_AUTHOR_MARKS = etree.XPath(
    "descendant-or-self::*[(contains(concat(' ', normalize-space(@rel), ' '), ' author ')"
    " or @itemprop='author'"
    f" or contains({_LOWER.format('@class')}, 'author')"
    f" or contains({_LOWER.format('@id')}, 'author')"
    " or contains(@class, 'byline') or contains(@class, 'posted-by')"
    " or contains(@class, 'submitted-by'))"
    " and not(ancestor-or-self::*[contains(@class, 'comment') or contains(@id, 'comment')])]"
)
# Labels written before a name in author boxes: "Author: Jane Doe", "Written By Jane Doe".
_AUTHOR_LABEL = re.compile(
    r"^(?:author|authors|written\s+by|posted\s+by|words\s+by|by)\s*:?\s+", re.IGNORECASE
)
# A marked author element holds a name, not a paragraph: longer text is skipped.
AUTHOR_MAX_CHARS = 80


# -- reading elements -------------------------------------------------------------


def text_of(element: Element) -> str:
    """The element's words, one space between text pieces (bs4's ``get_text(" ", strip=True)``)."""
    return " ".join(piece.strip() for piece in element.itertext() if piece.strip())


def tokens(value: str | None) -> list[str]:
    """The words of a multi-valued attribute such as ``class`` or ``rel``."""
    return value.split() if value else []


def paragraph_chars(element: Element) -> int:
    """Characters of paragraph text under ``element``: the measure of prose."""
    return sum(len(text_of(p)) for p in element.iter("p") if p is not element)


def is_unsafe_url(value: str) -> bool:
    return _UNSAFE_URL.match(value) is not None


# -- furniture by markup ----------------------------------------------------------


def drop_share_buttons(root: Element) -> None:
    """Take out share, reply and follow buttons: links to a network's share endpoint.

    Only from blocks that are rows of such buttons (at most
    ``SHARE_ROW_MAX_WORDS`` words of anything else: "47 minutes ago via Twitter
    for Mac" under an embedded tweet keeps its words, loses "Reply Retweet
    Favorite"); a share link inside a sentence is part of the sentence.
    """
    buttons = [a for a in root.iter("a") if _SHARE_ENDPOINT.match((a.get("href") or "").strip())]
    rows: dict[Element, list[Element]] = {}
    for link in buttons:
        rows.setdefault(_block_of(link, root), []).append(link)
    for block, links in rows.items():
        shared = sum(len(text_of(link).split()) for link in links)
        if len(text_of(block).split()) - shared <= SHARE_ROW_MAX_WORDS:
            for link in links:
                remove(link)


def _block_of(element: Element, root: Element) -> Element:
    """The nearest ancestor that is not an inline element (or ``root``)."""
    for ancestor in element.iterancestors():
        if ancestor is root or ancestor.tag not in INLINE_TAGS:
            return ancestor
    return root


def remove(element: Element) -> None:
    """Take ``element`` and its subtree out, keeping the text that followed it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def is_markup_boilerplate(element: Element) -> bool:
    """True when tag, attributes or class/id alone say this is not article text."""
    name = element.tag
    if name in DROP_TAGS:
        return name != "figcaption" or not _attributes_a_quote(element)
    if name == "img":
        return _is_unwanted_image(element)
    if element.get("hidden") is not None or _HIDDEN_STYLE.search(element.get("style") or ""):
        return True
    return _is_picture_credit(element) or is_soft_boilerplate(element)


def _is_picture_credit(element: Element) -> bool:
    """A picture's credit by its markup: ``<small class="credit">IDG</small>`` in a
    ``<figure>``, or a ``photo-credit`` anywhere. A bare "credit" outside a figure
    (a film's credits, a bank's) says nothing about pictures."""
    words = [w.lower() for w in [*tokens(element.get("class")), element.get("id") or ""]]
    found = [m for w in words if "credit" in w and (m := _CREDIT_WORD.fullmatch(w))]
    if not found or next(element.iter(*_MEDIA_TAGS), None) is not None:
        return False  # no credit word, or the picture itself is inside
    return any(m.group("kind") for m in found) or any(
        a.tag == "figure" for a in element.iterancestors()
    )


def _attributes_a_quote(caption: Element) -> bool:
    """A ``<figcaption>`` under a quotation and no picture names the quote's
    source ("mod_alias – Apache HTTP Server"): part of the article, unlike a
    photo's caption or credit."""
    figure = caption.getparent()
    return (
        figure is not None
        and figure.tag == "figure"
        and next(figure.iter("blockquote"), None) is not None
        and next(figure.iter(*_MEDIA_TAGS), None) is None
    )


def is_soft_boilerplate(element: Element) -> bool:
    """Signals that are usually right but that some sites put on the article itself."""
    if element.tag == "header" and _is_page_header(element):
        return True
    if (element.get("aria-hidden") or "").lower() == "true":
        return True
    return _has_boilerplate_hint(element)


def holds_the_article(element: Element, total: int) -> bool:
    """A soft-boilerplate element that carries most of the page's prose is the article."""
    if element.tag in DROP_TAGS or not is_soft_boilerplate(element):
        return False
    chars = paragraph_chars(element)
    return chars >= PROTECTED_MIN_CHARS and chars >= PROTECTED_MIN_SHARE * total


def _is_page_header(element: Element) -> bool:
    """A <header> holding the h1 (or no heading at all) is masthead or title furniture;
    one that wraps a section's h2-h4 is part of the article."""
    if next(element.iter("h1"), None) is not None:
        return True
    return next(element.iter(*SUBHEADINGS), None) is None


def _is_unwanted_image(img: Element) -> bool:
    """Tracking pixels, and images whose source is missing or unsafe."""
    src = (img.get("src") or "").strip()
    if not src or is_unsafe_url(src):
        return True
    sizes = [
        (img.get(attr) or "").strip().lower().removesuffix("px") for attr in ("width", "height")
    ]
    if any(size in {"0", "1"} for size in sizes):
        return True
    return _PIXEL_STYLE.search(img.get("style") or "") is not None


def _has_boilerplate_hint(element: Element) -> bool:
    if element.tag in {"body", "html"}:
        return False
    classes = element.get("class")
    ident = element.get("id")
    if not classes and not ident:
        return False
    words = [c.lower() for c in tokens(classes)]
    if any(word in AD_CLASS_TOKENS for word in words):
        return True
    haystack = " ".join([*words, (ident or "").lower()])
    return _HINT_WORDS.search(haystack) is not None


# -- facts the markup states -----------------------------------------------------


def harvest_markup_meta(root: Element) -> Found:
    """Facts the markup states outright: bylines, ``<time datetime>``, rel=tag links.

    Read before the widgets holding them are removed.
    """
    found = Found()
    author = markup_author(root)
    if author:
        found.note_author(author)
    for element in root.iter("time"):
        moment = parse_date(element.get("datetime") or "") or parse_date(text_of(element))
        if moment is not None:
            found.note_date(_time_kind(element), Stamp(moment, has_time=True))
    found.note_tags([text_of(a) for a in root.iter("a") if "tag" in tokens(a.get("rel"))])
    return found


def markup_author(root: Element) -> str | None:
    """The first author name an element marked as the author's yields."""
    for element in _AUTHOR_MARKS(root):
        name = _author_from_element(element)
        if name:
            return name
    return None


def _author_from_element(element: Element) -> str | None:
    named = next(
        (d for d in element.iterdescendants(etree.Element) if d.get("itemprop") == "name"), None
    )
    source = named if named is not None else element
    content = source.get("content")
    text = content if content else text_of(source)
    text = _SPACES.sub(" ", text).strip()
    if not text or len(text) > AUTHOR_MAX_CHARS:
        return None
    if not content and len(source):
        # An author box holds the name and more in elements of their own
        # ("Written By:" / "Celeste Longacre" / "Gardener & Astrologer"): their
        # text run together would make the role part of the name.
        for piece in source.itertext():
            name = _name_in(_SPACES.sub(" ", piece).strip())
            if name:
                return name
    return _name_in(text)


def _name_in(text: str) -> str | None:
    """The author named by a byline or name text, or None."""
    if not text:
        return None
    byline = meta.read_byline(text)
    if byline is not None:
        return byline[0]
    # "Jane Doe, MD": the name is what comes before the credentials.
    name = _AUTHOR_LABEL.sub("", text).split(",")[0].strip()
    return name if meta.is_person_name(name) else None


def _time_kind(element: Element) -> str:
    """Whether a ``<time>`` is marked as a modification ("updated") or not ("published")."""
    marks = " ".join([element.get("itemprop") or "", element.get("class") or ""]).lower()
    return "updated" if re.search(r"modif|updat", marks) else "published"
