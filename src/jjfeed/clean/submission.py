"""A link aggregator's submission line: who posted what where, and the links to it.

Reddit, Lemmy and their likes end every entry with one block, "submitted by
/u/someone to /r/books [link] [83 comments]". It is furniture, but two of
its facts are the entry's: the poster is its author, and ``[link]`` is the
only link to what a link post shares (the entry's own link is the
discussion). So the block is read for both before it goes: the poster as
the author, the ``[link]`` target as the article's external URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from jjfeed import urls
from jjfeed.clean.markup import Element, remove
from jjfeed.clean.meta import Found

# The poster is a user name, not a person's: any one handle is taken after
# "submitted by"; the place is a community ("to /r/books", "to !bikes@lemmy.example").
_SUBMITTED = re.compile(
    r"^submitted\s+by\s*(?P<handle>(?:/?u/|@)?[\w.@-]{2,60})"
    r"(?:\s*(?:to|in)\s*(?:/?[rcm]/|!)?[\w.@-]{2,60})?"
    r"(?:\s*\[[^\[\]]{1,30}\]){0,4}$",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
_BLOCKS = ("p", "div", "td", "th", "li", "dd", "span")
_SHARED_LABEL = "[link]"


def submission_handle(text: str) -> str | None:
    """The poster's handle when ``text`` is a submission line, else None."""
    match = _SUBMITTED.match(_SPACES.sub(" ", text).strip())
    return match.group("handle") if match else None


def lift_submission_lines(root: Element, found: Found, base_url: str | None = None) -> None:
    """Take the submission lines out of ``root``, noting the poster and the shared link.

    Only the blocks around a text that says "submitted" are read (one XPath
    over the tree; most bodies have none). Of those, the innermost whose
    whole text is a submission line goes: a table's other cell, holding the
    thumbnail, stays.
    """
    for node in _SUBMITTED_TEXT(root):
        owner = node.getparent()
        if owner is not None and node.is_tail:
            owner = owner.getparent()
        for element in _blocks_up_to(owner, root):
            if _lift(element, found, base_url):
                break


# Text nodes holding "submitted" in any case (XPath 1.0 has no lower-case()).
_SUBMITTED_TEXT = etree.XPath(
    './/text()[contains(translate(., "SUBMITED", "submited"), "submitted")]'
)


def _blocks_up_to(element: Element | None, root: Element) -> Iterator[Element]:
    """``element`` and its ancestors below ``root`` that are blocks, innermost first."""
    while element is not None and element is not root:
        if element.tag in _BLOCKS:
            yield element
        element = element.getparent()


def _lift(element: Element, found: Found, base_url: str | None) -> bool:
    """Remove ``element`` if its text is a submission line, noting what it tells."""
    if element.getparent() is None:  # already taken out with an enclosing line
        return False
    # Pieces joined with spaces: some producers drop the spaces around the links
    # ("submitted by<a>ann</a>to<a>books</a>"), which a reader shows run together.
    handle = submission_handle(" ".join(element.itertext()))
    if handle is None:
        return False
    for anchor in element.iter("a"):
        label = _SPACES.sub(" ", "".join(anchor.itertext())).strip().lower()
        href = (anchor.get("href") or "").strip()
        if label == _SHARED_LABEL and href:
            found.note_external_url(urls.join(base_url, href) or "")
            break
    found.note_author(handle)
    remove(element)
    return True
