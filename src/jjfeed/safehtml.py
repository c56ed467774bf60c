"""The one HTML allow-list jjfeed has, and the one place nh3 is called.

The clean stage sanitises every body on the way in; publish sanitises again on
the way out, as a guard against anything a later change lets through, and
makes relative links absolute there. Both apply the same policy: no scripts,
styles or event handlers, no URL outside http, https and mailto, and a class
only on jjfeed's own markers.
"""

from __future__ import annotations

import nh3

from . import urls

TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "dl", "dt", "dd", "blockquote",
        "pre", "code", "a", "em", "strong", "b", "i", "u", "s", "del", "ins", "mark", "small",
        "sub", "sup", "q", "cite", "abbr", "img", "table", "thead", "tbody", "tfoot", "tr",
        "th", "td", "caption",
    }
)  # fmt: skip
ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt"}),
    "abbr": frozenset({"title"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "ol": frozenset({"start"}),
}
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
# Only jjfeed's own markers may carry a class; a source's classes mean nothing here.
MARKER_CLASSES: dict[str, frozenset[str]] = {"p": frozenset({"jjfeed-sources", "jjfeed-coverage"})}


def sanitise(markup: str, base_url: str | None = None, *, keep_relative: bool = True) -> str:
    """``markup`` through the allow-list.

    With a web ``base_url``, relative links are resolved against it; without
    one they are kept as they are (``keep_relative``) or dropped. Links get
    ``rel="noopener noreferrer"``.
    """
    base = base_url if urls.is_web(base_url) else None

    def relative(url: str) -> str | None:
        if base:
            return urls.join(base, url)
        return url if keep_relative else None

    return nh3.clean(
        markup,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        clean_content_tags={"script", "style"},
        allowed_classes={tag: set(names) for tag, names in MARKER_CLASSES.items()},
        link_rel="noopener noreferrer",
        url_relative=relative,
    ).strip()
