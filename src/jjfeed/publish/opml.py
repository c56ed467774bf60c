"""``sources.opml``: the configured sources, for importing into a reader.

The one OPML writer (:func:`jjfeed.opml.write_opml`) without a date, so an
unchanged config gives unchanged bytes; local files and folders are listed as
plain outlines saying where they lie.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Source
from ..opml import write_opml


def opml_bytes(sources: Sequence[Source], title: str) -> bytes:
    return write_opml(sources, f"{title}: sources", local=True).encode("utf-8")
