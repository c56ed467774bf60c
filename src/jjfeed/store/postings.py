"""Index keys in memory: which articles carry a key, for a range of dates.

The store keeps each article's LSH band keys (and, apart, its story keys) as
one packed row: the keys as big-endian int64s, the article's date. A lookup
needs the other direction, key to articles, for the dates a run looks at; a
:class:`KeyIndex` holds it for the date ranges loaded so far.

Most of it sits in immutable :class:`Segment` s, each rows sorted by
``(date, article)``. A segment finds the rows under a key with one binary
search over all the keys asked for: each of its keys is stored as
``key prefix | position``, the position's bits taking the key's lowest bits,
so one ``np.sort`` (no argsort) orders the postings by key and, under a key,
by date; a date range is then a range of positions. A prefix shared by two
different keys is caught by comparing the full key at the position. Rows
added since (the writer's own, or those another connection committed) are
kept in a small dictionary until there are enough to fold into a segment.
An article whose keys change is marked dead in its segment and lives on in
the dictionary.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

KEY = np.dtype(">i8")  # how keys are packed on disk
_EMPTY = np.empty(0, np.int64)


def pack(keys: Iterable[int]) -> bytes:
    """The keys, sorted and without repeats, as the bytes of one packed row."""
    return np.array(sorted(set(keys)), np.int64).astype(KEY).tobytes()


def unpack(blob: bytes | None) -> list[int]:
    """The keys of one packed row, in key order."""
    return [] if not blob else np.frombuffer(blob, KEY).astype(np.int64).tolist()


class Segment:
    """Rows in ``(date, article)`` order and their keys, searchable by key."""

    def __init__(
        self, ids: np.ndarray, dates: np.ndarray, lengths: np.ndarray, keys: np.ndarray
    ) -> None:
        self.ids, self.dates = ids, dates
        self.offsets = np.zeros(len(ids) + 1, np.int64)
        np.cumsum(lengths, out=self.offsets[1:])
        self.bits = max(1, len(keys).bit_length())
        self.mask = np.int64((1 << self.bits) - 1)
        # Each key's lowest bits, by position: with the prefix a search matched,
        # they tell the full key (half the memory of the keys themselves).
        self.low = (keys & self.mask).astype(np.uint32 if self.bits <= 32 else np.int64)
        postings = keys & ~self.mask
        for start in range(0, len(keys), 1 << 20):  # positions a chunk at a time: less memory
            end = min(len(keys), start + (1 << 20))
            postings[start:end] |= np.arange(start, end, dtype=np.int64)
        postings.sort()
        self.postings = postings
        self.alive: np.ndarray | None = None  # per row, once one is dead

    @classmethod
    def restored(
        cls,
        ids: np.ndarray,
        dates: np.ndarray,
        offsets: np.ndarray,
        low: np.ndarray,
        postings: np.ndarray,
    ) -> Segment:
        """The segment whose arrays these are (see :attr:`arrays`), without sorting anything."""
        segment = cls.__new__(cls)
        segment.ids, segment.dates, segment.offsets = ids, dates, offsets
        segment.bits = max(1, len(postings).bit_length())
        segment.mask = np.int64((1 << segment.bits) - 1)
        segment.low, segment.postings = low, postings
        segment.alive = None
        return segment

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        """What :meth:`restored` takes back: ids, dates, offsets, low bits, postings."""
        return self.ids, self.dates, self.offsets, self.low, self.postings

    @property
    def keys(self) -> np.ndarray:
        """The full keys, by position."""
        keys = np.empty(len(self.postings), np.int64)
        keys[self.postings & self.mask] = self.postings & ~self.mask
        keys |= self.low.astype(np.int64)
        return keys

    @classmethod
    def of_rows(
        cls, ids: Sequence[int], dates: Sequence[int], lengths: Sequence[int], packed: bytearray
    ) -> Segment:
        """A segment of packed rows, given in ``(date, article)`` order, their keys end to end."""
        keys = np.frombuffer(packed, KEY)
        keys.byteswap(inplace=True)  # the bytes in place, then read in the other order: no copy
        keys = keys.view(keys.dtype.newbyteorder()).astype(np.int64, copy=False)
        return cls(
            np.asarray(ids, np.int64),
            np.asarray(dates, np.int64),
            np.asarray(lengths, np.int64),
            keys,
        )

    @classmethod
    def merged(cls, parts: Sequence[Segment]) -> Segment:
        """One segment of the live rows of ``parts``."""
        live = [np.flatnonzero(p.alive) if p.alive is not None else None for p in parts]
        ids = np.concatenate(
            [p.ids if r is None else p.ids[r] for p, r in zip(parts, live, strict=True)]
        )
        dates = np.concatenate(
            [p.dates if r is None else p.dates[r] for p, r in zip(parts, live, strict=True)]
        )
        starts, lengths, base = [], [], 0
        for p, r in zip(parts, live, strict=True):
            rows = np.arange(len(p.ids)) if r is None else r
            starts.append(p.offsets[rows] + base)
            lengths.append(p.offsets[rows + 1] - p.offsets[rows])
            base += len(p.postings)
        keys = np.concatenate([p.keys for p in parts])
        order = np.lexsort((ids, dates))
        start, length = np.concatenate(starts)[order], np.concatenate(lengths)[order]
        return cls(ids[order], dates[order], length, keys[_ranges(start, length)])

    def __len__(self) -> int:
        return len(self.ids) if self.alive is None else int(self.alive.sum())

    def kill(self, article_id: int) -> None:
        if self.alive is None:
            self.alive = np.ones(len(self.ids), bool)
        self.alive[np.flatnonzero(self.ids == article_id)] = False

    def find(
        self, keys: np.ndarray, lo: int, hi: int, per_key: int | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(key index, date, article)`` under each of ``keys``, dated in ``[lo, hi]``.

        With ``per_key``, only the latest that many under each key.
        """
        r0 = int(np.searchsorted(self.dates, lo, side="left"))
        r1 = int(np.searchsorted(self.dates, hi, side="right"))
        if r0 >= r1:
            return _EMPTY, _EMPTY, _EMPTY
        p0, p1 = self.offsets[r0], self.offsets[r1]
        base = keys & ~self.mask
        first = np.searchsorted(self.postings, base | p0, side="left")
        end = np.searchsorted(self.postings, base | (p1 - 1), side="right")
        start = first if per_key is None else np.maximum(first, end - per_key)
        which, rows = self._rows(keys, np.arange(len(keys)), start, end)
        if per_key is not None:
            found = np.bincount(which, minlength=len(keys))
            short = np.flatnonzero((found < per_key) & (start > first))
            if len(short):  # a dead row or a prefix collision among the latest: look further
                keep = ~np.isin(which, short)
                more, more_rows = self._rows(keys, short, first[short], end[short])
                latest = _latest(more, self.dates[more_rows], self.ids[more_rows], per_key)
                which = np.concatenate([which[keep], more[latest]])
                rows = np.concatenate([rows[keep], more_rows[latest]])
        return which, self.dates[rows], self.ids[rows]

    def _rows(
        self, keys: np.ndarray, which: np.ndarray, start: np.ndarray, end: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The live rows of postings ``[start, end)`` of each key ``which``, verified."""
        lengths = np.maximum(end - start, 0)
        if not lengths.sum():
            return _EMPTY, _EMPTY
        owner = np.repeat(which, lengths)
        positions = self.postings[_ranges(start, lengths)] & self.mask
        ok = self.low[positions].astype(np.int64) == (keys & self.mask)[owner]
        rows = np.searchsorted(self.offsets, positions, side="right") - 1
        if self.alive is not None:
            ok &= self.alive[rows]
        return owner[ok], rows[ok]


def segment_of(rows: Iterable[tuple[int, int, bytes]]) -> Segment:
    """A segment of the rows ``(article, date, keys)`` given in ``(date, article)`` order;
    rows without keys are left out."""
    ids, dates, lengths = [], [], []
    packed = bytearray()
    for article_id, date, blob in rows:
        if blob:
            ids.append(article_id)
            dates.append(date)
            lengths.append(len(blob) // 8)
            packed += blob
    return Segment.of_rows(ids, dates, lengths, packed)


def _ranges(start: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indexes ``start[0] ... start[0] + lengths[0] - 1``, then those of the next range, ..."""
    total = int(lengths.sum())
    skip = np.repeat(start - (np.cumsum(lengths) - lengths), lengths)
    return np.arange(total, dtype=np.int64) + skip


def _latest(which: np.ndarray, dates: np.ndarray, ids: np.ndarray, per_key: int) -> np.ndarray:
    """Indexes of the ``per_key`` latest ``(date, article)`` under each key."""
    order = np.lexsort((ids, dates, which))
    grouped = which[order]
    # How many of the key's postings come after each one, in that order.
    last = np.searchsorted(grouped, grouped, side="right")
    return order[last - np.arange(len(order)) <= per_key]


class KeyIndex:
    """Key to articles, for the date ranges loaded, over packed rows.

    ``fold``: articles kept in the dictionary before they become a segment;
    a segment no bigger than twice the next one is merged with it, so the
    segments stay few (a logarithm of the articles) however many folds.
    """

    def __init__(self, fold: int = 256) -> None:
        self.seq = 0  # the last row (by the table's sequence) this index has seen
        # Numbers below ``seq`` not seen yet, with when they were first missed (a shared
        # store: another writer may still commit them).
        self.pending: dict[int, float] = {}
        self._fold_at = fold
        self._segments: list[Segment] = []
        self._where: dict[int, Segment | None] = {}  # article: its segment (None: dictionary)
        self._recent: dict[int, tuple[int, np.ndarray]] = {}  # article: (date, keys)
        self._postings: dict[int, list[int]] = {}  # key: articles of _recent
        self._covered: list[tuple[int, int]] = []  # date ranges [lo, hi) loaded

    def __len__(self) -> int:
        return len(self._where)

    def missing(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The parts of ``[lo, hi)`` no segment was loaded for."""
        gaps, at = [], lo
        for start, end in sorted(self._covered):
            if end <= at:
                continue
            if start >= hi:
                break
            if start > at:
                gaps.append((at, start))
            at = max(at, end)
        if at < hi:
            gaps.append((at, hi))
        return gaps

    @classmethod
    def restored(cls, segment: Segment, lo: int, hi: int, seq: int) -> KeyIndex:
        """An index holding ``segment``: every row of the dates ``[lo, hi)`` up to row ``seq``.

        What was written after ``seq`` is for :meth:`absorb` to add.
        """
        index = cls()
        index.seq = seq
        index._covered.append((lo, hi))
        index._add_segment(segment)
        return index

    def load(
        self,
        lo: int,
        hi: int,
        rows: Iterable[tuple[int, int, bytes]],
    ) -> None:
        """Add the rows ``(article, date, keys)`` stored for dates in ``[lo, hi)``, in date order.

        Articles this index has already (their newer rows) are left out.
        """
        self._covered.append((lo, hi))
        self._add_segment(segment_of(r for r in rows if r[0] not in self._where))

    def absorb(self, rows: Iterable[tuple[int, int, bytes | None]]) -> None:
        """The rows ``(article, date, keys)`` written since, in the order they were written.

        Each replaces what its article had. Articles new to the index become
        one segment when there are many (an index restored from an old
        snapshot), else go to the dictionary as :meth:`put` puts them.
        """
        fresh: dict[int, tuple[int, bytes | None]] = {}
        for article_id, date, blob in rows:
            if article_id in self._where:
                self.put(article_id, date, blob)
            else:
                fresh[article_id] = (date, blob)
        if len(fresh) < self._fold_at:
            for article_id, (date, blob) in fresh.items():
                self.put(article_id, date, blob)
            return
        ordered = sorted((date, article_id) for article_id, (date, _) in fresh.items())
        self._add_segment(segment_of((a, d, fresh[a][1] or b"") for d, a in ordered))

    def _add_segment(self, segment: Segment) -> None:
        if not len(segment.ids):
            return
        self._segments.append(segment)
        while len(self._segments) > 1 and len(self._segments[-2]) <= 2 * len(self._segments[-1]):
            segment = Segment.merged(self._segments[-2:])
            self._segments[-2:] = [segment]
        self._where.update(dict.fromkeys(segment.ids.tolist(), segment))

    def put(self, article_id: int, date: int, blob: bytes | None) -> None:
        """An article's keys as written now: they replace whatever it had."""
        self.drop(article_id)
        keys = np.frombuffer(blob or b"", KEY).astype(np.int64)
        self._recent[article_id] = (date, keys)
        self._where[article_id] = None
        for key in keys.tolist():
            self._postings.setdefault(key, []).append(article_id)
        if len(self._recent) >= self._fold_at:
            self._fold()

    def drop(self, article_id: int) -> None:
        """Forget an article: it is no longer under any key."""
        if article_id not in self._where:
            return
        segment = self._where.pop(article_id)
        if segment is not None:
            segment.kill(article_id)
            return
        _, keys = self._recent.pop(article_id)
        for key in keys.tolist():
            ids = self._postings[key]
            ids.remove(article_id)
            if not ids:
                del self._postings[key]

    def _fold(self) -> None:
        """Turn the dictionary's articles into one more segment."""
        items = sorted(self._recent.items(), key=lambda item: (item[1][0], item[0]))
        self._recent.clear()
        self._postings.clear()
        self._add_segment(
            Segment(
                np.fromiter((i for i, _ in items), np.int64, len(items)),
                np.fromiter((date for _, (date, _) in items), np.int64, len(items)),
                np.fromiter((len(keys) for _, (_, keys) in items), np.int64, len(items)),
                np.concatenate([keys for _, (_, keys) in items]),
            )
        )

    def find(
        self, keys: Sequence[int], lo: int, hi: int, per_key: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(key index, date, article)`` of each posting under ``keys`` (distinct) dated in ``[lo, hi]``.

        With ``per_key``: only the latest that many ``(date, article)`` under each key.
        """
        wanted = np.asarray(keys, np.int64)
        parts = [segment.find(wanted, lo, hi, per_key) for segment in self._segments]
        parts = [p for p in parts if len(p[0])]
        recent = self._find_recent(wanted, lo, hi)
        if not parts and not recent:
            return _EMPTY, _EMPTY, _EMPTY
        if len(parts) == 1 and not recent:  # limited to per_key already
            return parts[0]
        if recent:
            which, dates, ids = (
                np.asarray(column, np.int64) for column in zip(*recent, strict=True)
            )
            parts.append((which, dates, ids))
        which = np.concatenate([p[0] for p in parts])
        dates = np.concatenate([p[1] for p in parts])
        ids = np.concatenate([p[2] for p in parts])
        if per_key is not None:
            latest = _latest(which, dates, ids, per_key)
            which, dates, ids = which[latest], dates[latest], ids[latest]
        return which, dates, ids

    def _find_recent(self, keys: np.ndarray, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """``(key index, date, article)`` of the dictionary's postings under ``keys``."""
        found = []
        if self._postings:
            for n, key in enumerate(keys.tolist()):
                for article_id in self._postings.get(key, ()):
                    date = self._recent[article_id][0]
                    if lo <= date <= hi:
                        found.append((n, date, article_id))
        return found
