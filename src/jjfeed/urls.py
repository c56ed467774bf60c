"""URLs as the web writes them: one place that never raises on a bad one.

Feeds and pages carry links such as ``http://[at McLaren]/`` or
``http://li]/``, which :func:`urllib.parse.urlsplit` and ``urljoin`` reject
with ``ValueError``. One such link in one entry used to end a whole run; every
module that reads a URL out of a feed or a page goes through these helpers,
which answer ``None`` (or the input unchanged) instead. Standard library only,
so every stage may import it.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit


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


# -- identity -------------------------------------------------------------------

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "ref",
        "ref_src",
        "ref_url",
        "cmpid",
        "ncid",
        "sr_share",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "rss",
        "spm",
        "s_cid",
        "guccounter",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_")


REDIRECT_PARAMS = frozenset({"url", "u", "q", "target", "dest", "destination", "redirect", "to"})
"""Query parameters in which a redirector names the page it sends the reader to."""

_EMBEDDED = re.compile(r"/\*?(https?://.+)")
"""A page's address written after a redirector's own path (``/redir/rss091/*https://...``)."""


def redirect_target(url: str) -> str | None:
    """The page a redirect link sends the reader to, or None when ``url`` is no redirect.

    Feeds wrap their links in trackers: Google Alerts'
    ``google.com/url?...&url=https://site/article``, a newspaper's
    ``redir.site/redir/.../*https://site/article``. The page is the article;
    the wrapper is not. Only an absolute ``http(s)`` address counts, so a
    search's ``?q=words`` is no redirect.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    for key, value in parse_qsl(parts.query):
        if key.lower() in REDIRECT_PARAMS and value.startswith(("http://", "https://")):
            return value
    # Inside the redirector's path, and with the page's own query: the whole rest of the link.
    start = len(parts.scheme) + 3 + len(parts.netloc)
    embedded = _EMBEDDED.search(url, start)
    if embedded is None or embedded.start() >= start + len(parts.path):
        return None
    return embedded.group(1)


def _unwrapped(url: str, hops: int = 3) -> str:
    """The page behind ``url``'s redirect links, ``hops`` of them at most."""
    for _ in range(hops):
        target = redirect_target(url)
        if target is None:
            break
        url = target
    return url


def canonical_url(url: str | None) -> str | None:
    """A key that is equal for URLs that name the same page.

    The page a redirect link sends to (:func:`redirect_target`, three hops
    at most) stands for the link. Drops the scheme (``http`` and ``https``
    are one page), ``www.``, default ports, the fragment, a trailing slash
    and tracking parameters, and sorts the remaining query so parameter
    order does not matter.
    """
    if not url:
        return None
    try:
        parts = urlsplit(_unwrapped(url.strip()))
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if not host:  # "http://./" names no host; its key would be "/" and meet every other such URL
        return None
    if host.startswith("www."):
        host = host[4:]
    if ":" in host:  # an IPv6 literal keeps its brackets, or [::1]:8080 and [::1:8080] collide
        host = f"[{host}]"
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    )
    return host + path + ("?" + urlencode(query) if query else "")
