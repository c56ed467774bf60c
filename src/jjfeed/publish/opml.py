"""``sources.opml``: the configured sources, for importing into a reader.

OPML 2.0 with one outline per source. A remote source is a subscription
(``type="rss"`` with its ``xmlUrl``); a local file or folder has no address a
reader could poll, so it is listed as a plain outline saying so. No dates,
so an unchanged config gives unchanged bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from ..model import Source


def opml_bytes(sources: Sequence[Source], title: str) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<opml version="2.0">',
        f"  <head>\n    <title>{escape(title)}: sources</title>\n  </head>",
        "  <body>",
    ]
    for source in sources:
        attrs = [f"text={quoteattr(source.name)}", f"title={quoteattr(source.name)}"]
        if source.url is not None and source.url.startswith(("http://", "https://")):
            attrs += ['type="rss"', f"xmlUrl={quoteattr(source.url)}"]
        else:
            attrs[0] = f"text={quoteattr(f'{source.name} (local: {source.location})')}"
        if source.tags:
            attrs.append(f"category={quoteattr(','.join(source.tags))}")
        lines.append(f"    <outline {' '.join(attrs)}/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")
