"""Cleaning HTML: markup rules first, then the same block rules as plain text.

Markup says a lot that text cannot: a ``<figcaption>`` is a caption, a
``<div class="share-buttons">`` is a widget, a 1x1 ``<img>`` is a tracker. Those
go first. What is left is judged block by block with ``blocks.judge_blocks``,
so a ``<p>Share this article</p>`` goes too. The result is normalised (loose
text wrapped in ``<p>``, headings mapped to h2-h4), links made absolute, and
finally sanitised by nh3 against an allow-list; the sanitised HTML is what the
plain text is read from, so the two never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html
import nh3
from bs4 import BeautifulSoup
from bs4.element import CData, Comment, NavigableString, PageElement, Tag

from jjfeed.clean import meta, rules
from jjfeed.clean.blocks import BLOCK_SEPARATOR, judge_blocks
from jjfeed.clean.dates import Stamp, parse_date
from jjfeed.clean.meta import Found
from jjfeed.model import Cleaned

# Removed with everything inside them.
DROP_TAGS: frozenset[str] = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "frame", "frameset", "object",
        "embed", "applet", "form", "input", "button", "select", "textarea", "option", "label",
        "svg", "canvas", "audio", "video", "source", "track", "map", "area", "dialog",
        "nav", "aside", "footer", "figcaption", "head", "title", "meta", "link", "base",
    }
)  # fmt: skip
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
_HINT_WORDS = re.compile(
    r"(?<![a-z0-9])(?:" + "|".join(re.escape(h) for h in BOILERPLATE_HINTS) + r")s?(?![a-z0-9])"
)
# A widget never carries much prose. An element the soft rules (class hints,
# <header>, aria-hidden) would remove is kept when it holds at least this many
# characters of paragraph text and this share of the whole: some sites put the
# article inside <header> or a div whose id says "share".
PROTECTED_MIN_CHARS = 500
PROTECTED_MIN_SHARE = 0.4
# Whole class tokens (not substrings: "header" contains "ad") that mark adverts.
AD_CLASS_TOKENS: frozenset[str] = frozenset(
    {"ad", "ads", "advert", "advertisement", "adsbygoogle", "sr-only"}
)
INLINE_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "font", "i",
        "img", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
        "time", "tt", "u", "var", "del", "ins", "wbr",
    }
)  # fmt: skip
# Elements whose own text is one block when they hold no other such element.
BLOCK_CANDIDATES: tuple[str, ...] = (
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dt", "dd",
    "div", "section", "article", "main", "td", "th", "address", "figure", "header", "caption",
)  # fmt: skip
CONTAINERS: frozenset[str] = frozenset(
    {"div", "section", "article", "main", "header", "figure", "address", "body"}
)
# Elements where text may sit next to nested blocks; everywhere else a run of
# loose text beside a block is a paragraph of its own.
TEXT_HOLDERS: frozenset[str] = frozenset(
    {
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "li",
        "dt",
        "dd",
        "td",
        "th",
        "caption",
        "blockquote",
    }
)
_BLOCK_NAMES: list[str] = sorted(set(BLOCK_CANDIDATES) | {"ul", "ol", "dl", "table"})
HEADING_MAP: dict[str, str] = {"h1": "h2", "h5": "h4", "h6": "h4"}

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "dl", "dt", "dd", "blockquote",
        "pre", "code", "a", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small",
        "sub", "sup", "q", "cite", "abbr", "img", "table", "thead", "tbody", "tfoot", "tr",
        "th", "td", "caption",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
# Tags that start a new block when the sanitised HTML is read back as text.
TEXT_BLOCK_TAGS: frozenset[str] = frozenset(
    {
        "p",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "table",
        "tr",
        "caption",
        "hr",
    }
)
_UNSAFE_URL = re.compile(r"^\s*(?:javascript|data|vbscript)\s*:", re.IGNORECASE)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_PIXEL_STYLE = re.compile(r"(?:width|height)\s*:\s*[01](?:px)?\b", re.IGNORECASE)


@dataclass(frozen=True)
class TreeResult:
    """What cleaning one subtree gives: safe HTML, its text, and found metadata."""

    html: str
    text: str
    found: Found


def clean_html(fragment: str, base_url: str | None = None) -> Cleaned:
    """Clean an HTML fragment from a feed entry (content:encoded, Atom content, summary)."""
    soup = BeautifulSoup(fragment, "lxml")
    root = soup.body
    if root is None:
        return Cleaned(text="", html="")
    result = clean_tree(root, base_url)
    found = result.found
    return Cleaned(
        text=result.text,
        html=result.html,
        author=found.author,
        published=found.published_at,
        updated=found.updated_at,
        section=found.section,
        tags=tuple(found.tags),
    )


def clean_tree(root: Tag, base_url: str | None, *, drop_heading: str | None = None) -> TreeResult:
    """Clean ``root`` in place and return its safe HTML and text.

    ``drop_heading`` is the page title, whose ``<h1>`` should not be repeated
    in the body.
    """
    remove_comments(root)
    found = harvest_markup_meta(root)
    strip_markup_boilerplate(root)
    if drop_heading:
        _drop_title_heading(root, drop_heading)
    _normalise_structure(root)
    _merge_found(found, _drop_boilerplate_blocks(root))
    _absolutise_links(root, base_url)
    _drop_empty(root)
    safe = sanitise("".join(str(child) for child in root.contents))
    return TreeResult(html=safe, text=html_to_text(safe), found=found)


def sanitise(markup: str) -> str:
    """nh3 with our allow-list: no scripts, handlers or unsafe URL schemes survive."""
    cleaned = nh3.clean(
        markup,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        clean_content_tags={"script", "style"},
    )
    return re.sub(r"\n{3,}", "\n\n", cleaned).strip()


def remove_comments(root: Tag) -> None:
    for comment in root.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()


def harvest_markup_meta(root: Tag) -> Found:
    """Facts the markup states outright: bylines, ``<time datetime>``, rel=tag links.

    Read before the widgets holding them are removed.
    """
    found = Found()
    for element in root.find_all(_marks_author):
        name = _author_from_element(element)
        if name:
            found.note_author(name)
            break
    for element in root.find_all("time"):
        moment = parse_date(str(element.get("datetime") or "")) or parse_date(
            element.get_text(" ", strip=True)
        )
        if moment is not None:
            found.note_date(_time_kind(element), Stamp(moment, has_time=True))
    found.note_tags([a.get_text(" ", strip=True) for a in root.find_all("a", rel="tag")])
    return found


def _marks_author(element: Tag) -> bool:
    """rel~=author, itemprop=author, or a class containing "byline" / "author-name"."""
    attrs = element.attrs
    if not attrs:
        return False
    if "author" in _tokens(attrs.get("rel")) or attrs.get("itemprop") == "author":
        return True
    classes = " ".join(_tokens(attrs.get("class")))
    return "byline" in classes or "author-name" in classes


def _tokens(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else str(value).split()


def _author_from_element(element: Tag) -> str | None:
    named = element.select_one('[itemprop="name"]')
    source = named if isinstance(named, Tag) else element
    content = source.get("content")
    text = str(content) if content else source.get_text(" ", strip=True)
    text = re.sub(r"\s+", " ", text).strip()
    byline = meta.read_byline(text)
    if byline is not None:
        return byline[0]
    return text if meta.is_person_name(text) else None


def _time_kind(element: Tag) -> str:
    """Whether a ``<time>`` is marked as a modification ("updated") or not ("published")."""
    marks = " ".join([str(element.get("itemprop") or ""), *_classes(element)]).lower()
    return "updated" if re.search(r"modif|updat", marks) else "published"


def strip_markup_boilerplate(root: Tag) -> None:
    """Remove elements whose markup alone marks them as not article text."""
    total = paragraph_chars(root)
    for element in list(root.find_all(True)):
        if _is_gone(element):
            continue
        if is_markup_boilerplate(element) and not _holds_the_article(element, total):
            element.decompose()


def _is_gone(element: Tag) -> bool:
    """``element.decomposed`` without its cost: bs4 answers that property through
    ``__getattr__``, which searches the subtree for a tag named "_decomposed"."""
    return bool(element.__dict__.get("_decomposed", False))


def is_markup_boilerplate(element: Tag) -> bool:
    """True when tag, attributes or class/id alone say this is not article text."""
    name = element.name
    if name in DROP_TAGS:
        return True
    if name == "img":
        return _is_unwanted_image(element)
    if element.has_attr("hidden") or _HIDDEN_STYLE.search(str(element.get("style") or "")):
        return True
    return _is_soft_boilerplate(element)


def _is_soft_boilerplate(element: Tag) -> bool:
    """Signals that are usually right but that some sites put on the article itself."""
    if element.name == "header" and _is_page_header(element):
        return True
    if str(element.get("aria-hidden") or "").lower() == "true":
        return True
    return _has_boilerplate_hint(element)


def _holds_the_article(element: Tag, total: int) -> bool:
    if element.name in DROP_TAGS or not _is_soft_boilerplate(element):
        return False
    chars = paragraph_chars(element)
    return chars >= PROTECTED_MIN_CHARS and chars >= PROTECTED_MIN_SHARE * total


def paragraph_chars(element: Tag) -> int:
    """Characters of paragraph text under ``element``: the measure of prose."""
    return sum(len(p.get_text(" ", strip=True)) for p in element.find_all("p"))


def _is_page_header(element: Tag) -> bool:
    """A <header> holding the h1 (or no heading at all) is masthead or title furniture;
    one that wraps a section's h2-h4 is part of the article."""
    if element.find("h1") is not None:
        return True
    return element.find(["h2", "h3", "h4", "h5", "h6"]) is None


def _is_unwanted_image(img: Tag) -> bool:
    """Tracking pixels, and images whose source is missing or unsafe."""
    src = str(img.get("src") or "").strip()
    if not src or _UNSAFE_URL.match(src):
        return True
    sizes = [
        str(img.get(attr) or "").strip().lower().removesuffix("px") for attr in ("width", "height")
    ]
    if any(size in {"0", "1"} for size in sizes):
        return True
    return _PIXEL_STYLE.search(str(img.get("style") or "")) is not None


def _classes(element: Tag) -> list[str]:
    value = element.get("class")
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else str(value).split()


def _has_boilerplate_hint(element: Tag) -> bool:
    if element.name in {"body", "html"}:
        return False
    tokens = [c.lower() for c in _classes(element)]
    if any(token in AD_CLASS_TOKENS for token in tokens):
        return True
    haystack = " ".join([*tokens, str(element.get("id") or "").lower()])
    return _HINT_WORDS.search(haystack) is not None


def _drop_title_heading(root: Tag, title: str) -> None:
    """Remove the first <h1> when it repeats the page title."""
    heading = root.find("h1")
    if not isinstance(heading, Tag):
        return
    text = rules.normalise(heading.get_text(" ", strip=True))
    wanted = rules.normalise(title)
    if text and (text in wanted or wanted in text):
        heading.decompose()


def _drop_boilerplate_blocks(root: Tag) -> Found:
    """Judge the leaf blocks' text with the shared rules and remove the losers."""
    leaves = _leaf_blocks(root)
    pairs = [(el, _collapse(el.get_text(" "))) for el in leaves]
    pairs = [(el, text) for el, text in pairs if text]
    judgement = judge_blocks([text for _, text in pairs], plain=False, find_title=False)
    for (element, _), judged in zip(pairs, judgement.blocks, strict=True):
        if not judged.kept:
            element.decompose()
    return judgement.found


def _leaf_blocks(root: Tag) -> list[Tag]:
    """Block candidates holding no other candidate, in document order.

    One pass: every candidate marks its ancestors as not-a-leaf (calling
    ``find`` on each element instead is quadratic on long pages).
    """
    candidates = root.find_all(BLOCK_CANDIDATES)
    wrappers: set[int] = set()
    for element in candidates:
        for ancestor in element.parents:
            if id(ancestor) in wrappers:
                break
            wrappers.add(id(ancestor))
    return [el for el in candidates if id(el) not in wrappers]


def _merge_found(into: Found, extra: Found) -> None:
    """Markup facts win; facts read from text fill the gaps."""
    if extra.author:
        into.note_author(extra.author)
    if extra.section:
        into.note_section(extra.section)
    into.note_tags(extra.tags)
    if extra.published:
        into.note_date("published", extra.published)
    if extra.updated:
        into.note_date("updated", extra.updated)


def _normalise_structure(root: Tag) -> None:
    """Headings into h2-h4, text-only divs into paragraphs, loose text wrapped."""
    for heading in root.find_all(list(HEADING_MAP)):
        heading.name = HEADING_MAP[heading.name]
    for element in root.find_all(list(CONTAINERS)):
        if all(_is_inline(child) for child in element.children):
            element.name = "p"
    for element in [root, *root.find_all(True)]:
        if element.name not in TEXT_HOLDERS and not _is_inline(element):
            _wrap_loose_runs(element)


def _is_inline(node: PageElement) -> bool:
    """Text, or an inline tag with no block inside (page builders wrap whole
    articles in a <span>, which must then be treated as a container)."""
    if isinstance(node, NavigableString):
        return True
    if not isinstance(node, Tag) or node.name not in INLINE_TAGS:
        return False
    return node.find(_BLOCK_NAMES) is None


def _wrap_loose_runs(container: Tag) -> None:
    """Put runs of bare text and inline tags into <p>s, splitting at double <br>.

    Feed bodies often read "First para<br><br>Second para" with no <p> at all.
    """
    run: list[PageElement] = []
    for child in list(container.children):
        if _is_inline(child):
            run.append(child)
            continue
        _wrap_run(run)
        run = []
    _wrap_run(run)


def _wrap_run(run: list[PageElement]) -> None:
    for paragraph in _split_at_double_breaks(run):
        paragraph = _trim_blank_strings(paragraph)
        if not any(_has_content(node) for node in paragraph):
            continue
        wrapper = _soup_of(paragraph[0]).new_tag("p")
        paragraph[0].insert_before(wrapper)
        for node in paragraph:
            wrapper.append(node.extract())


def _soup_of(node: PageElement) -> BeautifulSoup:
    """The soup that owns ``node``: new tags must be made by it."""
    top: PageElement = node
    while top.parent is not None:
        top = top.parent
    if not isinstance(top, BeautifulSoup):
        raise TypeError("node is not attached to a parsed document")
    return top


def _split_at_double_breaks(run: list[PageElement]) -> list[list[PageElement]]:
    paragraphs: list[list[PageElement]] = [[]]
    pending_break: PageElement | None = None
    for node in run:
        if isinstance(node, Tag) and node.name == "br":
            if pending_break is not None:
                pending_break.extract()
                node.extract()
                pending_break = None
                paragraphs.append([])
                continue
            pending_break = node
            continue
        if isinstance(node, NavigableString) and not node.strip():
            paragraphs[-1].append(node)
            continue
        if pending_break is not None:
            paragraphs[-1].append(pending_break)
            pending_break = None
        paragraphs[-1].append(node)
    if pending_break is not None:
        pending_break.extract()
    return [p for p in paragraphs if p]


def _trim_blank_strings(nodes: list[PageElement]) -> list[PageElement]:
    """Leave whitespace at a paragraph's edges outside the new <p>."""
    start, end = 0, len(nodes)
    while start < end and _is_blank(nodes[start]):
        start += 1
    while end > start and _is_blank(nodes[end - 1]):
        end -= 1
    return nodes[start:end]


def _is_blank(node: PageElement) -> bool:
    return isinstance(node, NavigableString) and not node.strip()


def _has_content(node: PageElement) -> bool:
    if isinstance(node, NavigableString):
        return bool(node.strip())
    return isinstance(node, Tag) and (
        bool(node.get_text(strip=True)) or node.find("img") is not None or node.name == "img"
    )


def _absolutise_links(root: Tag, base_url: str | None) -> None:
    """Resolve relative href/src against the base; strip script-bearing URLs."""
    for attr, elements in (("href", root.find_all(href=True)), ("src", root.find_all(src=True))):
        for element in elements:
            value = str(element.get(attr) or "").strip()
            if _UNSAFE_URL.match(value):
                del element[attr]
            elif base_url:
                element[attr] = urljoin(base_url, value)


def _drop_empty(root: Tag) -> None:
    """Remove elements left with no text and no image, innermost first.

    Which elements hold text or an image is worked out in one pass up from
    each string and image (stopping at an ancestor already marked), not by
    asking every element for its text: that was quadratic in the nesting
    depth, and 20,000 nested ``<div>``s took over a minute.
    """
    keep_empty = {"br", "hr", "img"}
    filled: set[int] = set()
    for node in root.descendants:
        if isinstance(node, NavigableString) and type(node) in _TEXT_TYPES and node.strip():
            _mark_ancestors(node, root, filled)
        elif isinstance(node, Tag) and node.name in ("img", "hr"):
            filled.add(id(node))
            _mark_ancestors(node, root, filled)
    for element in reversed(root.find_all(True)):
        if element.name in keep_empty or _is_gone(element):
            continue
        if id(element) not in filled:
            element.decompose()


_TEXT_TYPES = (NavigableString, CData)  # what get_text() counts; not comments or scripts


def _mark_ancestors(node: PageElement, root: Tag, filled: set[int]) -> None:
    parent = node.parent
    while parent is not None and id(parent) not in filled:
        filled.add(id(parent))
        if parent is root:
            break
        parent = parent.parent


def html_to_text(markup: str) -> str:
    """Plain text of sanitised HTML: one block per paragraph, heading or list item.

    Read with lxml rather than bs4: the markup is already safe and simple, and
    this runs on every article.
    """
    if not markup.strip():
        return ""
    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    blocks: list[str] = []
    buffer: list[str] = []
    _walk_text(root, blocks, buffer)
    _flush(blocks, buffer)
    return BLOCK_SEPARATOR.join(blocks)


def _walk_text(node: lxml.html.HtmlElement, blocks: list[str], buffer: list[str]) -> None:
    if node.text:
        buffer.append(re.sub(r"\s+", " ", node.text))
    for child in node:
        name = child.tag if isinstance(child.tag, str) else None
        if name == "br":
            buffer.append("\n")
        elif name in {"td", "th"}:
            buffer.append(" ")
            _walk_text(child, blocks, buffer)
        elif name in TEXT_BLOCK_TAGS:
            _flush(blocks, buffer)
            _walk_text(child, blocks, buffer)
            _flush(blocks, buffer)
        elif name is not None and name != "img":
            _walk_text(child, blocks, buffer)
        if child.tail:
            buffer.append(re.sub(r"\s+", " ", child.tail))


def _flush(blocks: list[str], buffer: list[str]) -> None:
    lines = [re.sub(r" {2,}", " ", line).strip() for line in "".join(buffer).split("\n")]
    block = "\n".join(line for line in lines if line)
    if block:
        blocks.append(block)
    buffer.clear()


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
