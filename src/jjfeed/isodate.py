"""The one ISO 8601 reader: every stage that reads a machine-written date uses it.

Feeds and pages write dates at the edges of the calendar
(``0001-01-01T00:00:00+01:00``, ``9999-12-31T23:59:59-05:00``); converting
those to UTC leaves :class:`datetime`'s range and raises ``OverflowError``.
One such date in one entry used to end a whole run. Here a date that cannot
be read, or that cannot be expressed in UTC, is simply absent (``None``).
Standard library only, so every stage may import it.
"""

from __future__ import annotations

from datetime import UTC, datetime


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
