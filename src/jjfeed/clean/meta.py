"""Facts recovered from lines that are about to be thrown away.

A byline, a dateline or a tag list is boilerplate in the article text, but it
holds the author, the dates, the section and the tags. These helpers read those
facts out of single lines; ``Found`` collects them while the blocks are judged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from jjfeed.clean.dates import Stamp, find_dates
from jjfeed.clean.rules import normalise

# Name particles that may be lowercase inside a person's name.
NAME_PARTICLES: frozenset[str] = frozenset(
    {
        "de",
        "da",
        "del",
        "della",
        "der",
        "den",
        "di",
        "du",
        "la",
        "le",
        "van",
        "von",
        "bin",
        "ibn",
        "al",
        "y",
    }
)
# Capitalised words that show a short line is not a person's name.
NOT_NAME_WORDS: frozenset[str] = frozenset(
    {
        "the", "a", "an", "and", "of", "in", "on", "for", "with", "to", "by",
        "season", "episode", "trailer", "review", "news", "update", "updates",
        "photo", "photos", "video", "videos", "image", "staff", "editor", "editors",
        "posted", "published", "updated", "share", "related", "top", "stories",
        "culture", "entertainment", "sports", "politics", "business", "technology",
        "tech", "world", "opinion", "movies", "tv", "music", "games", "science",
        # Publishers and companies: a colophon's "Published by Propaganda Press, 2011".
        "press", "books", "publishing", "publishers", "publications", "media", "inc",
        "inc.", "ltd", "ltd.", "llc", "gmbh", "corp", "corp.", "company", "group",
    }
)  # fmt: skip

DATE_LABELS: dict[str, str] = {
    "first published": "published",
    "originally published": "published",
    "published": "published",
    "posted": "published",
    "last updated": "updated",
    "last modified": "updated",
    "updated": "updated",
    "modified": "updated",
}
TAG_LINE_LABELS: tuple[str, ...] = ("tags", "tagged", "tagged with", "topics", "keywords")
SECTION_LINE_LABELS: tuple[str, ...] = (
    "filed under",
    "filed in",
    "category",
    "categories",
    "section",
)
ABOUT_AUTHOR_HEADINGS: frozenset[str] = frozenset(
    {
        "about the author",
        "about the authors",
        "about the writer",
        "about the contributor",
        "about the reporter",
        "about this author",
        "author bio",
        "author biography",
        "meet the author",
    }
)
BIO_VERBS = r"(?:writer|reporter|editor|journalist|contributor|correspondent|critic|columnist|producer|author|blogger|freelancer)"

_NAME_TOKEN = re.compile(
    r"^(?:[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ'’]+)*|(?:[A-Z]\.){1,3}|[A-Z][a-z]*[A-Z][a-zà-ÿ'’]+)$"
)
_BYLINE = re.compile(
    r"^(?:(?:written|posted|published|words|story|text)\s+)?by\s*:?\s+(?P<names>.+?)"
    r"(?:\s*(?:[,|•·—–]|\s-\s|\bon\b|\bat\b|\bposted\b|\bpublished\b|\bupdated\b)\s*(?P<rest>.*))?$",
    re.IGNORECASE,
)
_BARE_YEAR = re.compile(r"^\(?(?:1[5-9]|20)\d{2}\)?\.?$")
_DATE_THEN_BY = re.compile(r"^(?P<dates>.+?)\s+(?P<byline>by\s.+)$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[•·▪◦‣∙●*]|-(?=\s))\s+(?P<item>\S.*)$")
_LABEL_WORDS = re.compile(
    r"\b(?:first|originally|last|published|posted|updated|modified|date|on|at)\b", re.IGNORECASE
)
_DATE_LABEL = re.compile(
    "|".join(re.escape(label) for label in sorted(DATE_LABELS, key=len, reverse=True)),
    re.IGNORECASE,
)


@dataclass
class Found:
    """Metadata gathered while judging blocks; first good value wins.

    A later published date replaces an earlier one only when it is the same day
    and more precise, so "Posted on Mar 5, 2017" followed by "First Published:
    Mar 5, 2017, 6:00 am CST" keeps the time.
    """

    author: str | None = None
    published: Stamp | None = None
    updated: Stamp | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    # What a link post shares, when the body names it (a link aggregator's "[link]").
    external_url: str | None = None

    def note_author(self, name: str) -> None:
        if self.author is None and name:
            self.author = name

    def note_external_url(self, url: str) -> None:
        if self.external_url is None and url:
            self.external_url = url

    def note_section(self, section: str) -> None:
        if self.section is None and section:
            self.section = section

    def note_tags(self, tags: list[str]) -> None:
        for tag in tags:
            if tag and tag not in self.tags:
                self.tags.append(tag)

    def note_date(self, kind: str, stamp: Stamp) -> None:
        current = self.published if kind == "published" else self.updated
        if current is None or _refines(current, stamp):
            if kind == "published":
                self.published = stamp
            else:
                self.updated = stamp

    @property
    def published_at(self) -> datetime | None:
        return self.published.when if self.published else None

    @property
    def updated_at(self) -> datetime | None:
        return self.updated.when if self.updated else None


def _refines(current: Stamp, new: Stamp) -> bool:
    """True when ``new`` is the same calendar day as ``current`` but has a time."""
    return new.has_time and not current.has_time and abs(new.when - current.when).days < 1


def is_person_name(text: str) -> bool:
    """Two to five capitalised words, no digits or sentence punctuation.

    On its own this would also accept "Internet Culture", so callers only use it
    where the neighbours say a name is expected.
    """
    tokens = text.strip().split()
    if not 2 <= len(tokens) <= 5 or len(text) > 60:
        return False
    if any(token.lower() in NOT_NAME_WORDS for token in tokens):
        return False
    named = [t for t in tokens if t.lower() not in NAME_PARTICLES]
    return len(named) >= 2 and all(_NAME_TOKEN.match(t) for t in named)


def is_section_label(text: str) -> bool:
    """A short Title Case label such as "Internet Culture" or "TV & Film"."""
    tokens = text.strip().split()
    if not 1 <= len(tokens) <= 4 or len(text) > 40 or text.strip()[-1] in ".!?:,;":
        return False
    return all(t[0].isupper() or t in {"&", "and", "of", "+"} for t in tokens)


def read_byline(text: str) -> tuple[str, list[tuple[str, Stamp]]] | None:
    """The name and any dates in a byline: "By Jane Doe", "By Jane Doe | Mar 5, 2017"
    or "Mar 5, 2017 by Jane Doe".

    Returns None unless what follows "By" really is a name, so "By the end of
    the season ..." is left alone.
    """
    if len(text.split()) > 16:
        return None
    match = _BYLINE.match(text.strip())
    if match is None:
        return _dated_byline(text)
    names = re.split(r"\s+(?:and|&)\s+|\s*,\s*", match.group("names").strip())
    if not names or not all(is_person_name(n) or _is_single_name(n) for n in names):
        return None
    rest = match.group("rest") or ""
    dates = (read_dateline(rest) or []) if rest else []
    if rest and not dates and (len(rest.split()) > 4 or _BARE_YEAR.match(rest)):
        return None  # "By X, 2011" is a colophon or a citation, not a byline
    return ", ".join(names), dates


def _dated_byline(text: str) -> tuple[str, list[tuple[str, Stamp]]] | None:
    """A dateline, then the byline: "Posted on March 5, 2024 by Jane Doe"."""
    match = _DATE_THEN_BY.match(text.strip())
    if match is None:
        return None
    dates = read_dateline(match.group("dates"))
    byline = read_byline(match.group("byline"))
    if not dates or byline is None:
        return None
    name, more = byline
    return name, [*dates, *more]


def _is_single_name(text: str) -> bool:
    """A one-word pen name is accepted after an explicit "By"."""
    return re.fullmatch(r"[A-Z][\w'’-]+", text.strip()) is not None


def read_dateline(text: str) -> list[tuple[str, Stamp]] | None:
    """A line made only of dates and their labels, as (kind, stamp) pairs.

    "Posted on Mar 5, 2017   Updated on May 24, 2021, 9:47 pm CDT" gives a
    published and an updated stamp. A line with any other words is not a
    dateline (content often mentions dates), so None is returned.
    """
    stripped = text.strip().lstrip("*").strip()
    stamps = find_dates(stripped)
    if not stamps:
        return None
    leftover = stripped
    for stamp in reversed(stamps):
        leftover = leftover[: stamp.span[0]] + " " + leftover[stamp.span[1] :]
    leftover = _LABEL_WORDS.sub(" ", leftover)
    if re.search(r"[^\W\d_]", leftover):
        return None
    return [(_label_before(stripped, stamp.span[0]), stamp) for stamp in stamps]


def _label_before(text: str, position: int) -> str:
    """The kind named by the last date label before ``position``; "published" by default."""
    labels = list(_DATE_LABEL.finditer(text[:position]))
    if not labels:
        return "published"
    return DATE_LABELS[labels[-1].group(0).lower()]


def read_labelled_list(text: str, labels: tuple[str, ...]) -> list[str] | None:
    """Items of a "Tags: a, b, c" style line whose label is one of ``labels``."""
    match = re.match(r"^\s*([A-Za-z ]{3,20})\s*:\s*(.+)$", text)
    if match is None or match.group(1).strip().lower() not in labels:
        return None
    if len(text.split()) > 30:
        return None
    items = [item.strip(" .#") for item in re.split(r"[,;|•·]", match.group(2))]
    return [item for item in items if item]


def bullet_item(text: str) -> str | None:
    """The text of a bulleted line ("  • Adventure" -> "Adventure"), else None."""
    match = _BULLET.match(text)
    return match.group("item").strip() if match else None


def is_tag_like(item: str) -> bool:
    """Tag list items are a few words with no sentence punctuation."""
    return 1 <= len(item.split()) <= 3 and len(item) <= 30 and item[-1] not in ".!?:;,"


def is_about_author_heading(text: str) -> bool:
    return normalise(text) in ABOUT_AUTHOR_HEADINGS


def is_author_bio(text: str, author: str | None) -> bool:
    """A short paragraph that introduces the known author: "Sara is a reporter ...".

    Needs the author's first or last name at the start and a job noun, so a
    paragraph that merely quotes the author is kept.
    """
    if author is None or len(text.split()) > 120:
        return False
    names = {part for part in re.split(r"[\s,]+", author) if len(part) > 1}
    first = text.strip().split(" ", 1)[0].rstrip("’'s,")
    if first not in names:
        return False
    pattern = rf"\b(?:is|was|has been)\s+(?:an?|the)\s+(?:[\w-]+\s+){{0,4}}{BIO_VERBS}s?\b"
    return re.search(pattern, text, re.IGNORECASE) is not None
