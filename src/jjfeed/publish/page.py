"""``index.html``: the merged feed as a page a person can read in a browser.

No script at all, and a Content-Security-Policy that forbids it, so even a
body that slipped past two sanitisers could not run anything. The page links
the feed files for autodiscovery, so pasting its address into a reader finds
the feed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from .entries import Entry
from .syndication import FeedMeta

CSP = "default-src 'none'; img-src https: http:; style-src 'unsafe-inline'; base-uri 'none'"

STYLE = """
:root { color-scheme: light dark; --muted: #5f6368; --line: #dadce0; --chip: #eef3fb; }
@media (prefers-color-scheme: dark) { :root { --muted: #a8adb3; --line: #3c4043; --chip: #24303f; } }
body { font: 17px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       max-width: 46rem; margin: 0 auto; padding: 1.5rem 1rem 4rem; }
header { border-bottom: 2px solid var(--line); margin-bottom: 1.5rem; }
header h1 { margin: 0 0 .25rem; font-size: 1.8rem; }
header p { margin: .25rem 0 1rem; color: var(--muted); }
nav a { margin-right: .9rem; }
article { border-bottom: 1px solid var(--line); padding: .5rem 0 1.25rem; }
article h2 { font-size: 1.3rem; line-height: 1.3; margin: .75rem 0 .35rem; }
article h2 a { color: inherit; text-decoration: none; }
article h2 a:hover { text-decoration: underline; }
.meta { color: var(--muted); font-size: .9rem; margin: 0 0 .5rem; }
.tags { list-style: none; padding: 0; margin: .4rem 0 .6rem; display: flex; flex-wrap: wrap; gap: .35rem; }
.tags li { background: var(--chip); border-radius: 1rem; padding: .05rem .65rem; font-size: .85rem; }
.summary { margin: .4rem 0; }
details summary { cursor: pointer; color: var(--muted); font-size: .95rem; }
.body img { max-width: 100%; height: auto; }
.body blockquote { border-left: 3px solid var(--line); margin-left: 0; padding-left: 1rem; }
.jjfeed-sources, .jjfeed-coverage { font-size: .9rem; color: var(--muted); }
footer { color: var(--muted); font-size: .85rem; margin-top: 2rem; }
"""


def human_date(value: datetime) -> str:
    return f"{value.day} {value:%b %Y, %H:%M} UTC"


def html_bytes(entries: Sequence[Entry], meta: FeedMeta, feeds: dict[str, str]) -> bytes:
    """The page; ``feeds`` maps a label ("Atom") to the file name of each format written."""
    types = {
        "Atom": "application/atom+xml",
        "RSS": "application/rss+xml",
        "JSON Feed": "application/feed+json",
    }
    head_links = "".join(
        f'<link rel="alternate" type="{types[label]}" title="{escape(meta.title)} ({label})" '
        f'href="{escape(name)}">\n'
        for label, name in feeds.items()
        if label in types
    )
    nav = " ".join(f'<a href="{escape(name)}">{escape(label)}</a>' for label, name in feeds.items())
    newest = max((e.updated for e in entries), default=None)
    parts = [
        "<!DOCTYPE html>\n",
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<meta name="referrer" content="no-referrer">\n',
        f"<title>{escape(meta.title)}</title>\n",
        head_links,
        f"<style>{STYLE}</style>\n</head>\n<body>\n",
        f"<header>\n<h1>{escape(meta.title)}</h1>\n<p>{escape(meta.description)}</p>\n",
        f"<nav>Subscribe: {nav}</nav>\n<p></p>\n</header>\n<main>\n"
        if nav
        else "</header>\n<main>\n",
    ]
    parts.extend(_article(e) for e in entries)
    if not entries:
        parts.append("<p>No entries yet.</p>\n")
    updated = f"Updated {human_date(newest)}. " if newest else ""
    parts.append(
        f"</main>\n<footer>{updated}{len(entries)} entries, merged and deduplicated by "
        "jjfeed.</footer>\n</body>\n</html>\n"
    )
    return "".join(parts).encode("utf-8")


def _article(entry: Entry) -> str:
    title = escape(entry.title)
    heading = f'<a href="{escape(entry.link)}">{title}</a>' if entry.link else title
    meta = [f'<time datetime="{entry.published.isoformat()}">{human_date(entry.published)}</time>']
    if entry.author and entry.author not in entry.sources:  # "Draw Down · Draw Down" says it twice
        meta.append(escape(entry.author))
    meta.append(escape(", ".join(entry.sources)))
    tags = "".join(f"<li>{escape(t)}</li>" for t in entry.tags)
    return (
        f'<article id="{escape(entry.id.rsplit(":", 1)[-1])}">\n'
        f"<h2>{heading}</h2>\n"
        f'<p class="meta">{" · ".join(meta)}</p>\n'
        + (f'<ul class="tags">{tags}</ul>\n' if tags else "")
        + (f'<p class="summary">{escape(entry.summary)}</p>\n' if entry.summary else "")
        + "<details><summary>Full article</summary>\n"
        f'<div class="body">{entry.content_html}</div>\n</details>\n'
        "</article>\n"
    )
