"""Snapshots of the in-memory band index, so a run over a big archive need not sort it again.

A lookup needs the band keys of the dedup window in memory, sorted by key
(:class:`.postings.KeyIndex`). Built from the packed rows, that is a sort of
every key of the window: about 2 s for the 22 million keys of 300,000
articles, in the run's process and again in each worker. A snapshot keeps the
sorted arrays of one such build in the store (table ``key_snapshots``: a
JSON header, then the arrays' bytes in parts), with the last row (``seq``)
it holds; a process restores it and reads the rows written since, the way
it catches up with a writer anyway.

It is only ever a cache. A process that finds none, or one it cannot use
(another format, a table emptied since), builds the index from the rows as
before, and the rows stay the truth: a rewritten row has a new ``seq``, so
it replaces its snapshot entry when read since. A run writes a new snapshot
when it begins, before anything is looked up, when :func:`due` says so: its
workers restore that one, and so do the runs after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from .postings import Segment

FORMAT = 2  # 1 (a day of main in session 18) left arrays unaligned: searching them was 100x slower
# Below this many articles in the window, building the index takes under about 0.15 s here.
MIN_ROWS = 20_000
# Bytes of array data per row of the table: far below SQLite's limit on one value.
PART_BYTES = 64 << 20
# A snapshot is refreshed when the rows written since reach this share of it, or when
# the part of the window it no longer needs does (reading many rows since, or many it
# holds for nothing, would cost more than the run that writes a new one).
STALE_SHARE = 1 / 8
_NAMES = ("ids", "dates", "offsets", "low", "postings")


@dataclass(frozen=True)
class SnapshotInfo:
    """What a snapshot's header says: its rows, their first date, the last ``seq`` it holds."""

    rows: int
    lo: int
    seq: int


def due(
    window_rows: int,
    info: SnapshotInfo | None,
    written_since: int,
    lo: int,
    span: int,
    min_rows: int = MIN_ROWS,
) -> bool:
    """Whether a run should write a new snapshot of an index of the dates ``lo`` on.

    ``window_rows``: rows dated ``lo`` or later now; ``written_since``: rows
    written after the snapshot's ``seq``; ``span``: the window's length, in
    the dates' unit.
    """
    if window_rows < min_rows:
        return False
    if info is None:
        return True
    return written_since > STALE_SHARE * max(info.rows, 1) or lo - info.lo > STALE_SHARE * span


def encode(segment: Segment, lo: int, seq: int) -> Iterator[bytes | memoryview]:
    """The rows of a snapshot of ``segment``: its header, then its arrays in parts.

    The parts are views of the arrays (no copy of them is made).
    """
    arrays = [np.ascontiguousarray(a) for a in segment.arrays]
    header = {
        "format": FORMAT,
        "rows": len(segment.ids),
        "lo": lo,
        "seq": seq,
        "arrays": [[name, a.dtype.str, len(a)] for name, a in zip(_NAMES, arrays, strict=True)],
    }
    yield json.dumps(header).encode()
    for array in arrays:
        data = array.data.cast("B")
        for start in range(0, len(data), PART_BYTES):
            yield data[start : start + PART_BYTES]
        if _aligned(len(data)) > len(data):  # the next array starts on an 8-byte boundary
            yield bytes(_aligned(len(data)) - len(data))


def info_of(header: bytes | None) -> SnapshotInfo | None:
    """The header's figures; None when there is none or it is of another format."""
    if not header:
        return None
    try:
        read = json.loads(header)
        if read.get("format") != FORMAT:
            return None
        return SnapshotInfo(int(read["rows"]), int(read["lo"]), int(read["seq"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def decode(parts: Iterable[bytes]) -> tuple[SnapshotInfo, Segment] | None:
    """The snapshot in ``parts`` (header first); None when it is not one this code wrote."""
    chunks = iter(parts)
    header = next(chunks, None)
    info = info_of(header)
    layout = _layout(header)
    if info is None or layout is None:
        return None
    data = _filled(chunks, sum(_aligned(kind.itemsize * length) for kind, length in layout))
    if data is None:
        return None
    arrays, at = [], 0
    for kind, length in layout:
        array = np.frombuffer(data, kind, length, at)
        # A search over unaligned keys is about 100 times slower; encode pads to prevent it.
        arrays.append(array if array.flags.aligned else array.copy())
        at += _aligned(kind.itemsize * length)
    ids, dates, offsets, low, postings = arrays
    if len(ids) != info.rows or len(offsets) != len(ids) + 1 or len(low) != len(postings):
        return None
    if int(offsets[-1]) != len(postings):
        return None
    return info, Segment.restored(ids, dates, offsets, low, postings)


def _aligned(size: int) -> int:
    """``size`` bytes rounded up to a whole number of 8-byte words."""
    return -(-size // 8) * 8


def _layout(header: bytes | None) -> list[tuple[np.dtype, int]] | None:
    """The dtype and length of each array the header lists, if it lists the ones expected."""
    try:
        listed = json.loads(header or b"")["arrays"]
        if [name for name, _, _ in listed] != list(_NAMES):
            return None
        return [(np.dtype(dtype), int(length)) for _, dtype, length in listed]
    except (ValueError, TypeError, KeyError):
        return None


def _filled(chunks: Iterable[bytes], size: int) -> bytearray | None:
    """The parts end to end, when they add up to ``size`` bytes (filled in place: no copies)."""
    data, at = bytearray(size), 0
    for chunk in chunks:
        if at + len(chunk) > size:
            return None
        data[at : at + len(chunk)] = chunk
        at += len(chunk)
    return data if at == size else None
