"""The duplicate and story indexes: signatures, LSH band keys, story terms and keys, furniture."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

import numpy as np

from ..model import Signature
from ..story.terms import key_terms
from . import snapshots
from .base import TERMS_CACHE, _epoch, _ts
from .clusters import ClustersMixin
from .postings import KeyIndex, pack, segment_of, unpack

# The packed key tables (see schema migration 13) and the date each is looked up by.
_DATED = {"band_keys": "fetched", "story_keys": "at"}
# The key tables whose index a run keeps a snapshot of (see .snapshots): the band keys, whose
# window (30 days) is big; a story window's few days of keys build in a moment.
_SNAPSHOTS = ("band_keys",)
_DAY = 86_400  # story keys are read into memory a day of dates at a time
_END = 2**62  # a date after every other (band keys: no upper bound)
# How long a skipped ``seq`` is waited for (a shared store, see IndexMixin._catch_up): longer
# than any write transaction; a rolled-back write's number never comes.
PENDING_SECONDS = 600.0
# How many numbers below the highest may belong to writes still in flight (a shared store).
IN_FLIGHT = 1000


class IndexMixin(ClustersMixin):
    """Needs the clusters part: a story candidate comes with its story."""

    def put_story_terms(
        self,
        article_id: int,
        at: datetime,
        terms: Iterable[str],
        keys: Iterable[int],
        *,
        new: bool = False,
    ) -> None:
        """Replace an article's story terms (dated ``at``) and story band keys.

        ``new``: the article has none yet, so there is nothing to delete.
        """
        self._terms.pop(article_id, None)
        stamp = _ts(at)
        self._db.execute(
            "INSERT INTO story_terms (article, at, terms) VALUES (?, ?, ?) ON CONFLICT (article)"
            " DO UPDATE SET at = excluded.at, terms = excluded.terms",
            (article_id, stamp, "\n".join(sorted(terms))),
        )
        self._put_keys("story_keys", article_id, at, keys, new=new)

    def clear_story_terms(self) -> None:
        self._terms.clear()
        self._key_indexes.pop("story_keys", None)
        self._db.execute("DELETE FROM story_keys")
        self._db.execute("DELETE FROM story_terms")

    def story_candidates(
        self,
        keys: Sequence[int],
        start: datetime,
        end: datetime,
        per_key: int = 50,
        min_shared: int = 1,
    ) -> list[tuple[int, str, frozenset[str]]]:
        """``(article, story, terms)`` for articles dated in ``[start, end]`` sharing a story key.

        See :meth:`story_candidate_terms`; each candidate comes with its story.
        """
        found = self.story_candidate_terms(keys, start, end, per_key, min_shared)
        stories = self.stories_of_articles([i for i, _ in found])
        return [(i, stories[i], terms) for i, terms in found if i in stories]

    def story_candidate_terms(
        self,
        keys: Sequence[int],
        start: datetime,
        end: datetime,
        per_key: int = 50,
        min_shared: int = 1,
    ) -> list[tuple[int, frozenset[str]]]:
        """``(article, terms)`` for articles dated in ``[start, end]`` sharing a story key.

        At most ``per_key`` articles per key, the latest dated: a key shared by
        hundreds of articles in the window stands for a term as common as a
        stopword this week, and a story it belongs to has other keys. Each
        key is one range of the in-memory index of the window's packed
        story keys (see :meth:`_key_index`), never of the archive's. Only articles
        under at least ``min_shared`` of the keys are candidates.
        """
        unique = list(dict.fromkeys(keys))
        if not unique:
            return []
        lo, hi = _epoch(start), _epoch(end)
        _, _, found = self._key_index("story_keys", lo, hi).find(unique, lo, hi, per_key)
        articles, shared = np.unique(found, return_counts=True)
        ids = articles[shared >= min_shared].tolist()
        self._load_terms(i for i in ids if i not in self._terms)
        return [(i, self._terms[i]) for i in ids if i in self._terms]

    def story_terms_between(
        self, start: datetime, end: datetime
    ) -> Iterator[tuple[int, datetime, frozenset[str], str]]:
        """``(article, date, terms, source)`` of the articles with a story date in ``[start, end]``.

        Their clusters (from the covering index: the row's own ``cluster`` lies
        past its text) and stories are remembered on the way (see
        :meth:`stories_of_articles`): a run that loads its story window asks for
        them article after article.
        """
        rows = self._db.execute(
            """SELECT t.article, t.at, t.terms, a.source, k.cluster, coalesce(c.story, c.id)
               FROM story_terms t INDEXED BY story_terms_at
               JOIN articles a ON a.id = t.article
               JOIN articles k INDEXED BY articles_by_id ON k.id = t.article
               LEFT JOIN clusters c ON c.id = k.cluster
               WHERE t.at BETWEEN ? AND ? ORDER BY t.article""",
            (_ts(start), _ts(end)),
        )
        for article, at, terms, source, cluster, story in rows:
            if story is not None:
                self._cluster_of[int(article)] = str(cluster)
                self._story[str(cluster)] = str(story)
            at_date = datetime.fromisoformat(str(at))
            yield int(article), at_date, frozenset(str(terms).split("\n")), str(source)

    def _load_terms(self, article_ids: Iterable[int]) -> None:
        """Parse and remember the story terms of these articles.

        The same recent articles come back as candidates for article after
        article of a run (the latest under each common key), so each term
        set is read and parsed once per connection, not once per candidacy.
        Only :meth:`put_story_terms` changes an article's terms, and it
        forgets them here.
        """
        ids = list(article_ids)
        if len(self._terms) + len(ids) > TERMS_CACHE:
            self._forget()
        rows = self._rows_in(
            "SELECT article, terms FROM story_terms WHERE article IN ({marks})", ids
        )
        # Without the count vector (see jjfeed.story.key_terms): candidates are compared by the
        # plain rule, and this cache holds thousands of sets.
        self._terms.update((int(r[0]), frozenset(key_terms(str(r[1]).split("\n")))) for r in rows)

    def put_signature(self, article_id: int, signature: Signature) -> None:
        self._db.execute(
            "INSERT INTO signatures (article, params, hashvalues) VALUES (?, ?, ?) ON CONFLICT"
            " (article) DO UPDATE SET params = excluded.params, hashvalues = excluded.hashvalues",
            (article_id, signature.params, signature.hashvalues),
        )

    def signatures(self, since: datetime | None = None) -> Iterator[tuple[int, Signature]]:
        """Stored signatures of articles fetched at or after ``since`` (all when None)."""
        query = "SELECT s.article, s.params, s.hashvalues FROM signatures s"
        args: tuple[object, ...] = ()
        if since is not None:
            query += " JOIN articles a ON a.id = s.article WHERE a.fetched_at >= ?"
            args = (_ts(since),)
        for row in self._db.execute(query, args):
            yield int(row[0]), Signature(row[1], bytes(row[2]))

    def put_bands(
        self,
        article_id: int,
        keys: Iterable[int],
        *,
        new: bool = False,
        fetched: datetime | None = None,
    ) -> None:
        """Replace an article's LSH band keys (``new``: it has none yet).

        The row carries the article's first fetch, the date lookups bound it by
        (``fetched``, when the caller knows it; read from the article otherwise).
        """
        if fetched is None:
            row = self._db.execute("SELECT fetched_at FROM articles WHERE id = ?", (article_id,))
            stored = next(iter(row), None)
            if stored is None:
                return
            fetched = datetime.fromisoformat(str(stored[0]))
        self._put_keys("band_keys", article_id, fetched, keys, new=new)

    def _put_keys(
        self, table: str, article_id: int, at: datetime, keys: Iterable[int], *, new: bool
    ) -> None:
        """Replace an article's row of a packed key table, dated ``at`` (``new``: it has none)."""
        if not new:  # a new row, not an update: its seq tells readers to catch up
            self._db.execute(f"DELETE FROM {table} WHERE article = ?", (article_id,))
        self._db.execute(
            f"INSERT INTO {table} (article, {_DATED[table]}, keys) VALUES (?, ?, ?)",
            (article_id, _epoch(at), pack(keys)),
        )

    def band_candidates(self, keys: Sequence[int], since: datetime | None = None) -> list[int]:
        """Articles sharing at least one band key, fetched at or after ``since``."""
        if not keys:
            return []
        lo = _epoch(since) if since is not None else -_END
        index = self._key_index("band_keys", lo, _END)
        _, _, found = index.find(list(dict.fromkeys(keys)), lo, _END)
        return sorted(set(found.tolist()))

    def _key_index(self, table: str, lo: int, hi: int) -> KeyIndex:
        """The in-memory index of a packed key table, current, holding the dates ``[lo, hi]``.

        Built on first use from the rows of those dates, it then reads only
        rows written since (by this connection or, for a reader, by the
        writer: ``seq`` grows with each) and the days a later lookup adds.
        A rollback drops it (:meth:`_forget`): it may hold undone rows.
        """
        date = _DATED[table]
        if self._backend.shared:
            index = self._key_indexes.get(table)
            if index is None:  # the dates' rows load below; the last few by number now,
                index = self._key_indexes[table] = KeyIndex()  # as a write may be in flight
                last = self._last_seq(table)
                index.seq = max(0, last - IN_FLIGHT)
            self._catch_up(table, index)
        else:
            last = self._last_seq(table)
            index = self._key_indexes.get(table)
            if index is None or last < index.seq:  # new, or the table was emptied
                # From its snapshot, then the rows since; else the dates' rows load below.
                index = self._restored(table, last)
                if index is None:
                    index = KeyIndex()
                    index.seq = last
                self._key_indexes[table] = index
            if last > index.seq:
                rows = self._db.execute(
                    f"SELECT article, {date}, keys FROM {table} WHERE seq > ? AND seq <= ?"
                    " ORDER BY seq",
                    (index.seq, last),
                )
                index.absorb((int(a), int(when), blob) for a, when, blob in rows)
            index.seq = last
        start = lo - lo % _DAY
        end = hi if hi >= _END else hi - hi % _DAY + _DAY
        for gap_lo, gap_hi in index.missing(start, end):
            index.load(
                gap_lo,
                gap_hi,
                self._db.execute(
                    f"SELECT article, {date}, keys FROM {table}"
                    f" WHERE {date} >= ? AND {date} < ? ORDER BY {date}, article",
                    (gap_lo, gap_hi),
                ),
            )
        return index

    def _restored(self, table: str, last: int) -> KeyIndex | None:
        """The index as its snapshot left it (rows up to its ``seq``), if one can be used."""
        if table not in _SNAPSHOTS:
            return None
        info = self._snapshot_info(table)
        first = self._db.execute(f"SELECT min(seq) FROM {table}").fetchone()[0]
        # None, or from before the table was emptied and filled again: its bytes are not read.
        if info is None or first is None or first > info.seq or info.seq > last:
            return None
        parts = self._db.execute(
            "SELECT data FROM key_snapshots WHERE name = ? ORDER BY part", (table,)
        )
        decoded = snapshots.decode(bytes(row[0]) for row in parts)
        if decoded is None or decoded[0] != info:  # replaced in between (another connection)
            return None
        return KeyIndex.restored(decoded[1], info.lo, _END, info.seq)

    def _snapshot_info(self, table: str) -> snapshots.SnapshotInfo | None:
        """What the header of a key table's snapshot says, if there is one of this format."""
        header = self._db.execute(
            "SELECT data FROM key_snapshots WHERE name = ? AND part = 0", (table,)
        ).fetchone()
        return snapshots.info_of(bytes(header[0]) if header else None)

    def refresh_key_snapshot(
        self, since: datetime, until: datetime, *, min_rows: int | None = None
    ) -> int:
        """Write a new snapshot of the band index of ``since`` on, if one is due; its rows.

        Due when the window holds at least ``min_rows`` articles (by default
        :data:`.snapshots.MIN_ROWS`) and there is no
        snapshot, or the one there is has gone stale (:func:`.snapshots.due`).
        A run calls it when it begins; 0 when nothing was written.
        """
        if self._backend.shared:
            return 0
        table, lo = "band_keys", _epoch(since) - _epoch(since) % _DAY
        info = self._snapshot_info(table)
        count = f"SELECT count(*) FROM {table} WHERE "
        window_rows = int(self._db.execute(count + "fetched >= ?", (lo,)).fetchone()[0])
        written = (
            0
            if info is None
            else int(self._db.execute(count + "seq > ?", (info.seq,)).fetchone()[0])
        )
        span = _epoch(until) - _epoch(since)
        least = snapshots.MIN_ROWS if min_rows is None else min_rows
        if not snapshots.due(window_rows, info, written, lo, span, least):
            return 0
        with self.transaction():
            last = self._last_seq(table)
            rows = self._db.execute(
                f"SELECT article, fetched, keys FROM {table}"
                " WHERE fetched >= ? ORDER BY fetched, article",
                (lo,),
            )
            segment = segment_of((int(a), int(d), blob) for a, d, blob in rows)
            self._db.execute("DELETE FROM key_snapshots WHERE name = ?", (table,))
            self._db.executemany(
                "INSERT INTO key_snapshots (name, part, data) VALUES (?, ?, ?)",
                ((table, n, part) for n, part in enumerate(snapshots.encode(segment, lo, last))),
            )
        return len(segment.ids)

    def _last_seq(self, table: str) -> int:
        """The number of the last row written to a packed key table (0: none)."""
        return int(self._db.execute(f"SELECT max(seq) FROM {table}").fetchone()[0] or 0)

    def _catch_up(self, table: str, index: KeyIndex) -> None:
        """Read the rows other workers committed since (a shared store).

        With several writers, ``seq`` is drawn in one order and committed in
        another: a row below the highest seen may still come. So the numbers
        skipped so far are asked for again each time until they arrive (or,
        a rolled-back write's, for :data:`PENDING_SECONDS`).
        """
        date, now = _DATED[table], time.monotonic()
        query = f"SELECT article, {date}, keys, seq FROM {table} WHERE seq > ? OR seq = ANY(?)"
        seen = set()
        for article_id, when, blob, seq in self._db.execute(
            query + " ORDER BY seq", (index.seq, sorted(index.pending))
        ):
            index.put(int(article_id), int(when), blob)
            seen.add(int(seq))
        top = max(seen, default=index.seq)
        for seq in range(max(index.seq + 1, top - IN_FLIGHT), top):
            if seq not in seen:
                index.pending[seq] = now
        for seq in seen.intersection(index.pending):
            del index.pending[seq]
        for seq, since in list(index.pending.items()):
            if now - since > PENDING_SECONDS:
                del index.pending[seq]
        index.seq = max(index.seq, top)

    def band_keys(self, article_id: int) -> list[int]:
        """An article's stored LSH band keys, in key order."""
        return self._keys_of("band_keys", article_id)

    def story_keys_of(self, article_id: int) -> list[int]:
        """An article's stored story band keys, in key order."""
        return self._keys_of("story_keys", article_id)

    def _keys_of(self, table: str, article_id: int) -> list[int]:
        row = self._db.execute(f"SELECT keys FROM {table} WHERE article = ?", (article_id,))
        return unpack(next(iter(row), [None])[0])

    def clear_bands(self) -> None:
        self._key_indexes.pop("band_keys", None)
        self._db.execute("DELETE FROM band_keys")
        self._db.execute("DELETE FROM key_snapshots WHERE name = 'band_keys'")

    def furniture_total(self, source: str) -> int:
        """How many of a source's articles the furniture counts have seen."""
        row = self._db.execute(
            "SELECT articles FROM furniture_sources WHERE source = ?", (source,)
        ).fetchone()
        return int(row[0]) if row else 0

    def furniture_rows(
        self, source: str, fingerprints: Iterable[str]
    ) -> dict[str, tuple[int, int, int]]:
        """``{fingerprint: (articles, words, since)}``: ``since`` is how many of the source's
        articles had been counted before the block first appeared."""
        rows = self._rows_in(
            "SELECT fingerprint, articles, words, since FROM furniture"
            " WHERE fingerprint IN ({marks}) AND source = ?",
            list(dict.fromkeys(fingerprints)),
            source,
        )
        return {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows}

    def add_furniture(
        self,
        source: str,
        counts: dict[str, tuple[int, int]],
        when: datetime,
        *,
        counted: int = 0,
    ) -> None:
        """Add ``{fingerprint: (new articles, words)}`` to a source's furniture counts.

        ``counted``: the articles these counts come from; a block seen for the
        first time records how many the source had before them (its ``since``).
        """
        before = self.furniture_total(source)
        self._db.executemany(
            """INSERT INTO furniture (source, fingerprint, articles, words, last_seen, since)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (source, fingerprint) DO UPDATE SET
                   articles = furniture.articles + excluded.articles, last_seen = excluded.last_seen""",
            [(source, fp, n, words, _ts(when), before) for fp, (n, words) in counts.items()],
        )
        self._db.execute(
            """INSERT INTO furniture_sources (source, articles) VALUES (?, ?)
               ON CONFLICT (source) DO UPDATE SET articles = furniture_sources.articles + excluded.articles""",
            (source, counted),
        )
