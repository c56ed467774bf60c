"""URLs as the web writes them: one place that never raises on a bad one.

Feeds and pages carry links such as ``http://[at McLaren]/`` or
``http://li]/``, which :func:`urllib.parse.urlsplit` and ``urljoin`` reject
with ``ValueError``. One such link in one entry used to end a whole run; every
module that reads a URL out of a feed or a page goes through these helpers,
which answer ``None`` (or the input unchanged) instead. Standard library only,
so every stage may import it.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urljoin, urlsplit


def split(url: str | None) -> SplitResult | None:
    """``urlsplit(url)`` with its port checked, or ``None`` for a URL Python cannot read."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (reading the port validates it: "http://h:99999/" raises)
    except ValueError:
        return None
    return parts


def join(base: str | None, href: str) -> str | None:
    """``href`` resolved against ``base``; ``None`` when either cannot be read.

    Without a base, ``href`` is returned when it reads as a URL on its own.
    """
    if not base:
        return href if split(href) is not None or not href else None
    try:
        joined = urljoin(base, href)
    except ValueError:
        return None
    return joined if split(joined) is not None else None


def host(url: str | None) -> str | None:
    """The lower-case host name of ``url``, or ``None`` when it has none (or cannot be read)."""
    parts = split(url)
    if parts is None:
        return None
    try:
        name = parts.hostname
    except ValueError:
        return None
    return name.lower() if name else None


def is_web(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host."""
    parts = split(url)
    return parts is not None and parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
