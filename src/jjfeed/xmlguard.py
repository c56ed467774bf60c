"""An expat SAX driver that refuses DTD entities: the guard against XML attacks.

feedparser parses well-formed feeds with ``xml.sax`` and expat. It turns off
external general entities, and expat never loads external parameter
entities or the external DTD subset, so XXE reads nothing. But internal
entities still expand: expat >= 2.4 stops "billion laughs" only once the
output passes 100 times the input (after 8 MiB), so a 5 MB feed may still
grow to ~500 MB in memory, and older expat builds have no limit at all.
feedparser's own DOCTYPE stripping is a regular expression that a comment
before the DOCTYPE slips past.

This module is a SAX driver in the sense of :func:`xml.sax.make_parser`
(it has ``create_parser``); :mod:`jjfeed.parse` puts it first in
feedparser's parser list. It is expat with three changes: any ``<!ENTITY``
declaration or external entity reference stops the parse with a
``SAXParseException`` before anything expands, and parameter entity parsing
is pinned off. feedparser treats that like any other XML error: it marks
the feed ``bozo`` and reads it again with its loose parser, which expands
only the five XML entities, HTML's named entities and character references,
and never opens a file or a URL.
"""

from __future__ import annotations

from typing import Any
from xml.parsers import expat
from xml.sax import SAXParseException
from xml.sax.expatreader import ExpatParser

REFUSAL = "DTD entity declarations are not allowed"


class GuardedExpatParser(ExpatParser):
    """expat through SAX, refusing entity declarations and external entities."""

    def reset(self) -> None:
        super().reset()
        parser = self._parser  # type: ignore[attr-defined]
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.EntityDeclHandler = self._refuse_entity
        parser.UnparsedEntityDeclHandler = self._refuse_entity
        parser.ExternalEntityRefHandler = self._refuse_external

    def _refuse_entity(self, name: str, *_: Any) -> None:
        raise SAXParseException(f"{REFUSAL} (entity {name!r})", None, self)

    def _refuse_external(self, _context: Any, _base: Any, system_id: Any, _public: Any) -> int:
        raise SAXParseException(
            f"external entities are not allowed (system id {system_id!r})", None, self
        )


def create_parser(*args: Any, **kwargs: Any) -> GuardedExpatParser:
    """The entry point :func:`xml.sax.make_parser` looks for in a driver module."""
    return GuardedExpatParser(*args, **kwargs)
