"""The one ISO 8601 reader: every stage that reads a machine-written date uses it.

(And the reader of RFC 822 dates written in another language, which
feedparser hands here: :func:`parse_localized_rfc2822`.)

Feeds and pages write dates at the edges of the calendar
(``0001-01-01T00:00:00+01:00``, ``9999-12-31T23:59:59-05:00``); converting
those to UTC leaves :class:`datetime`'s range and raises ``OverflowError``.
One such date in one entry used to end a whole run. Here a date that cannot
be read, or that cannot be expressed in UTC, is simply absent (``None``).
Standard library only, so every stage may import it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_iso(value: str | None, *, keep_offset: bool = False) -> datetime | None:
    """An ISO 8601 date or date-time as an aware datetime, or ``None``.

    A trailing ``Z`` means UTC and a missing offset is taken as UTC (the least
    surprising guess for a feed). The result is in UTC unless ``keep_offset``
    asks for the offset the value stated.
    """
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return None
    utc = as_utc(parsed)
    if utc is None or not keep_offset or parsed.tzinfo is None:
        return utc
    return parsed


def as_utc(moment: datetime) -> datetime | None:
    """``moment`` in UTC (naive means UTC); ``None`` when UTC cannot express it."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


# Month names of RFC 822 dates written in another language ("Seg, 24 Set 2018 19:42:40
# -0300" in a Brazilian feed): Portuguese, Spanish, French, German, Italian and Dutch, by
# the first letters feeds write. None of them means two months.
_FOREIGN_MONTHS = {
    "fev": "Feb", "abr": "Apr", "mai": "May", "ago": "Aug", "set": "Sep", "out": "Oct",
    "dez": "Dec", "ene": "Jan", "dic": "Dec", "janv": "Jan", "févr": "Feb", "fév": "Feb",
    "fevr": "Feb", "mars": "Mar", "avr": "Apr", "juin": "Jun", "juil": "Jul", "août": "Aug",
    "aout": "Aug", "sept": "Sep", "déc": "Dec", "mär": "Mar", "mrz": "Mar", "okt": "Oct",
    "gen": "Jan", "mag": "May", "giu": "Jun", "lug": "Jul", "ott": "Oct", "mrt": "Mar",
    "maa": "Mar", "mei": "May",
}  # fmt: skip
_ENGLISH_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_ENGLISH_ABBREVIATIONS = frozenset(m[:3] for m in _ENGLISH_MONTHS)
_LOCAL_RFC822 = re.compile(
    r"^\s*(?:[^\W\d_]+\.?,\s*)?(?P<day>\d{1,2})\s+(?P<month>[^\W\d_]+)\.?\s+(?P<rest>\d{2,4}\s.*)$"
)


def parse_localized_rfc2822(value: str) -> datetime | None:
    """An RFC 822 date with its day and month names in another language, in UTC.

    Feeds in Portuguese, Spanish, French, German, Italian or Dutch often write
    their dates so, and feedparser reads English names only. ``None`` for
    anything else, an English month included (feedparser's own reading stands).
    """
    match = _LOCAL_RFC822.match(value)
    if match is None:
        return None
    month = match["month"].casefold()
    if month in _ENGLISH_ABBREVIATIONS or month in _ENGLISH_MONTHS:
        return None
    found = (_FOREIGN_MONTHS.get(m) for m in (month, month[:4], month[:3]))
    english = next((e for e in found if e), None)
    if english is None and month[:3] in _ENGLISH_ABBREVIATIONS:  # "marzo", "junio", "novembre"
        english = month[:3].title()
    if english is None:
        return None
    try:
        parsed = parsedate_to_datetime(f"{match['day']} {english} {match['rest']}")
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return as_utc(parsed)
