"""Cleaning a whole HTML page: find the article, read the page's metadata.

A page is mostly not the article: masthead, navigation, cookie banner,
sidebars, footer. We pick the element that holds the article (the most
specific semantic marker first, paragraph density as the fallback), read
title/author/dates from the page's own metadata, and then clean that element
exactly like a feed fragment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Tag

from jjfeed.clean import meta
from jjfeed.clean.dates import parse_date
from jjfeed.clean.html import (
    clean_tree,
    harvest_markup_meta,
    is_markup_boilerplate,
    paragraph_chars,
    remove_comments,
)
from jjfeed.model import Cleaned

# Selectors for the article body, most specific first.
MAIN_SELECTORS: tuple[str, ...] = ('[itemprop="articleBody"]', "article", "main", '[role="main"]')
TITLE_METAS: tuple[str, ...] = ('meta[property="og:title"]', 'meta[name="twitter:title"]')
AUTHOR_METAS: tuple[str, ...] = (
    'meta[name="author"]',
    'meta[property="article:author"]',
    'meta[name="parsely-author"]',
)
PUBLISHED_METAS: tuple[str, ...] = (
    'meta[property="article:published_time"]',
    '[itemprop="datePublished"]',
    'meta[name="parsely-pub-date"]',
    'meta[name="pubdate"]',
    'meta[name="publishdate"]',
    'meta[name="date"]',
    'meta[name="dc.date"]',
    'meta[name="DC.date.issued"]',
)
UPDATED_METAS: tuple[str, ...] = (
    'meta[property="article:modified_time"]',
    'meta[property="og:updated_time"]',
    '[itemprop="dateModified"]',
)
SECTION_METAS: tuple[str, ...] = ('meta[property="article:section"]',)
TAG_METAS: tuple[str, ...] = ('meta[property="article:tag"]',)
# The article wrapper holds at least this share of the page's paragraph text.
DENSE_SHARE = 0.7
# A semantic marker must hold at least this share of the densest container's text.
MARKER_MIN_SHARE = 0.5
# Containers whose paragraphs never count towards "the article" when guessing.
NOT_ARTICLE_TAGS: frozenset[str] = frozenset({"nav", "header", "footer", "aside", "form"})


@dataclass
class PageMeta:
    """Metadata stated by the page itself, in <head> or as microdata."""

    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)


def clean_page(page: str, url: str | None = None) -> Cleaned:
    """Clean a whole HTML page: its article text plus the page's metadata."""
    soup = BeautifulSoup(page, "lxml")
    remove_comments(soup)
    page_meta = read_page_meta(soup)
    base_url = _base_url(soup, url)
    for element in soup.find_all(["script", "style", "noscript", "template"]):
        element.decompose()
    page_found = harvest_markup_meta(soup)
    main = find_main(soup)
    if main is None:
        return Cleaned(text="", html="", title=page_meta.title)
    result = clean_tree(main, base_url, drop_heading=page_meta.title)
    found = result.found
    return Cleaned(
        text=result.text,
        html=result.html,
        title=page_meta.title,
        author=page_meta.author or found.author or page_found.author,
        published=page_meta.published or found.published_at or page_found.published_at,
        updated=page_meta.updated or found.updated_at or page_found.updated_at,
        section=page_meta.section or found.section,
        tags=tuple(_unique([*page_meta.tags, *found.tags])),
    )


def read_page_meta(soup: BeautifulSoup) -> PageMeta:
    """Title, author, dates, section and tags as the page declares them."""
    return PageMeta(
        title=_page_title(soup),
        author=_first_author(soup),
        published=_first_date(soup, PUBLISHED_METAS),
        updated=_first_date(soup, UPDATED_METAS),
        section=_first_value(soup, SECTION_METAS),
        tags=_unique(v for sel in TAG_METAS for v in (_value(el) for el in soup.select(sel)) if v),
    )


def find_main(soup: BeautifulSoup) -> Tag | None:
    """The element holding the article.

    Semantic markers first; when several <article>s exist (teasers, related
    posts) the one with most paragraph text wins. A marker holding much less
    text than the densest container is a teaser or a sidebar, not the
    article, and is passed over. Without markers, the element whose own
    paragraphs carry the most text.
    """
    densest = _densest_container(soup)
    floor = MARKER_MIN_SHARE * paragraph_chars(densest) if densest is not None else 0
    for selector in MAIN_SELECTORS:
        candidates = [el for el in soup.select(selector) if paragraph_chars(el) > max(floor, 0)]
        if candidates:
            return max(candidates, key=paragraph_chars)
    return densest


def _densest_container(soup: BeautifulSoup) -> Tag | None:
    """The deepest element that still holds most of the page's paragraph text.

    Articles are often split over several sibling sections, so the single
    densest parent is too small; the smallest element holding
    ``DENSE_SHARE`` of all (non-furniture) paragraph text is the article's
    wrapper.
    """
    mass: dict[int, int] = {}
    depth: dict[int, int] = {}
    elements: dict[int, Tag] = {}
    total = 0
    for paragraph in soup.find_all("p"):
        if _in_furniture(paragraph):
            continue
        length = len(paragraph.get_text(" ", strip=True))
        total += length
        ancestors = [a for a in paragraph.parents if not isinstance(a, BeautifulSoup)]
        for level, ancestor in enumerate(reversed(ancestors)):
            mass[id(ancestor)] = mass.get(id(ancestor), 0) + length
            depth[id(ancestor)] = level
            elements[id(ancestor)] = ancestor
    if total == 0:
        return soup.body
    heavy = [key for key, chars in mass.items() if chars >= DENSE_SHARE * total]
    return elements[max(heavy, key=lambda key: depth[key])]


def _in_furniture(paragraph: Tag) -> bool:
    """Paragraphs in navigation, sidebars, banners or widgets do not vote."""
    return any(
        ancestor.name in NOT_ARTICLE_TAGS or is_markup_boilerplate(ancestor)
        for ancestor in paragraph.parents
        if not isinstance(ancestor, BeautifulSoup)
    )


def _page_title(soup: BeautifulSoup) -> str | None:
    """og:title, else the article's <h1>, else <title>; a trailing " | Site Name" is cut."""
    site_name = _first_value(soup, ('meta[property="og:site_name"]',))
    for selector in TITLE_METAS:
        value = _first_value(soup, (selector,))
        if value:
            return _strip_site_name(value, site_name)
    heading = soup.find("h1")
    if isinstance(heading, Tag):
        text = _collapse(heading.get_text(" "))
        if text:
            return text
    title = soup.find("title")
    if isinstance(title, Tag):
        return _strip_site_name(_collapse(title.get_text(" ")), site_name)
    return None


def _strip_site_name(title: str, site_name: str | None) -> str | None:
    """Drop " | Site" or " - Site" from a <title> when it names the site."""
    if not title:
        return None
    if site_name:
        for separator in (" | ", " - ", " – ", " — ", " :: "):
            suffix = separator + site_name
            if title.endswith(suffix):
                return title[: -len(suffix)].strip()
    return title


def _first_author(soup: BeautifulSoup) -> str | None:
    """A declared author; URLs (article:author often is one) are not names."""
    for selector in AUTHOR_METAS:
        for element in soup.select(selector):
            value = _value(element)
            if value and not re.match(r"^https?://", value):
                byline = meta.read_byline(value)
                return byline[0] if byline else value
    return None


def _first_date(soup: BeautifulSoup, selectors: tuple[str, ...]) -> datetime | None:
    for selector in selectors:
        for element in soup.select(selector):
            moment = parse_date(_value(element) or "")
            if moment is not None:
                return moment
    return None


def _first_value(soup: BeautifulSoup, selectors: tuple[str, ...]) -> str | None:
    for selector in selectors:
        for element in soup.select(selector):
            value = _value(element)
            if value:
                return value
    return None


def _value(element: Tag) -> str | None:
    """The stated value of a meta-like element: content, datetime, or its text."""
    for attr in ("content", "datetime"):
        raw = element.get(attr)
        if raw:
            return _collapse(str(raw))
    text = _collapse(element.get_text(" "))
    return text or None


def _base_url(soup: BeautifulSoup, url: str | None) -> str | None:
    """<base href> resolved against the page URL, else the page URL itself."""
    base = soup.find("base", href=True)
    if isinstance(base, Tag):
        href = str(base.get("href") or "")
        if url:
            return urljoin(url, href)
        if re.match(r"^https?://", href):
            return href
    return url


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _unique(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen
