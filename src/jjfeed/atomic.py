"""The one atomic file write: a temporary file beside the target, fsynced, renamed over it.

Readers of the file (a feed reader polling ``feed.atom``, a cron job reading
``feeds.yaml``) see the old bytes or the new, never half of either. A file
that exists keeps its permissions; a new one is ``0644``. Errors are the
caller's to word: :class:`OSError` passes through.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> Path:
    """Replace ``path`` with ``data`` in one rename; the old file stays whole until then."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
