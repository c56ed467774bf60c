"""Our own article finder: the element of a page that holds the article.

trafilatura is asked first (:mod:`jjfeed.clean.page`); this finder takes over
when it finds nothing, gives the second opinion on short articles, and marks
the region the recall path judges.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from jjfeed.clean.markup import Element, is_markup_boilerplate, paragraph_chars, text_of
from jjfeed.clean.pagemeta import select

# XPaths of the article body for our fallback finder, most specific first.
MAIN_SELECTORS: tuple[str, ...] = (
    '//*[@itemprop="articleBody"]',
    "//article",
    "//main",
    '//*[@role="main"]',
)
# The article wrapper holds at least this share of the page's paragraph text.
DENSE_SHARE = 0.7
# A semantic marker must hold at least this share of the densest container's text.
MARKER_MIN_SHARE = 0.5
# Containers whose paragraphs never count towards "the article" when guessing.
NOT_ARTICLE_TAGS: frozenset[str] = frozenset({"nav", "header", "footer", "aside", "form"})


def find_main(tree: HtmlElement) -> Element | None:
    """The element holding the article.

    Semantic markers first; when several <article>s exist (teasers, related
    posts) the one with most paragraph text wins. A marker holding much less
    text than the densest container is a teaser or a sidebar, not the
    article, and is passed over. Without markers, the element whose own
    paragraphs carry the most text.
    """
    densest = _densest_container(tree)
    floor = MARKER_MIN_SHARE * paragraph_chars(densest) if densest is not None else 0
    for selector in MAIN_SELECTORS:
        candidates = [el for el in select(tree, selector) if paragraph_chars(el) > max(floor, 0)]
        if candidates:
            return max(candidates, key=paragraph_chars)
    return densest


def _densest_container(tree: HtmlElement) -> Element | None:
    """The deepest element that still holds most of the page's paragraph text.

    Articles are often split over several sibling sections, so the single
    densest parent is too small; the smallest element holding
    ``DENSE_SHARE`` of all (non-furniture) paragraph text is the article's
    wrapper.
    """
    mass: dict[Element, int] = {}
    depth: dict[Element, int] = {}
    furniture: dict[Element, bool] = {}  # paragraphs share ancestors: judge each once
    total = 0
    for paragraph in tree.iter("p"):
        ancestors = list(paragraph.iterancestors())
        if any(_is_furniture_container(a, furniture) for a in ancestors):
            continue
        length = len(text_of(paragraph))
        total += length
        for level, ancestor in enumerate(reversed(ancestors)):
            mass[ancestor] = mass.get(ancestor, 0) + length
            depth[ancestor] = level
    if total == 0:
        return tree.find("body")
    heavy = [element for element, chars in mass.items() if chars >= DENSE_SHARE * total]
    return max(heavy, key=lambda element: depth[element])


def _is_furniture_container(element: Element, seen: dict[Element, bool]) -> bool:
    verdict = seen.get(element)
    if verdict is None:
        verdict = element.tag in NOT_ARTICLE_TAGS or is_markup_boilerplate(element)
        seen[element] = verdict
    return verdict
