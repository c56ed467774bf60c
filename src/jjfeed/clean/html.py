"""Cleaning HTML: markup rules first, then the same block rules as plain text.

The order matters. Facts the markup states (bylines, ``<time>``, rel=tag) are
read first; then elements the markup alone marks as furniture go
(``markup.py``); then what is left is judged block by block with
``blocks.judge_blocks``, so a ``<p>Share this article</p>`` goes too. The
result is normalised (loose text wrapped in ``<p>``, headings mapped to
h2-h4), links made absolute, empty elements dropped, and finally sanitised
(``output.py``).

Everything works on an lxml tree in place: parsing a feed entry with lxml and
walking its elements costs a fraction of building a BeautifulSoup tree, and
this runs on every article the aggregator sees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TypeAlias

import lxml.html
from lxml import etree

from jjfeed import urls
from jjfeed.clean import rules
from jjfeed.clean.blocks import CONTENT, cleaned_from_blocks, judge_blocks
from jjfeed.clean.features import BlockFacts
from jjfeed.clean.feedrules import source_words
from jjfeed.clean.markup import (
    INLINE_TAGS,
    Element,
    drop_share_buttons,
    harvest_markup_meta,
    holds_the_article,
    is_markup_boilerplate,
    is_unsafe_url,
    paragraph_chars,
    remove,
    text_of,
)
from jjfeed.clean.meta import Found
from jjfeed.clean.output import html_to_text, sanitise
from jjfeed.clean.submission import lift_submission_lines
from jjfeed.model import Cleaned

# Elements whose own text is one block when they hold no other such element.
BLOCK_CANDIDATES: tuple[str, ...] = (
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dt", "dd",
    "div", "section", "article", "main", "td", "th", "address", "figure", "header", "caption",
)  # fmt: skip
CONTAINERS: tuple[str, ...] = (
    "div", "section", "article", "main", "header", "figure", "address", "body",
)  # fmt: skip
# Elements where text may sit next to nested blocks; everywhere else a run of
# loose text beside a block is a paragraph of its own.
TEXT_HOLDERS: frozenset[str] = frozenset(
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "li", "dt", "dd", "td", "th",
        "caption", "blockquote",
    }
)  # fmt: skip
# Rules whose verdict a block that is one link's label overrules: their shapes
# ("Image ...", "A / B") are common in link titles.
LINK_SPARES: frozenset[str] = frozenset({"credit"})
BLOCK_NAMES: tuple[str, ...] = tuple(sorted(set(BLOCK_CANDIDATES) | {"ul", "ol", "dl", "table"}))
# Table cells that wrap paragraphs are layout, not data: text loose beside
# those paragraphs ("Posted by ... at ...") is a paragraph of its own.
LAYOUT_CELLS: frozenset[str] = frozenset({"td", "th"})
HEADING_MAP: dict[str, str] = {"h1": "h2", "h5": "h4", "h6": "h4"}
# Elements that stay even when they hold no text.
KEEP_EMPTY: frozenset[str] = frozenset({"br", "hr", "img"})

# Feed bodies are fragments: comments and processing instructions are never content.
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SPACES = re.compile(r"\s+")

Item: TypeAlias = str | Element  # a piece of a container's content: loose text or a child element
# Given a page's leaf blocks (with the rules' verdicts), which to keep.
BlockDecider: TypeAlias = Callable[[Sequence[BlockFacts]], Sequence[bool]]


@dataclass(frozen=True)
class TreeResult:
    """What cleaning one subtree gives: safe HTML, its text, and found metadata."""

    html: str
    text: str
    found: Found


def clean_html(fragment: str, base_url: str | None = None) -> Cleaned:
    """Clean an HTML fragment from a feed entry (content:encoded, Atom content, summary)."""
    body = parse_body(fragment)
    if body is None:
        return Cleaned(text="", html="")
    result = clean_tree(body, base_url, source=source_words(base_url))
    return cleaned_from_blocks(result.text, result.html, result.found)


def parse_body(markup: str) -> Element | None:
    """The ``<body>`` of ``markup`` parsed as HTML (comments dropped), or None when empty.

    What lxml refuses is taken out first (:func:`parsable`), so odd input
    gives a result rather than an exception.
    """
    document = parse_document(parsable(markup), _PARSER)
    return None if document is None else document.find("body")


def parsable(markup: str) -> str:
    """``markup`` without the characters lxml refuses: controls, and an XML declaration in a str."""
    return _XML_DECLARATION.sub("", _CONTROL_CHARS.sub("", markup), count=1)


def parse_document(markup: str, parser: lxml.html.HTMLParser) -> Element | None:
    """``markup`` parsed as a whole HTML document; None when it is blank or lxml gives up."""
    if not markup.strip():
        return None
    try:
        return lxml.html.document_fromstring(markup, parser=parser)
    except (ValueError, etree.ParserError):
        return None


def clean_tree(
    root: Element,
    base_url: str | None,
    *,
    drop_heading: str | None = None,
    decide: BlockDecider | None = None,
    source: frozenset[str] = frozenset(),
) -> TreeResult:
    """Clean ``root`` in place and return its safe HTML and text.

    ``drop_heading`` is the page title, whose ``<h1>`` should not be repeated
    in the body. ``decide``, when given, has the last word on which leaf
    blocks stay (the block scorer, for pages); without it the rules' verdicts
    stand. ``source``: the words of the source's own name (a feed entry's),
    whose credit on the last line goes (:func:`_drop_source_credit`).
    """
    _drop_comments(root)
    _flatten_math(root)
    found = harvest_markup_meta(root)
    strip_markup_boilerplate(root)
    drop_share_buttons(root)
    if drop_heading:
        _drop_title_heading(root, drop_heading)
    _normalise_structure(root)
    lift_submission_lines(root, found, base_url)
    _merge_found(found, _drop_boilerplate_blocks(root, decide))
    _drop_link_rows(root)
    _drop_source_credit(root, source)
    _absolutise_links(root, base_url)
    _drop_empty(root)
    safe = sanitise(serialise_children(root))
    return TreeResult(html=safe, text=html_to_text(safe), found=found)


def serialise_children(root: Element) -> str:
    """The markup inside ``root`` (its own tag left out)."""
    parts = [escape(root.text or "", quote=False)]
    parts.extend(etree.tostring(child, encoding="unicode", method="html") for child in root)
    return "".join(parts)


def _drop_comments(root: Element) -> None:
    """Comments and processing instructions, where a parser has not dropped them already."""
    for node in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        remove(node)


def _flatten_math(root: Element) -> None:
    """MathML becomes its visible text, inline: "request <math>n</math> bytes" is one sentence.

    Left as elements, its parts (``semantics``, ``mrow``, ``mi``) look like
    containers of loose text and the sentence is split into paragraphs around
    them; the sanitiser drops the tags anyway. The TeX source some pages add
    as an ``annotation`` is not what a reader sees, so it goes.
    """
    for math in list(root.iter("math")):
        parent = math.getparent()
        if parent is None:
            continue
        for annotation in list(math.iter("annotation", "annotation-xml")):
            remove(annotation)
        span = etree.Element("span")
        span.text = "".join(math.itertext())
        span.tail = math.tail
        parent.replace(math, span)


def strip_markup_boilerplate(root: Element) -> None:
    """Remove elements whose markup alone marks them as not article text.

    Walked with an explicit stack, not recursion: hostile pages nest
    thousands deep. A removed element's subtree is not visited.
    """
    total = paragraph_chars(root)
    doomed: list[Element] = []
    stack = [root]
    while stack:
        for child in stack.pop().iterchildren(etree.Element):
            if is_markup_boilerplate(child) and not holds_the_article(child, total):
                doomed.append(child)
            else:
                stack.append(child)
    for element in doomed:
        remove(element)


def _drop_title_heading(root: Element, title: str) -> None:
    """Remove the first <h1> when it repeats the page title."""
    heading = next(root.iter("h1"), None)
    if heading is None:
        return
    text = rules.normalise(text_of(heading))
    wanted = rules.normalise(title)
    if text and (text in wanted or wanted in text):
        remove(heading)


def _drop_boilerplate_blocks(root: Element, decide: BlockDecider | None) -> Found:
    """Judge the leaf blocks' text with the shared rules and remove the losers.

    With a ``decide``r, the rules' verdicts are facts it weighs with the rest
    of what the tree shows of each block, and its answer stands.
    """
    leaves = _leaf_blocks(root)
    for element in leaves:
        _drop_trailing_read_on(element)
    pairs = [(el, _collapse(" ".join(el.itertext()))) for el in leaves]
    pairs = [(el, text) for el, text in pairs if text]
    judgement = judge_blocks([text for _, text in pairs], plain=False, find_title=False)
    reasons = [
        CONTENT if judged.reason in LINK_SPARES and _is_one_link(element, text) else judged.reason
        for (element, text), judged in zip(pairs, judgement.blocks, strict=True)
    ]
    keep: Sequence[bool] = [reason == CONTENT for reason in reasons]
    if decide is not None and pairs:
        facts = [
            block_facts(element, text, reason, root)
            for (element, text), reason in zip(pairs, reasons, strict=True)
        ]
        keep = decide(facts)
    for (element, _), kept in zip(pairs, keep, strict=True):
        if not kept:
            remove(element)
    return judgement.found


def _is_one_link(block: Element, text: str) -> bool:
    """The block's text is one link's label: "<li><a>Plugable USB-C Voltage/Amperage
    Meter</a></li>" in show notes is a link to read, not a photo credit."""
    links = list(block.iter("a"))
    return len(links) == 1 and _collapse(" ".join(links[0].itertext())) == text


def _drop_link_rows(root: Element) -> None:
    """A table row of link buttons ("Amazon Link | | Link"): each cell alone is
    too short for the rules, the row read as a line is a link row."""
    for row in list(root.iter("tr")):
        cells = [_collapse(" ".join(cell.itertext())) for cell in row.iter("td", "th")]
        line = " ".join(cell for cell in cells if cell)
        if line and rules.is_link_row(line):
            remove(row)


def block_facts(element: Element, text: str, reason: str, root: Element) -> BlockFacts:
    """What the tree shows of one leaf block, up to ``root``."""
    ancestors: list[str] = []
    marks: list[str] = []
    node: Element | None = element
    while node is not None and node is not root:
        if node is not element:
            ancestors.append(str(node.tag))
        for attr in ("class", "id"):
            value = node.get(attr)
            if value:
                marks.append(value)
        node = node.getparent()
    links = sum(len(_collapse(" ".join(a.itertext()))) for a in element.iter("a"))
    return BlockFacts(
        text=text,
        tag=str(element.tag),
        ancestors=tuple(ancestors),
        link_chars=links,
        reason=reason,
        marks=tuple(marks),
    )


def _drop_trailing_read_on(block: Element) -> None:
    """A "read more" link that ends an excerpt's paragraph: "... two steps... [read more]".

    The paragraph is the story; only the link goes, and only after a finished
    or cut-off sentence ("... [read more]", "Read more »"): in "you can <a>read
    more</a>" the link is part of the sentence.
    """
    links = list(block.iter("a"))
    if not links:
        return
    link = links[-1]
    label = _collapse(" ".join(link.itertext()))
    if not label or not rules.is_read_on(label):
        return
    whole = _collapse(" ".join(block.itertext()))
    if not whole.endswith(label):
        return
    before = whole[: -len(label)].rstrip()
    if before and before.endswith((".", "…", "!", "?", ":", "”", '"')):
        remove(link)


def _drop_source_credit(root: Element, names: frozenset[str]) -> None:
    """The source's name alone on the entry's last line ("... older adults.<br>
    <i>Medscape News UK</i>"), or as its last block: a credit, not the story.

    Only when something comes before it: an entry that is only the name stays.
    """
    leaves = _leaf_blocks(root) if names else []
    if not leaves:
        return
    last = leaves[-1]
    breaks = [br for br in last.iter("br") if br.getparent() is last]
    if breaks:
        br = breaks[-1]
        after = [br.tail or "", *(_text_and_tail(el) for el in br.itersiblings())]
        before = [last.text or "", *(_text_and_tail(el) for el in br.itersiblings(preceding=True))]
        if "".join(before).strip() and rules.is_source_credit(" ".join(after), names):
            for element in list(br.itersiblings()):
                last.remove(element)
            br.tail = None
            remove(br)
        return
    if len(leaves) > 1 and rules.is_source_credit(" ".join(last.itertext()), names):
        remove(last)


def _text_and_tail(element: Element) -> str:
    return " ".join(element.itertext()) + " " + (element.tail or "")


def _leaf_blocks(root: Element) -> list[Element]:
    """Block candidates under ``root`` holding no other candidate, in document order.

    One pass: every candidate marks its ancestors as not-a-leaf (asking each
    element for a candidate inside it instead is quadratic on long pages).
    """
    candidates = [el for el in root.iter(*BLOCK_CANDIDATES) if el is not root]
    wrappers: set[Element] = set()
    for element in candidates:
        for ancestor in element.iterancestors():
            if ancestor in wrappers:
                break
            wrappers.add(ancestor)
    return [el for el in candidates if el not in wrappers]


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


# -- structure -------------------------------------------------------------------


def _normalise_structure(root: Element) -> None:
    """Headings into h2-h4, text-only containers into paragraphs, loose text wrapped."""
    for heading in root.iter(*HEADING_MAP):
        heading.tag = HEADING_MAP[str(heading.tag)]
    for element in root.iter(*CONTAINERS):
        if element is not root and all(_is_inline(child) for child in element):
            element.tag = "p"
    for element in list(root.iter(etree.Element)):
        if element.tag in TEXT_HOLDERS and not _is_layout_cell(element):
            continue
        if not _is_inline(element):
            _wrap_loose_runs(element)


def _is_layout_cell(element: Element) -> bool:
    return element.tag in LAYOUT_CELLS and any(child.tag == "p" for child in element)


def _is_inline(node: Element) -> bool:
    """An inline tag with no block inside (page builders wrap whole articles in a
    <span>, which must then be treated as a container)."""
    if node.tag not in INLINE_TAGS:
        return False
    return next(node.iterdescendants(*BLOCK_NAMES), None) is None


def _has_text(text: str | None) -> bool:
    return bool(text and text.strip())


def _wrap_loose_runs(container: Element) -> None:
    """Put runs of bare text and inline tags into <p>s, splitting at double <br>.

    Feed bodies often read "First para<br><br>Second para" with no <p> at all.
    A container whose children are all blocks with nothing between them (the
    usual case) is left alone without being rebuilt.
    """
    children = list(container)
    if not _has_text(container.text) and not any(
        _is_inline(child) or _has_text(child.tail) for child in children
    ):
        return
    items: list[Item] = [container.text] if container.text else []
    for child in children:
        tail, child.tail = child.tail, None
        items.append(child)
        if tail:
            items.append(tail)
    container.text = None
    for child in children:
        container.remove(child)
    run: list[Item] = []
    for item in items:
        if isinstance(item, str) or _is_inline(item):
            run.append(item)
            continue
        _put_run(container, run)
        run = []
        container.append(item)
    _put_run(container, run)


def _put_run(container: Element, run: list[Item]) -> None:
    """Append a run of inline content, each paragraph of it wrapped in a <p>."""
    for paragraph in _split_at_double_breaks(run):
        start, end = 0, len(paragraph)
        while start < end and _is_blank(paragraph[start]):
            start += 1
        while end > start and _is_blank(paragraph[end - 1]):
            end -= 1
        body = paragraph[start:end]
        if not any(_has_content(item) for item in body):
            _append_items(container, paragraph)
            continue
        _append_items(container, paragraph[:start])
        wrapper = etree.SubElement(container, "p")
        _append_items(wrapper, body)
        _append_items(container, paragraph[end:])


def _append_items(parent: Element, items: list[Item]) -> None:
    for item in items:
        if isinstance(item, str):
            last = parent[-1] if len(parent) else None
            if last is None:
                parent.text = (parent.text or "") + item
            else:
                last.tail = (last.tail or "") + item
        else:
            parent.append(item)


def _split_at_double_breaks(run: list[Item]) -> list[list[Item]]:
    """Cut a run at each pair of <br>s (blank text between them allowed); the pair goes."""
    paragraphs: list[list[Item]] = [[]]
    pending_break: Element | None = None
    for item in run:
        if not isinstance(item, str) and item.tag == "br":
            if pending_break is not None:
                pending_break = None
                paragraphs.append([])
                continue
            pending_break = item
            continue
        if isinstance(item, str) and not item.strip():
            paragraphs[-1].append(item)
            continue
        if pending_break is not None:
            paragraphs[-1].append(pending_break)
            pending_break = None
        paragraphs[-1].append(item)
    return [p for p in paragraphs if p]


def _is_blank(item: Item) -> bool:
    return isinstance(item, str) and not item.strip()


def _has_content(item: Item) -> bool:
    if isinstance(item, str):
        return bool(item.strip())
    return (
        item.tag == "img"
        or any(piece.strip() for piece in item.itertext())
        or next(item.iter("img"), None) is not None
    )


# -- links and leftovers -----------------------------------------------------------


def _absolutise_links(root: Element, base_url: str | None) -> None:
    """Resolve relative href/src against the base; strip script-bearing URLs."""
    for element in root.iter(etree.Element):
        for attr in ("href", "src"):
            raw = element.get(attr)
            if raw is None:
                continue
            value = raw.strip()
            if is_unsafe_url(value):
                del element.attrib[attr]
            elif base_url:
                joined = urls.join(base_url, value)
                if joined is None:
                    del element.attrib[attr]
                else:
                    element.set(attr, joined)


def _drop_empty(root: Element) -> None:
    """Remove elements left with no text and no image, innermost first.

    Which elements hold text or an image is worked out in one pass up from
    each piece of text and each image (stopping at an ancestor already
    marked), not by asking every element for its text: that was quadratic in
    the nesting depth, and 20,000 nested ``<div>``s took over a minute.
    """
    filled: set[Element] = set()
    elements = list(root.iter(etree.Element))
    for element in elements:
        if element.tag in ("img", "hr") or _has_text(element.text):
            _mark_up_from(element, root, filled)
        if _has_text(element.tail) and element is not root:
            parent = element.getparent()
            if parent is not None:
                _mark_up_from(parent, root, filled)
    for element in reversed(elements):
        if element is root or element.tag in KEEP_EMPTY or element in filled:
            continue
        if element.tag in INLINE_TAGS and element.text and element.text.isspace():
            # <span> </span> between two words is the space between them.
            element.tail = " " + (element.tail or "")
        remove(element)


def _mark_up_from(element: Element, root: Element, filled: set[Element]) -> None:
    node: Element | None = element
    while node is not None and node not in filled:
        filled.add(node)
        if node is root:
            break
        node = node.getparent()


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
