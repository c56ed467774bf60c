"""Cleaning a whole HTML page: find the article, read the page's metadata.

A page is mostly not the article: masthead, navigation, cookie banner,
sidebars, footer. trafilatura (imported here and nowhere else) finds the
article; what it returns is then cleaned exactly like a feed fragment, so our
block rules apply on top of its choices. When it finds nothing, our own
finder picks the element that holds the article (the most specific semantic
marker first, paragraph density as the fallback). The title is the headline
over the article, else what the page declares; author and dates come from
what the page declares (``pagemeta.py``) first and facts recovered from the
text after, and htmldate's reading of the publication day wins when it
disagrees with them by more than a day.

The page is parsed once with lxml, for the metadata and for trafilatura, whose
extracted tree is cleaned as it is (never serialised and parsed again).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.settings import Extractor, use_config

from jjfeed import urls
from jjfeed.clean import rules
from jjfeed.clean.features import AGREED, BlockFacts
from jjfeed.clean.finder import find_main
from jjfeed.clean.html import (
    BlockDecider,
    clean_tree,
    parsable,
    parse_body,
    parse_document,
    remove,
    serialise_children,
)
from jjfeed.clean.markup import (
    Element,
    harvest_markup_meta,
    markup_author,
    text_of,
)
from jjfeed.clean.output import html_to_text, sanitise
from jjfeed.clean.pagemeta import PageMeta, page_date, read_page_meta, select, unique
from jjfeed.clean.scorer import shipped_scorer
from jjfeed.model import Cleaned

# Work per page is capped: past this many characters a page loses its scripts,
# styles and comments, and is then cut (no article needs megabytes of markup).
MAX_PAGE_CHARS = 1_000_000
# htmldate's date search grows fast with page size; past this it is skipped.
MAX_META_PAGE_CHARS = MAX_PAGE_CHARS
# And the article trafilatura returns is cut, at a paragraph end, past this size.
MAX_ARTICLE_CHARS = 200_000
_BULKY = re.compile(
    r"<(script|style|svg|noscript|template)\b(?![^>]*ld\+json)[^>]*>.*?</\1\s*>|<!--.*?-->",
    re.IGNORECASE | re.DOTALL,
)
# Elements of trafilatura's output that each hold one block of text.
OUTPUT_BLOCKS: tuple[str, ...] = (
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr", "td",
)  # fmt: skip
# trafilatura's own parser settings: comments and processing instructions dropped.
_PARSER = lxml.html.HTMLParser(
    collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True
)
# When trafilatura returns fewer words than this, our own finder is asked too
# (it costs a few ms, so it runs only where trafilatura may have missed most of
# the article), and its article wins when it has this many times the words.
SECOND_OPINION_MAX_WORDS = 600
SECOND_OPINION_RATIO = 1.4
# The second opinion's container often starts at the breadcrumbs and ends in
# the footer. Its blocks trafilatura did not return are kept only when they
# read like prose (this many words, ending like a sentence); the others go
# when they are mostly link text, or when they sit at the head or the tail,
# outside the stretch trafilatura agreed with.
PROSE_MIN_WORDS = 8
PROSE_ENDINGS = tuple('.!?:"”)')
LINK_MAX_SHARE = 0.5
RESULT_BLOCKS: tuple[str, ...] = ("p", "h2", "h3", "h4", "li", "dt", "dd")
# The leaf blocks :func:`missed_prose` reads in the recall path's region.
REGION_BLOCKS: tuple[str, ...] = (*RESULT_BLOCKS, "blockquote", "pre", "td")
# The recall path is taken when trafilatura's article is shorter than this
# (no limit: a limit saves time but costs F1, docs/benchmarks.md)...
RECALL_MAX_WORDS: float = math.inf
# ... and has at least this many words: a shorter article gets the second
# opinion instead, which held out by site does better on those pages.
RECALL_MIN_WORDS: float = SECOND_OPINION_MAX_WORDS
# The region's article is used only when it keeps this share of trafilatura's
# words; less, and the region or the model went wrong (a page of 1,900 words
# came back empty): trafilatura's article is cleaned as usual instead.
RECALL_MIN_SHARE = 0.5
# The recall path's region must hold this share of trafilatura's words.
REGION_MIN_COVER = 0.9
# ... and what it adds to trafilatura's article stays when it is this share of it.
REGION_MIN_EXTRA = 0.05
_WORDS = re.compile(r"\w+")
# The declared publication date and htmldate's agree when this many days apart.
DATE_AGREEMENT_DAYS = 1
# A headline above the article shorter than this is a section label ("Blog",
# "VPN Services"): the page's declared title is kept then.
HEADLINE_MIN_WORDS = 4
# trafilatura's own knobs, as measured by benchmarks/bench_clean.py.
FAVOR_PRECISION = False
FAVOR_RECALL = False
# Skip trafilatura's second opinions (readability, jusText): most of its time.
FAST = True
_TRAFILATURA_CONFIG = use_config()
_TRAFILATURA_CONFIG.set("DEFAULT", "MAX_FILE_SIZE", str(MAX_PAGE_CHARS * 4))
_TRAFILATURA_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")


def clean_page(
    page: str,
    url: str | None = None,
    *,
    decide: BlockDecider | None = None,
    recall: bool = True,
) -> Cleaned:
    """Clean a whole HTML page: its article text plus the page's metadata.

    trafilatura finds the article; the learned block scorer (``decide``; by
    default the model in the package, ``scorer.shipped_scorer()``), with our
    phrase rules' verdicts among its facts, cleans what it returns. When it
    finds nothing (tiny or odd pages), our own container finder takes over;
    when it finds little, the finder is asked too and the longer article wins
    by a clear margin (trafilatura sometimes stops at an intro and misses the
    list, recipe or guide that follows). On longer articles (``recall``),
    when our finder's article region holds prose trafilatura left out, every
    block of the region is judged instead, trafilatura's agreement one of its
    facts (:func:`_recall_region`). ``decide=scorer.rules_only, recall=False``
    is the rules alone (docs/benchmarks.md compares them). Metadata: the
    headline over the article as the title; what the page declares first,
    then author marks in its markup and facts found in the text; htmldate's
    day when the declared one is another (:func:`reconcile_dates`).
    """
    if decide is None:
        decide = shipped_scorer()
    page = bound_page(page)
    tree = _parse(page)
    if tree is None:
        return Cleaned(text="", html="")
    page_meta = read_page_meta(tree, url)
    base_url = _base_url(tree, url)
    body = _extract_main(tree, url)
    if body is None or _is_flattened(body, tree):
        return _clean_with_our_finder(tree, base_url, page_meta, decide)
    _bound_article(body)
    # The headline shown above the article is its title, and not part of its text.
    headline = _take_headline(body)
    title = headline if len(headline.split()) >= HEADLINE_MIN_WORDS else page_meta.title
    read = page_date(tree, url) if len(page) <= MAX_META_PAGE_CHARS else None
    # Read before any finder cleans the page's own tree in place.
    marked = page_meta.author or markup_author(tree)
    their_text = text_of(body)
    their_words = len(their_text.split())
    tried = recall and RECALL_MIN_WORDS <= their_words < RECALL_MAX_WORDS
    if tried:
        region = _recall_region(tree, base_url, page_meta, their_text, headline, decide)
        if region is not None and len(region.text.split()) >= RECALL_MIN_SHARE * their_words:
            return replace(
                region,
                title=title,
                author=marked or region.author,
                published=reconcile_dates(region.published, read),
            )
    result = clean_tree(body, base_url, drop_heading=page_meta.title, decide=decide)
    found = result.found
    published = reconcile_dates(page_meta.published or found.published_at, read)
    author = marked or found.author
    # trafilatura's article is weighed as it came, headline included.
    words = len(result.text.split()) + len(headline.split())
    if words < SECOND_OPINION_MAX_WORDS and not tried:
        # Our finder cleans the page's own tree in place: read it before (and
        # the recall path, when tried, has cleaned it already).
        ours = _second_opinion(tree, base_url, page_meta, SECOND_OPINION_RATIO * words, decide)
        if ours is not None:
            ours = trim_second_opinion(ours, result.text)
            return replace(
                ours,
                title=title,
                author=author or ours.author,
                published=published or ours.published,
            )
    return Cleaned(
        text=result.text,
        html=result.html,
        title=title,
        author=author,
        published=published,
        updated=page_meta.updated or found.updated_at,
        section=page_meta.section or found.section,
        tags=tuple(unique([*page_meta.tags, *found.tags])),
    )


def bound_page(page: str) -> str:
    """Cap the work one page can cost.

    A page over ``MAX_PAGE_CHARS`` first loses its scripts (JSON-LD metadata
    apart), styles and comments, usually most of a huge page; what is still
    too long is cut.
    Control characters, which lxml refuses, and an XML declaration, which it
    refuses in a str, go too.
    """
    if len(page) > MAX_PAGE_CHARS:
        page = _BULKY.sub(" ", page)
        page = page[:MAX_PAGE_CHARS]
    return parsable(page)


def reconcile_dates(declared: datetime | None, read: datetime | None) -> datetime | None:
    """The publication date: what the page declares, unless htmldate reads another day.

    htmldate weighs every date the page gives (its markup, its URL, the dates
    it shows) for the original publication; a page's own ``datePublished`` is
    often a republication or a template's default. When both agree to within
    a day (a time zone apart) the declared instant is kept, with its time and
    offset; when they disagree, htmldate's day is right more often (see
    docs/benchmarks.md, Clean).
    """
    if declared is None or read is None:
        return declared or read
    if abs((declared.date() - read.date()).days) <= DATE_AGREEMENT_DAYS:
        return declared
    return read


def _take_headline(body: Element) -> str:
    """Remove the article's first block when it is an ``<h1>``, and return its text.

    That is the headline the page shows above the article; the page's
    ``og:title`` or ``<title>`` is often a variant written for search engines
    or social cards ("Top Ten Tech Conferences 2026" over "The Ten Best Tech
    Conferences to Attend in 2026").
    """
    for element in body.iter(*OUTPUT_BLOCKS):
        text = " ".join(text_of(element).split())
        if text:
            if element.tag != "h1":
                return ""
            remove(element)
            return text
    return ""


def _bound_article(body: Element) -> None:
    """Cut an overlong extraction after the last whole block within the cap."""
    chars = 0
    for child in list(body):
        if chars > MAX_ARTICLE_CHARS:
            body.remove(child)
            continue
        chars += sum(len(piece) for piece in child.itertext())


def parse_page(page: str) -> HtmlElement | None:
    """The page's lxml tree as :func:`clean_page` reads it (bounded first), or None."""
    return _parse(bound_page(page))


def _parse(page: str) -> HtmlElement | None:
    tree = parse_document(page, _PARSER)
    return tree if isinstance(tree, HtmlElement) else None


def _extract_main(tree: HtmlElement, url: str | None) -> Element | None:
    """The article as trafilatura sees it, as a simple HTML ``<body>`` tree, or None.

    ``bare_extraction`` hands back its tree unserialised: no HTML string to
    write and parse again, and none of the fingerprinting ``extract`` does.
    """
    options = Extractor(
        config=_TRAFILATURA_CONFIG,
        output_format="html",
        fast=FAST,
        precision=FAVOR_PRECISION,
        recall=FAVOR_RECALL,
        comments=False,
        tables=True,
        url=url,
    )
    try:
        document = trafilatura.bare_extraction(tree, options=options)
        if document is None or isinstance(document, dict) or document.body is None:
            return None
        html_root = convert_to_html(document.body)
    except (ValueError, TypeError, etree.LxmlError, RecursionError):
        return None
    body = html_root.find("body")
    if body is None or not any(piece.strip() for piece in body.itertext()):
        return None
    return body


def _is_flattened(body: Element, tree: HtmlElement) -> bool:
    """trafilatura's last resort pours a short page into one paragraph;
    when the page had paragraphs of its own, our finder does better."""
    blocks = sum(1 for _ in body.iter(*OUTPUT_BLOCKS))
    return blocks <= 1 and len(select(tree, "//body//p")) >= 2


def _clean_with_our_finder(
    tree: HtmlElement, base_url: str | None, page_meta: PageMeta, decide: BlockDecider | None
) -> Cleaned:
    """The fallback: pick the article element ourselves, then clean it."""
    _drop_scripts(tree)
    page_found = harvest_markup_meta(tree)
    main = find_main(tree)
    if main is None:
        return Cleaned(text="", html="", title=page_meta.title)
    cleaned = _clean_main(main, base_url, page_meta, decide)
    return replace(
        cleaned,
        author=cleaned.author or page_found.author,
        published=cleaned.published or page_found.published_at,
        updated=cleaned.updated or page_found.updated_at,
    )


def _second_opinion(
    tree: HtmlElement,
    base_url: str | None,
    page_meta: PageMeta,
    beat_words: float,
    decide: BlockDecider | None,
) -> Cleaned | None:
    """Our finder's article when it has more than ``beat_words`` words
    (:func:`distinct_words`), else None.

    The container's raw text bounds what cleaning can leave, so a container
    that cannot win is not cleaned at all: most pages asked stop there.
    """
    _drop_scripts(tree)
    main = find_main(tree)
    if main is None or len(text_of(main).split()) <= beat_words:
        return None
    cleaned = _clean_main(main, base_url, page_meta, decide)
    return cleaned if distinct_words(cleaned.text) > beat_words else None


class Agreement:
    """How much of a block trafilatura returned too: the share of the block's
    word trigrams found in its article (a block of one or two words: found
    as a phrase, or not). Blocks are cut differently by each (a ``<div>``
    of text and buttons here, two paragraphs there), so it is a share."""

    def __init__(self, words: Sequence[str]) -> None:
        self.phrase = " " + " ".join(words) + " "
        self.trigrams = set(zip(words, words[1:], words[2:], strict=False))

    def __call__(self, text: str) -> float:
        words = _WORDS.findall(text.lower())
        if " " + " ".join(words) + " " in self.phrase:
            return 1.0
        if len(words) < 3:
            return 0.0
        grams = list(zip(words, words[1:], words[2:], strict=False))
        return sum(gram in self.trigrams for gram in grams) / len(grams)


def _recall_region(
    tree: HtmlElement,
    base_url: str | None,
    page_meta: PageMeta,
    theirs: str,
    headline: str,
    decide: BlockDecider,
) -> Cleaned | None:
    """The recall path: every block of the page's article region, judged by ``decide``.

    trafilatura's article is one opinion among the block's facts
    (``BlockFacts.agreed``), so text it dropped can come back and furniture
    it kept can go. The region is our finder's container, used only when it
    holds nearly all of trafilatura's words (else None: trafilatura found the
    article somewhere our finder did not look).
    """
    _drop_scripts(tree)
    main = find_main(tree)
    if main is None:
        return None
    their_words = _WORDS.findall(theirs.lower())
    wanted = Counter(their_words)
    held = Counter(_WORDS.findall(text_of(main).lower()))
    if sum((wanted & held).values()) < REGION_MIN_COVER * max(len(their_words), 1):
        return None
    agreement = Agreement(their_words)
    if missed_prose(main, agreement) < REGION_MIN_EXTRA * len(their_words):
        # Nothing trafilatura left out reads like the article: the region
        # could only judge its blocks again, which trafilatura's own article
        # does as well at a fraction of the cost (docs/benchmarks.md).
        return None

    def judge(facts: Sequence[BlockFacts]) -> Sequence[bool]:
        facts = [replace(f, agreed=agreement(f.text)) for f in facts]
        return keep_extras_if_many(facts, decide(facts))

    heading = headline or page_meta.title
    return _clean_main(main, base_url, replace(page_meta, title=heading), judge)


def missed_prose(main: Element, agreement: Agreement) -> int:
    """Words of the region's prose blocks trafilatura did not return.

    Prose here is a leaf block of at least ``PROSE_MIN_WORDS`` words; its
    agreement is below ``AGREED``. Menus, teasers and captions are shorter,
    so a region whose extra text is all of that kind counts nothing.
    """
    words = 0
    for element in main.iter(*REGION_BLOCKS):
        if next(element.iterdescendants(*REGION_BLOCKS), None) is not None:
            continue
        text = text_of(element)
        count = len(text.split())
        if count >= PROSE_MIN_WORDS and agreement(text) < AGREED:
            words += count
    return words


def keep_extras_if_many(facts: Sequence[BlockFacts], keep: Sequence[bool]) -> list[bool]:
    """The kept blocks trafilatura left out stay only when they add up to
    ``REGION_MIN_EXTRA`` of the words it agreed with: a stray caption or
    teaser is more often boilerplate than a missed section is."""
    extra = base = 0
    for block, kept in zip(facts, keep, strict=True):
        if kept:
            words = rules.word_count(block.text)
            if block.agreed >= AGREED:
                base += words
            else:
                extra += words
    if extra >= REGION_MIN_EXTRA * max(base, 1):
        return list(keep)
    return [kept and block.agreed >= AGREED for block, kept in zip(facts, keep, strict=True)]


def distinct_words(text: str) -> int:
    """Words of the text's blocks, each distinct block counted once.

    A container that repeats itself (a carousel's cloned slides, a desktop
    and a mobile copy of one list) has not found more article by it.
    """
    blocks = {_squash(block) for block in text.split("\n\n")}
    return sum(len(block.split()) for block in blocks)


def trim_second_opinion(ours: Cleaned, theirs: str) -> Cleaned:
    """Drop the furniture our finder's wider container brought along.

    Blocks trafilatura also returned are trusted, and so is prose. Of the
    rest, link-dominated lines (menus, "buy at" buttons, teaser titles) go
    wherever they are, and the non-prose runs at either end beyond the first
    and last block trafilatura agreed with (breadcrumbs, masthead, "Find
    care" menus, footers) are trimmed up to the first prose block. Lists and
    headings in the middle stay: they are what the second opinion is for.
    """
    body = parse_body(ours.html)
    if body is None:
        return ours
    agreed = {_squash(block) for block in theirs.split("\n\n") if block.strip()}
    blocks = [
        el
        for el in body.iter(*RESULT_BLOCKS)
        if next(el.iterdescendants(*RESULT_BLOCKS), None) is None
    ]
    texts = [_squash(text_of(el)) for el in blocks]
    inside = [i for i, text in enumerate(texts) if text in agreed]
    if not inside:
        return ours
    doomed = _ends_without_prose(texts, inside[0], inside[-1])
    for index, (element, text) in enumerate(zip(blocks, texts, strict=True)):
        if text in agreed or _is_prose(text):
            continue
        links = sum(len(text_of(a)) for a in element.iter("a"))
        if links >= LINK_MAX_SHARE * len(text):
            doomed.add(index)
    if not doomed:
        return ours
    for index in doomed:
        blocks[index].drop_tree()
    for empty in [el for el in body.iter("ul", "ol", "dl") if not text_of(el)]:
        empty.drop_tree()
    html = sanitise(serialise_children(body))
    return replace(ours, html=html, text=html_to_text(html))


def _ends_without_prose(texts: list[str], first: int, last: int) -> set[int]:
    """Indexes of the non-prose runs before ``first`` and after ``last``, from each end in."""
    ends: set[int] = set()
    index = 0
    while index < first and not _is_prose(texts[index]):
        ends.add(index)
        index += 1
    index = len(texts) - 1
    while index > last and not _is_prose(texts[index]):
        ends.add(index)
        index -= 1
    return ends


def _is_prose(text: str) -> bool:
    return rules.word_count(text) >= PROSE_MIN_WORDS and text.endswith(PROSE_ENDINGS)


def _squash(text: str) -> str:
    return " ".join(text.split()).lower()


def _drop_scripts(tree: HtmlElement) -> None:
    for element in list(tree.iter("script", "style", "noscript", "template")):
        element.drop_tree()


def _clean_main(
    main: Element, base_url: str | None, page_meta: PageMeta, decide: BlockDecider | None
) -> Cleaned:
    """Clean the element our finder chose; the page's declarations win over the text's."""
    result = clean_tree(main, base_url, drop_heading=page_meta.title, decide=decide)
    found = result.found
    return Cleaned(
        text=result.text,
        html=result.html,
        title=page_meta.title,
        author=page_meta.author or found.author,
        published=page_meta.published or found.published_at,
        updated=page_meta.updated or found.updated_at,
        section=page_meta.section or found.section,
        tags=tuple(unique([*page_meta.tags, *found.tags])),
    )


def _base_url(tree: HtmlElement, url: str | None) -> str | None:
    """<base href> resolved against the page URL, else the page URL itself."""
    for base in select(tree, "//base[@href]"):
        href = str(base.get("href") or "")
        if url:
            return urls.join(url, href) or url
        if re.match(r"^https?://", href):
            return href
        break
    return url
