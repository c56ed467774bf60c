"""The labelled real-feed story links, with and without the story window.

``tests/test_review_labels.py`` holds them as a ratchet (at most so many
false links, at least so many true ones); this prints the counts themselves
for both settings of ``dedup.story_vectors``, over ../shared/data/feeds-review
(labels ``stories``) and feeds-real/rss-parser (labels ``stories_real``), with
the test's own ingest and counting.

Run: ``python benchmarks/story_labels.py`` (about a minute).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_review_labels as labelled  # noqa: E402


def main() -> int:
    sets = {
        "feeds-review": (None, "stories"),
        "feeds-real/rss-parser": ([labelled.REAL], "stories_real"),
    }
    for name, (folders, key) in sets.items():
        for vectors in (False, True):
            with tempfile.TemporaryDirectory() as tmp:
                filed = labelled._filed(Path(tmp), story_vectors=vectors, folders=folders)
            linked = labelled._story_links(filed, key)
            setting = "story window" if vectors else "plain rule"
            print(f"{name:22} {setting:12}: {linked[False]} false, {linked[True]} true", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
