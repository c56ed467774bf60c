"""WebSub: tell the hub which feeds changed, so subscribers hear at once.

A publish ping is one form-encoded POST per changed feed (``hub.mode=publish``,
``hub.url=<the feed's self URL>``), with a short timeout. A hub that is down
costs a warning, never the run: the feed is already written.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Sequence
from urllib.parse import urlencode

from .. import __version__

TIMEOUT = 10.0


def ping(hub: str, topics: Sequence[str], timeout: float = TIMEOUT) -> list[str]:
    """POST a publish notice for each topic; return a warning per failure."""
    warnings = []
    for topic in topics:
        body = urlencode({"hub.mode": "publish", "hub.url": topic}).encode()
        request = urllib.request.Request(
            hub,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": f"jjfeed/{__version__}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status = response.status
        except urllib.error.HTTPError as e:
            status = e.code
        except (urllib.error.URLError, OSError) as e:
            warnings.append(f"WebSub hub {hub}: cannot ping for {topic}: {e}")
            continue
        if not 200 <= status < 300:
            warnings.append(f"WebSub hub {hub}: HTTP {status} when pinged for {topic}")
    return warnings
