"""What a whole page declares about itself: title, author, dates, section, tags.

Pages state their metadata in three places, read here cheapest and surest
first: ``<meta>`` tags and microdata (``og:title``, ``article:published_time``,
``itemprop=datePublished``), JSON-LD (schema.org ``Article`` and kin, where
most sites put the real author), and, only for the date when neither says it,
htmldate's reading of the page (it comes with trafilatura and is imported
here alone). trafilatura's full ``extract_metadata`` is not used: it walks the
whole page several times for categories, licence and author paths, which cost
more than extracting the article itself.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement

from jjfeed.clean import meta
from jjfeed.clean.dates import parse_date

# The page's own metadata, as XPath; the first non-empty value wins.
TITLE_METAS: tuple[str, ...] = (
    '//meta[@property="og:title"]',
    '//meta[@name="twitter:title"]',
)
SITE_NAME_METAS: tuple[str, ...] = ('//meta[@property="og:site_name"]',)
AUTHOR_METAS: tuple[str, ...] = (
    '//meta[@name="author"]',
    '//meta[@property="article:author"]',
    '//meta[@name="parsely-author"]',
    '//meta[@name="sailthru.author"]',
    '//meta[@name="byl"]',
    '//meta[@name="dc.creator" or @name="DC.creator" or @name="dcterms.creator"]',
    '//meta[@name="citation_author"]',
)
PUBLISHED_METAS: tuple[str, ...] = (
    '//meta[@property="article:published_time"]',
    '//*[@itemprop="datePublished"]',
    '//meta[@name="parsely-pub-date"]',
    '//meta[@name="pubdate"]',
    '//meta[@name="publishdate"]',
    '//meta[@name="date"]',
    '//meta[@name="dc.date"]',
    '//meta[@name="DC.date.issued"]',
)
UPDATED_METAS: tuple[str, ...] = (
    '//meta[@property="article:modified_time"]',
    '//meta[@property="og:updated_time"]',
    '//*[@itemprop="dateModified"]',
)
SECTION_METAS: tuple[str, ...] = ('//meta[@property="article:section"]',)
TAG_METAS: tuple[str, ...] = ('//meta[@property="article:tag"]',)
JSON_LD = '//script[@type="application/ld+json"]'
# schema.org types whose node describes the article itself.
ARTICLE_TYPES: frozenset[str] = frozenset(
    {
        "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "techarticle",
        "scholarlyarticle", "report", "socialmediaposting", "liveblogposting", "posting",
        "medicalscholarlyarticle", "advertisercontentarticle", "satiricalarticle",
    }
)  # fmt: skip
# JSON-LD blocks past this size are skipped: metadata is small, and a page
# must not make us parse megabytes of JSON.
MAX_JSON_LD_CHARS = 200_000
# Author values that name a role or the site rather than a person.
NOT_AUTHORS: frozenset[str] = frozenset({"admin", "administrator", "staff", "editor", "team"})
# htmldate without its exhaustive scan of the page's text: the markup usually
# says it, and the scan's cost has no bound (1.9 s on one 64 KB WCXB page;
# it bought 2 points of date accuracy for 8% more time per page).
_DATE_PARAMS: dict[str, object] = {"extensive_search": False, "original_date": True}
_SPACES = re.compile(r"\s+")
TITLE_SEPARATORS: tuple[str, ...] = (" | ", " - ", " – ", " — ", " :: ", " • ", " · ")
# A host label shorter than this names nothing ("co" in example.co.uk).
MIN_HOST_NAME = 3
_HOST_NOISE = frozenset({"www", "m", "blog", "amp", "com", "co", "org", "net"})
_AUTHOR_QUOTES = "\"'“”‘’ "
_BY_LABEL = re.compile(r"^by\s*:?\s+", re.IGNORECASE)
_URL = re.compile(r"^https?://")
_SURNAME_FIRST = re.compile(r"^([A-Z][\w'’-]+),\s+([A-Z][a-z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)?)$")


@dataclass
class PageMeta:
    """Metadata stated by the page itself, in <head>, as microdata or as JSON-LD."""

    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LinkedData:
    """The article node of a page's JSON-LD, reduced to what we use."""

    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None


def read_page_meta(tree: HtmlElement, url: str | None = None) -> PageMeta:
    """Title, author, dates, section and tags as the page declares them.

    ``url``, when known, lets a title lose a suffix naming the site's host
    ("Best EVs of 2026 - Car Talk" on cartalk.com).

    Meta tags win for title and dates (they are the page's own, per-page
    values); JSON-LD wins for the author, because ``<meta name="author">``
    often names the site or a role ("Administrator") while the schema.org
    author is a person.
    """
    linked = read_linked_data(tree)
    return PageMeta(
        title=_page_title(tree, _host_words(url)) or linked.title,
        author=linked.author or _first_author(tree),
        published=_first_date(tree, PUBLISHED_METAS) or linked.published,
        updated=_first_date(tree, UPDATED_METAS) or linked.updated,
        section=_first_value(tree, SECTION_METAS),
        tags=_unique(v for xp in TAG_METAS for v in (_value(el) for el in _select(tree, xp)) if v),
    )


def page_date(tree: HtmlElement, url: str | None) -> datetime | None:
    """htmldate's reading of the publication date: the fallback when the page states none."""
    found = _find_date(tree, url, _DATE_PARAMS)
    return parse_date(found) if found else None


def _find_date(tree: HtmlElement, url: str | None, params: dict[str, object]) -> str | None:
    try:
        found = find_date(tree, url=url, **params)  # type: ignore[arg-type]
    except (ValueError, TypeError, etree.LxmlError, RecursionError):
        return None
    return found or None


# -- JSON-LD ----------------------------------------------------------------------


def read_linked_data(tree: HtmlElement) -> LinkedData:
    """Title, author and dates of the first schema.org article node, if any."""
    nodes = list(_json_ld_nodes(tree))
    by_id = {str(node["@id"]): node for node in nodes if isinstance(node.get("@id"), str)}
    for node in nodes:
        if _types(node) & ARTICLE_TYPES:
            return LinkedData(
                title=_text(node.get("headline")) or _text(node.get("name")),
                author=_ld_author(node.get("author"), by_id),
                published=parse_date(_text(node.get("datePublished")) or "", keep_offset=True),
                updated=parse_date(_text(node.get("dateModified")) or "", keep_offset=True),
            )
    return LinkedData()


def _json_ld_nodes(tree: HtmlElement) -> Iterator[dict[str, object]]:
    """Every JSON object in the page's JSON-LD scripts, ``@graph`` members included."""
    for script in _select(tree, JSON_LD):
        raw = script.text or ""
        if not raw.strip() or len(raw) > MAX_JSON_LD_CHARS:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            continue
        pending: list[object] = [data]
        while pending:
            item = pending.pop(0)
            if isinstance(item, list):
                pending.extend(item)
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    pending.extend(item["@graph"])


def _types(node: dict[str, object]) -> set[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {str(v).lower() for v in values if isinstance(v, str)}


def _ld_author(value: object, by_id: dict[str, dict[str, object]]) -> str | None:
    """Names of the author value: a string, a Person, a reference to one, or a list."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        if isinstance(item, dict):
            ref = item.get("@id")
            if "name" not in item and isinstance(ref, str) and ref in by_id:
                item = by_id[ref]
            name = _text(item.get("name"))
        else:
            name = _text(item)
        name = tidy_author(name)
        if name:
            names.append(name)
    return join_names(_unique(names))


def join_names(names: list[str]) -> str | None:
    """Names as a reader writes them: "A", "A and B", "A, B, and C"."""
    if len(names) <= 2:
        return " and ".join(names) or None
    return ", ".join(names[:-1]) + ", and " + names[-1]


def _text(value: object) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, str):
        return _collapse(value) or None
    return None


# -- meta tags --------------------------------------------------------------------


def _page_title(tree: HtmlElement, host: frozenset[str] = frozenset()) -> str | None:
    """og:title, else the first <h1>, else <title>; a trailing " | Site Name" is cut."""
    site_name = _first_value(tree, SITE_NAME_METAS)
    value = _first_value(tree, TITLE_METAS)
    if value:
        return _strip_site_name(value, site_name, host)
    for heading in _select(tree, "//h1"):
        text = _collapse(heading.text_content())
        if text:
            return text
    for title in _select(tree, "//title"):
        return _strip_site_name(_collapse(title.text_content()), site_name, host)
    return None


def _strip_site_name(
    title: str, site_name: str | None, host: frozenset[str] = frozenset()
) -> str | None:
    """Drop " | Site" or " - Site" from a title when it names the site.

    The site is named by ``og:site_name``, or by the page's host: the suffix,
    letters and digits only, is one of the host's names ("Car Talk" on
    cartalk.com, "ASU Online" on asuonline.asu.edu).
    """
    if not title:
        return None
    if site_name:
        for separator in TITLE_SEPARATORS:
            suffix = separator + site_name
            if title.endswith(suffix):
                return title[: -len(suffix)].strip()
    if host:
        for separator in TITLE_SEPARATORS:
            head, found, tail = title.rpartition(separator)
            if found and head.strip() and _squeezed(tail) in host:
                return head.strip()
    return title


def _host_words(url: str | None) -> frozenset[str]:
    """The names a site's host gives it: "cartalk" for www.cartalk.com."""
    if not url:
        return frozenset()
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # "http://[not-ipv6": no host to read
        return frozenset()
    labels = [label for label in host.split(".")[:-1] if label not in _HOST_NOISE]
    return frozenset(label for label in labels if len(label) >= MIN_HOST_NAME)


def _squeezed(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _first_author(tree: HtmlElement) -> str | None:
    """A declared author (see :func:`tidy_author`)."""
    for xpath in AUTHOR_METAS:
        for element in _select(tree, xpath):
            name = tidy_author(_value(element))
            if name:
                return name
    return None


def tidy_author(value: str | None) -> str | None:
    """A declared author value as a name, or None when it names nobody.

    Pages declare authors carelessly: HTML entities in JSON ("Maria &amp;
    Katerina"), quotes, a "By" in front, an empty name before the outlet
    (", USA TODAY"), a URL (article:author often is one), a role ("admin").
    """
    if not value:
        return None
    name = _collapse(html.unescape(value)).strip(_AUTHOR_QUOTES)
    if not name or name.startswith(",") or _URL.match(name) or name.lower() in NOT_AUTHORS:
        return None
    byline = meta.read_byline(name)
    if byline is not None:
        return byline[0]
    name = _BY_LABEL.sub("", name).strip(_AUTHOR_QUOTES + " ,;:|-")
    if not re.search(r"[^\W\d_]", name):
        return None
    return _first_name_first(name)


def _first_name_first(value: str) -> str:
    """ "Roy, Aniruddha" (the citation style) as "Aniruddha Roy"; other values as they are."""
    match = _SURNAME_FIRST.match(value)
    return f"{match.group(2)} {match.group(1)}" if match else value


def _first_date(tree: HtmlElement, xpaths: tuple[str, ...]) -> datetime | None:
    for xpath in xpaths:
        for element in _select(tree, xpath):
            moment = parse_date(_value(element) or "", keep_offset=True)
            if moment is not None:
                return moment
    return None


def _first_value(tree: HtmlElement, xpaths: tuple[str, ...]) -> str | None:
    for xpath in xpaths:
        for element in _select(tree, xpath):
            value = _value(element)
            if value:
                return value
    return None


def select(tree: HtmlElement, xpath: str) -> list[HtmlElement]:
    """The elements an XPath finds (never strings or numbers)."""
    found = tree.xpath(xpath)
    return [el for el in found if isinstance(el, HtmlElement)] if isinstance(found, list) else []


_select = select


def _value(element: HtmlElement) -> str | None:
    """The stated value of a meta-like element: content, datetime, or its text."""
    for attr in ("content", "datetime"):
        raw = element.get(attr)
        if raw:
            return _collapse(str(raw))
    text = _collapse(element.text_content())
    return text or None


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def unique(values: Iterable[str]) -> list[str]:
    """``values`` in order, each once."""
    seen: list[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


_unique = unique
