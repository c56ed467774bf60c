"""Exact keys, shingles, MinHash signatures, LSH band keys and story keys.

The only module that imports :mod:`datasketch`. Pure: values in, values out.
"""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..model import Signature

if TYPE_CHECKING:
    from datasketch import MinHash

# URL identity lives in urls.py (parse needs it too); callers keep using dedup.canonical_url.
from ..urls import TRACKING_PARAMS, TRACKING_PREFIXES, canonical_url  # noqa: F401

SHINGLE_WORDS = 3
NUM_PERM = 128
SEED = 1
SCHEME = "affine32"
LSH_THRESHOLD = 0.3
JACCARD_DUPLICATE = 0.5
CONTAINMENT_DUPLICATE = 0.8
MIN_CONTAINMENT_SHINGLES = 25
# Texts shorter than this are never matched by content: one-liners such as
# "Photo gallery" or "Corrections for the past week" recur across unrelated
# entries (measured: every false merge in benchmarks/bench_dedup.py was one).
MIN_WORDS = 25
# A summary-only entry is the opening of its article: its Jaccard with the
# full text is tiny (0.01-0.12 measured), so LSH on the full signature never
# proposes the pair. Each article is also indexed by the signature of its
# first LEAD_WORDS words, which a summary does resemble.
LEAD_WORDS = 80
# The lead's words are looked for in the text's first characters only (80 words
# fit in far fewer), falling back to the whole text when they do not.
LEAD_SCAN_CHARS = 4000

PARAMS = f"minhash:w{SHINGLE_WORDS}:crc32:p{NUM_PERM}:s{SEED}:{SCHEME}"

_WORD = re.compile(r"\w+", re.UNICODE)
CLUSTER_NAMESPACE = uuid.UUID("0d5e3f3c-8a51-4c39-9c59-6a3b0f1de2a7")


# -- exact keys -------------------------------------------------------------


def words(text: str) -> list[str]:
    """Lower-cased word tokens: what every comparison of text is made of."""
    return _WORD.findall(text.casefold())


def content_hash(text: str) -> str:
    """A hash of the text's words, blind to case, punctuation and spacing."""
    return hash_of(words(text))


def hash_key(text: str) -> str | None:
    """The content hash, or None when the text is too short to identify an article."""
    tokens = words(text)
    return hash_of(tokens) if len(tokens) >= MIN_WORDS else None


def hash_of(tokens: list[str]) -> str:
    return hashlib.sha256(" ".join(tokens).encode()).hexdigest()


def new_cluster_id(source: str, guid: str) -> str:
    """A cluster id fixed at creation from its first article; it never changes."""
    return str(uuid.uuid5(CLUSTER_NAMESPACE, f"{source}\x00{guid}"))


# -- signatures -------------------------------------------------------------
#
# Shingles are hashed, not stored as strings: each word is hashed once with
# CRC-32 (C speed, and stable across processes, unlike ``hash()``), and each
# run of ``k`` word hashes is folded into one 32-bit shingle hash with numpy.
# datasketch's MinHash then applies its permutations to those integers
# (``hashfunc`` is the identity), which keeps signatures compatible with
# datasketch's LSH and its Redis storage.

_FOLD32 = np.uint32(1_000_003)


def shingle_hashes(text: str, k: int = SHINGLE_WORDS) -> np.ndarray:
    """Sorted unique 32-bit hashes of the word ``k``-shingles of ``text``.

    A text shorter than ``k`` words is one shingle; a text with no words has none.
    """
    return _shingles_of(words(text), k)


def _shingles_of(tokens: list[str], k: int = SHINGLE_WORDS) -> np.ndarray:
    if not tokens:
        return np.empty(0, dtype=np.uint32)
    if len(_WORD_CRC) > _WORD_CRC_LIMIT:
        _WORD_CRC.clear()
    hashes = np.fromiter(map(_WORD_CRC.__getitem__, tokens), dtype=np.uint32, count=len(tokens))
    width = min(k, len(hashes))
    count = len(hashes) - width + 1
    # h0 * F^2 + h1 * F + h2 modulo 2^32: uint32 arithmetic wraps exactly there.
    folded = hashes[:count].copy()
    for j in range(1, width):
        folded *= _FOLD32
        folded += hashes[j : j + count]
    return _sorted_unique(folded)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting: the same result, several times faster on a few hundred values."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


class _CrcCache(dict[str, int]):
    """CRC-32 of each word, remembered: a word's hash is a dict hit after its first use."""

    def __missing__(self, word: str) -> int:
        value = self[word] = zlib.crc32(word.encode("utf-8"))
        return value


_WORD_CRC = _CrcCache()
_WORD_CRC_LIMIT = 500_000  # words remembered at most (about 60 MB); then it starts over


def _identity(value: int) -> int:
    return value


@functools.cache
def _template(num_perm: int, seed: int) -> MinHash:
    """datasketch's MinHash with these parameters: its permutations and empty hash values.

    datasketch is imported here, at the first signature a process makes, not
    with jjfeed: importing it imports scipy (a third of a second), which a
    cron run that finds every entry unchanged never needs.
    """
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME)


def _minhash_of_hashes(hashes: list[int], num_perm: int, seed: int) -> MinHash:
    """datasketch's MinHash of values that are hashes already (taken as they are).

    The permutations come from the cached template: datasketch would draw
    them again for every MinHash made.
    """
    from datasketch import MinHash

    m = MinHash(
        num_perm=num_perm,
        seed=seed,
        scheme=SCHEME,
        hashfunc=_identity,
        permutations=_template(num_perm, seed).permutations,
    )
    m.update_batch(hashes)
    return m


def minhash_of(hashes: np.ndarray) -> MinHash:
    """datasketch's own MinHash of 32-bit shingle hashes (the reference for :func:`min_hashes`)."""
    return _minhash_of_hashes(hashes.tolist(), NUM_PERM, SEED)


# MurmurHash3's 32-bit finaliser, which datasketch's "affine32" scheme applies
# to each input before its affine permutations.
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))


def min_hashes(hashes: np.ndarray) -> np.ndarray:
    """The same hash values as ``minhash_of(hashes).hashvalues``, about three times faster.

    datasketch hashes each input with a Python call before its vectorised
    permutations; the inputs here are already 32-bit hashes, so the whole
    computation stays in numpy. A test checks it against datasketch.
    """
    template = _template(NUM_PERM, SEED)
    a, b = template.permutations
    hv = hashes.astype(np.uint32)
    s1, m1, s2, m2 = _FMIX32
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    hv = hv ^ (hv >> s1)
    if len(hv) == 0:
        return template.hashvalues.copy()
    permuted = np.multiply.outer(a, hv)  # one row per permutation; uint32 wraps like datasketch
    permuted += b[:, None]
    result: np.ndarray = permuted.min(axis=1)
    return result


def signature(text: str) -> Signature | None:
    """The MinHash signature of ``text``, or None for a text too short to match (< MIN_WORDS)."""
    return _signature_of(shingle_hashes(text))


def _signature_of(hashes: np.ndarray) -> Signature | None:
    if len(hashes) < MIN_WORDS - SHINGLE_WORDS + 1:
        return None
    return Signature(PARAMS, min_hashes(hashes).astype("<u4").tobytes())


def hashvalues(sig: Signature) -> np.ndarray:
    return np.frombuffer(sig.hashvalues, dtype="<u4").astype(np.uint64)


# -- LSH ----------------------------------------------------------------------
#
# The bands are chosen by datasketch for LSH_THRESHOLD (tuned for recall: the
# exact check below decides). Each band of a signature becomes one 63-bit
# key; the store keeps (key, article) rows, so a new article finds its
# candidates with one indexed lookup and a run never loads the archive.

_BANDS, _ROWS = 37, 3
"""The bands and rows datasketch's ``MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)``
chooses (its optimum of false positives and negatives); written out so that jjfeed starts
without importing datasketch, and checked against it by tests/test_dedup.py."""
LSH_PARAMS = f"{PARAMS}:lsh{LSH_THRESHOLD}:b{_BANDS}:r{_ROWS}:lead{LEAD_WORDS}:min{MIN_WORDS}"


def band_keys(sig: Signature) -> list[int]:
    """One signed 64-bit key per LSH band (band number mixed in, so one column serves all)."""
    values = np.frombuffer(sig.hashvalues, dtype="<u4")
    keys = []
    for band in range(_BANDS):
        chunk = values[band * _ROWS : (band + 1) * _ROWS].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, person=band.to_bytes(2, "little")).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def signatures(text: str) -> tuple[Signature | None, Signature | None]:
    """The signature of the whole text and of its lead (None when there is no separate lead)."""
    sig = signature(text)
    if sig is None:
        return None, None
    return sig, _lead_signature(text)


def _lead_signature(text: str) -> Signature | None:
    """The signature of the first LEAD_WORDS words, when the text is longer than that."""
    tokens = _WORD.findall(text, 0, LEAD_SCAN_CHARS) if len(text) > LEAD_SCAN_CHARS else None
    if tokens is None or len(tokens) <= LEAD_WORDS:
        tokens = _WORD.findall(text)
    if len(tokens) <= LEAD_WORDS:
        return None
    return signature(" ".join(tokens[:LEAD_WORDS]))


@dataclass(frozen=True)
class Features:
    """Everything the duplicate check needs from one text, computed once.

    Computed where the text is cleaned (a worker process, see
    :mod:`jjfeed.workers`), so the process that owns the index only looks up.
    """

    signature: Signature | None
    lsh_keys: list[int]
    content_hash: str
    hash_key: str | None
    # The text's shingle hashes (:func:`shingle_hashes`), for the exact check.
    shingles: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint32), compare=False)


def features(text: str) -> Features:
    """What :func:`lsh_keys`, :func:`content_hash` and :func:`hash_key` give, reading the text once."""
    tokens = words(text)
    full = hash_of(tokens)
    shingles = _shingles_of(tokens)
    sig = _signature_of(shingles)
    hash_key = full if len(tokens) >= MIN_WORDS else None
    if sig is None:
        return Features(None, [], full, hash_key, shingles)
    return Features(sig, _both_keys(sig, _lead_signature(text)), full, hash_key, shingles)


def lsh_keys(text: str) -> tuple[Signature | None, list[int]]:
    """The text's signature and every LSH key it is indexed and queried under.

    Keys of the full text and of its lead share one key space, so a summary
    (whose full text is a lead) meets the lead of its article, whichever
    arrives first.
    """
    sig, lead = signatures(text)
    if sig is None:
        return None, []
    return sig, _both_keys(sig, lead)


def _both_keys(sig: Signature, lead: Signature | None) -> list[int]:
    """The band keys of a text's signature and of its lead's (one key space), sorted, each once."""
    keys = band_keys(sig)
    if lead is not None:
        keys += band_keys(lead)
    return sorted(set(keys))


class Index:
    """An in-memory LSH index (datasketch's MinHashLSH) keyed by article id.

    The store's band table is the persistent index; this one serves callers
    with no store, such as benchmarks comparing a batch with itself.
    """

    def __init__(self) -> None:
        from datasketch import MinHashLSH

        self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)

    def __len__(self) -> int:
        return len(self._lsh.keys)

    def add(self, article_id: int, sig: Signature) -> bool:
        """Index (or re-index) a signature; signatures made with other parameters are refused."""
        if sig.params != PARAMS:
            return False
        from datasketch import LeanMinHash

        if article_id in self._lsh:
            self._lsh.remove(article_id)
        self._lsh.insert(
            article_id,
            LeanMinHash(seed=SEED, hashvalues=hashvalues(sig), scheme=SCHEME),
            check_duplication=False,
        )
        return True

    def candidates(self, sig: Signature) -> list[int]:
        from datasketch import LeanMinHash

        query = LeanMinHash(seed=SEED, hashvalues=hashvalues(sig), scheme=SCHEME)
        return sorted(int(k) for k in self._lsh.query(query))


# -- story candidates -----------------------------------------------------------
#
# The story level (``story/``) decides on small sets of identifying terms
# (headline words, the names a body repeats). Write-ups of one event share
# few of them, so candidates must come from low Jaccard: one row per band,
# STORY_BANDS bands. Two term sets with Jaccard J become candidates with
# probability 1 - (1 - J) ** STORY_BANDS: 0.999 at J = 0.2, 0.96 at J = 0.1.

STORY_BANDS = 32
STORY_SEED = 7
# Not changed when a headline's keys gained its terms (:func:`term_keys`, session 15):
# its bands are as they were, so a store filed before still finds every candidate it
# found then, and within one story window every headline carries its terms too. A
# change here re-keys the whole store on the next run (85 s per 100k articles).
STORY_PARAMS = f"story-minhash:crc32:p{STORY_BANDS}:s{STORY_SEED}:r1"


def term_keys(terms: Iterable[str]) -> list[int]:
    """One signed 64-bit key per distinct term, sorted: the story keys of a headline.

    A headline has a handful of terms. Under :func:`story_keys` two headlines
    sharing one of twenty (J = 0.05) share no band one time in five, and
    which pairs are lost moves with the hash draw; a key per term loses none.
    """
    keys = set()
    for term in terms:
        digest = hashlib.blake2b(term.encode("utf-8"), digest_size=8, person=b"story-term")
        keys.add(int.from_bytes(digest.digest(), "little", signed=True))
    return sorted(keys)


def story_keys(terms: Iterable[str]) -> list[int]:
    """One signed 64-bit key per band of the terms' MinHash (none for an empty set)."""
    hashes = sorted({zlib.crc32(t.encode("utf-8")) for t in terms})
    if not hashes:
        return []
    m = _minhash_of_hashes(hashes, STORY_BANDS, STORY_SEED)
    keys = []
    for band, value in enumerate(m.hashvalues.tolist()):
        digest = hashlib.blake2b(
            int(value).to_bytes(8, "little"), digest_size=8, person=b"story" + bytes([band])
        ).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys
