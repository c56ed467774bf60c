"""One run, stage by stage: fetch or read, parse, clean, dedup, tag, store, publish.

The only package that knows every stage, in parts that depend one way:

- :mod:`.prepare`: time limits, cleaning, dates and caps, the features
  filing needs, learned furniture, what the workers hand back; it runs in
  the worker processes too;
- :mod:`.index`: the duplicate index a run files against (the protocol, and
  the SQLite one);
- :mod:`.decide`: filing's decisions, pure (plain values in, intents out);
- :mod:`.filing`: :class:`_Deduper`, which files one article at a time: it
  reads what each decision needs and writes the intent; one entry's fault
  fails that entry alone;
- :mod:`.reading`: local files and folders in groups, fetched feeds, read
  ahead in the workers;
- :mod:`.publishing`: the newest clusters and stories, loaded and written out
  (also alone: ``publish_feed``, for ``jjfeed publish``);
- :mod:`.commands`: ``run``, ``ingest``, ``extract`` and ``export``. Each source
  is processed on its own and in its own transaction: a source that fails
  becomes a ``failed`` :class:`SourceResult`, and nothing another source
  stored is lost with it.
"""

from __future__ import annotations

from .commands import RunEvents, export, extract, in_shard, ingest_inputs, no_dedup, run
from .filing import _Deduper
from .index import DuplicateIndex, _SqliteIndex
from .prepare import (
    EntryFailed,
    StageTimeout,
    believable_dates,
    capped,
    clean_article,
    clean_batch,
    entry_name,
    fold_cleaned,
    time_limit,
)
from .publishing import load_clusters, publish_feed
from .reading import feed_source_name
from .story_filing import STORY_PARAMS, story_params

__all__ = [
    "STORY_PARAMS",
    "story_params",
    "DuplicateIndex",
    "EntryFailed",
    "RunEvents",
    "StageTimeout",
    "_Deduper",
    "_SqliteIndex",
    "believable_dates",
    "capped",
    "clean_article",
    "clean_batch",
    "entry_name",
    "export",
    "extract",
    "feed_source_name",
    "fold_cleaned",
    "in_shard",
    "ingest_inputs",
    "load_clusters",
    "no_dedup",
    "publish_feed",
    "run",
    "time_limit",
]
