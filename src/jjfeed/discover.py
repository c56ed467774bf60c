"""Find a web page's feeds: ``<link rel="alternate" type="application/rss+xml" href=...>``.

Pure: HTML text and the page's URL in, absolute feed URLs out, in document
order (sites list their main feed first and comment feeds after). The
stdlib's forgiving HTML parser is enough for ``<head>`` links.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from . import urls

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/rdf+xml",
    "application/json",
    "application/xml",
    "text/xml",
)


@dataclass(frozen=True)
class FeedLink:
    url: str
    type: str
    title: str | None = None


def feed_links(html: str, page_url: str) -> list[FeedLink]:
    """Every feed the page announces, made absolute against ``<base href>`` or the page URL."""
    finder = _LinkFinder()
    finder.feed(html)
    finder.close()
    base = (urls.join(page_url, finder.base) or page_url) if finder.base else page_url
    seen: set[str] = set()
    links = []
    for href, type_, title in finder.found:
        url = urls.join(base, href.strip()) or ""
        if url.startswith(("http://", "https://")) and url not in seen:
            seen.add(url)
            links.append(FeedLink(url, type_, title))
    return links


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str | None]] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        if tag != "link":
            return
        rels = values.get("rel", "").lower().split()
        type_ = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and type_ in FEED_TYPES and values.get("href"):
            self.found.append((values["href"], type_, values.get("title") or None))

    handle_startendtag = handle_starttag
