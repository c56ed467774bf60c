"""Dates as people write them in datelines, and as machines write them in markup.

Scraped text says "Mar 5, 2017, 6:00 am CST"; markup says "2017-03-05T06:00:00-06:00".
Both end up as timezone-aware UTC datetimes, because that is what the model
promises every later stage. A date without a time means midnight UTC; we keep
track of whether a time was given so a precise stamp can win over a vague one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from jjfeed.isodate import as_utc, parse_iso

# Offsets in hours. Only abbreviations that mean one thing in English-language
# news are listed; "IST" and friends are ambiguous and are treated as absent.
TZ_OFFSETS: dict[str, float] = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
    "BST": 1,
    "CET": 1,
    "CEST": 2,
}

MONTHS: dict[str, int] = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip

_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_TZ = "|".join(sorted((k for k in TZ_OFFSETS if len(k) > 1), key=len, reverse=True))
_TIME = (
    r"(?:\s*,\s*|\s+at\s+|\s*[-–—|@•·]\s*|\s+)"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::\d{2})?"
    r"(?:\s*(?P<ampm>[ap])\.?m\.?)?"
    rf"(?:\s*(?P<tz>{_TZ})\b)?"
)

# "Mar 5, 2017" / "March 5th 2017", then an optional time and zone.
_MONTH_FIRST = re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}(?:{_TIME})?", re.IGNORECASE)
# "5 March 2017" / "5th Mar, 2017".
_DAY_FIRST = re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}(?:{_TIME})?", re.IGNORECASE)
_FOUR_DIGITS = re.compile(r"\d{4}")  # every date pattern holds a year, four digits
# "2017-03-05" and "2017-03-05T06:00:00Z" written in running text.
_ISO = re.compile(
    r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::\d{2}(?:\.\d+)?)?"
    r"(?P<offset>Z|[+-]\d{2}:?\d{2})?)?\b"
)


@dataclass(frozen=True)
class Stamp:
    """A parsed date and whether the source gave a time of day.

    ``span`` is where the date sat in the text it was found in, so callers can
    check whether a line holds anything besides dates.
    """

    when: datetime
    has_time: bool
    span: tuple[int, int] = (0, 0)


def find_dates(text: str) -> list[Stamp]:
    """Every date written in ``text``, in reading order, overlaps removed."""
    found: list[Stamp] = []
    if not _FOUR_DIGITS.search(text):
        return found
    for pattern in (_MONTH_FIRST, _DAY_FIRST, _ISO):
        for match in pattern.finditer(text):
            stamp = _stamp_from_match(match)
            if stamp is not None and not _overlaps(stamp.span, found):
                found.append(stamp)
    return sorted(found, key=lambda s: s.span)


def parse_date(value: str, *, keep_offset: bool = False) -> datetime | None:
    """A machine or human date string as an aware UTC datetime, or None.

    Used for ``<time datetime>`` and ``<meta content>`` values, which are
    usually ISO 8601 but in the wild are also RFC 2822 or plain prose.
    ``keep_offset`` keeps a stated UTC offset instead of converting: a page's
    "2025-12-18T20:04-05:00" was published on the 18th where it was written,
    though it was the 19th in UTC.
    """
    value = value.strip()
    if not value:
        return None
    iso = parse_iso(value, keep_offset=keep_offset)
    if iso is not None:
        return iso
    rfc = _parse_rfc2822(value)
    if rfc is not None:
        return rfc
    stamps = find_dates(value)
    return stamps[0].when if stamps else None


def _overlaps(span: tuple[int, int], found: list[Stamp]) -> bool:
    return any(span[0] < s.span[1] and s.span[0] < span[1] for s in found)


def _stamp_from_match(match: re.Match[str]) -> Stamp | None:
    """Build a Stamp from any of the three patterns' named groups."""
    groups = match.groupdict()
    month_text = groups["month"]
    month = int(month_text) if month_text.isdigit() else MONTHS[month_text[:3].lower()]
    hour = int(groups["hour"]) if groups.get("hour") else 0
    minute = int(groups["minute"]) if groups.get("minute") else 0
    ampm = (groups.get("ampm") or "").lower()
    if ampm == "p" and hour < 12:
        hour += 12
    elif ampm == "a" and hour == 12:
        hour = 0
    zone = _zone(groups.get("tz"), groups.get("offset"))
    try:
        local = datetime(int(groups["year"]), month, int(groups["day"]), hour, minute, tzinfo=zone)
    except ValueError:
        return None
    utc = as_utc(local)
    if utc is None:  # year 1 east of Greenwich, year 9999 west of it
        return None
    return Stamp(utc, groups.get("hour") is not None, match.span())


def _zone(abbreviation: str | None, offset: str | None) -> timezone:
    """The tzinfo for an abbreviation like "CDT" or an offset like "-05:00"; UTC if absent."""
    if abbreviation:
        return timezone(timedelta(hours=TZ_OFFSETS[abbreviation.upper()]))
    if offset and offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        digits = offset[1:].replace(":", "")
        return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return UTC


def _parse_rfc2822(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return as_utc(parsed)
