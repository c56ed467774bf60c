"""Exact keys, MinHash signatures, LSH candidates and the verdict.

The only module that imports :mod:`datasketch`. Cheap checks come first:
the pipeline asks the store for a stored article with the same GUID,
canonical URL or content hash. Only then does MinHash LSH, tuned for recall,
propose candidates, and an exact similarity check on the shingle sets
decides. Everything here is pure: values in, values out.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np
from datasketch import MinHash, MinHashLSH

from .model import Signature, StoredArticle

SHINGLE_WORDS = 3
NUM_PERM = 128
SEED = 1
SCHEME = "affine32"
LSH_THRESHOLD = 0.3
JACCARD_DUPLICATE = 0.5
CONTAINMENT_DUPLICATE = 0.8
MIN_CONTAINMENT_SHINGLES = 25
MIN_HASH_WORDS = 8

PARAMS = f"minhash:w{SHINGLE_WORDS}:p{NUM_PERM}:s{SEED}:{SCHEME}"

_WORD = re.compile(r"\w+", re.UNICODE)
_NAMESPACE = uuid.UUID("0d5e3f3c-8a51-4c39-9c59-6a3b0f1de2a7")

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "ref",
        "ref_src",
        "ref_url",
        "cmpid",
        "ncid",
        "sr_share",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "rss",
        "spm",
        "s_cid",
        "guccounter",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_")


# -- exact keys -------------------------------------------------------------


def canonical_url(url: str | None) -> str | None:
    """A key that is equal for URLs that name the same page.

    Drops the scheme (``http`` and ``https`` are one page), ``www.``, default
    ports, the fragment, a trailing slash and tracking parameters, and sorts
    the remaining query so parameter order does not matter.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    )
    return host + path + ("?" + urlencode(query) if query else "")


def words(text: str) -> list[str]:
    """Lower-cased word tokens: what every comparison of text is made of."""
    return _WORD.findall(text.casefold())


def content_hash(text: str) -> str:
    """A hash of the text's words, blind to case, punctuation and spacing."""
    return hashlib.sha256(" ".join(words(text)).encode()).hexdigest()


def hash_key(text: str) -> str | None:
    """The content hash, or None when the text is too short to identify an article."""
    return content_hash(text) if len(words(text)) >= MIN_HASH_WORDS else None


def new_cluster_id(source: str, guid: str) -> str:
    """A cluster id fixed at creation from its first article; it never changes."""
    return str(uuid.uuid5(_NAMESPACE, f"{source}\x00{guid}"))


# -- signatures -------------------------------------------------------------


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[str]:
    """Word ``k``-shingles of the text; a text shorter than ``k`` words is one shingle."""
    tokens = words(text)
    if not tokens:
        return set()
    if len(tokens) <= k:
        return {" ".join(tokens)}
    return {" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)}


_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)


def _minhash(shingle_set: Iterable[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, permutations=_TEMPLATE.permutations)
    m.update_batch([s.encode() for s in shingle_set])
    return m


def signature(text: str) -> Signature | None:
    """The MinHash signature of ``text``, or None for a text with no words."""
    shingle_set = shingles(text)
    if not shingle_set:
        return None
    return Signature(PARAMS, _minhash(shingle_set).hashvalues.astype("<u4").tobytes())


def _from_signature(sig: Signature) -> MinHash:
    values = np.frombuffer(sig.hashvalues, dtype="<u4").astype(np.uint64)
    return MinHash(seed=SEED, scheme=SCHEME, hashvalues=values, permutations=_TEMPLATE.permutations)


class Index:
    """An LSH index over signatures, keyed by stored article id.

    Tuned for recall (a low threshold): it only proposes candidates; the
    verdict is :func:`similarity` on the real shingle sets.
    """

    def __init__(self) -> None:
        self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, article_id: int, sig: Signature) -> bool:
        """Index (or re-index) a signature; signatures made with other parameters are refused."""
        if sig.params != PARAMS:
            return False
        if article_id in self._lsh:
            self._lsh.remove(article_id)
            self._size -= 1
        self._lsh.insert(article_id, _from_signature(sig))
        self._size += 1
        return True

    def candidates(self, sig: Signature) -> list[int]:
        return sorted(int(k) for k in self._lsh.query(_from_signature(sig)))


# -- the verdict ------------------------------------------------------------


@dataclass(frozen=True)
class Similarity:
    jaccard: float
    containment: float

    @property
    def duplicate(self) -> bool:
        return self.jaccard >= JACCARD_DUPLICATE or self.containment >= CONTAINMENT_DUPLICATE


def similarity(a: str, b: str) -> Similarity:
    """Exact Jaccard of the shingle sets and containment of the smaller in the larger.

    Containment only counts when the smaller text has enough shingles to be
    an article (a summary-only entry inside its full text), not a stock phrase.
    """
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return Similarity(0.0, 0.0)
    inter = len(sa & sb)
    jaccard = inter / len(sa | sb)
    small = min(len(sa), len(sb))
    containment = inter / small if small >= MIN_CONTAINMENT_SHINGLES else 0.0
    return Similarity(jaccard, containment)


def best_match(text: str, candidates: dict[int, str]) -> tuple[int, Similarity] | None:
    """The most similar candidate that is a duplicate of ``text``, if any."""
    best: tuple[int, Similarity] | None = None
    for article_id, other in sorted(candidates.items()):
        sim = similarity(text, other)
        if sim.duplicate and (
            best is None or (sim.jaccard, sim.containment) > (best[1].jaccard, best[1].containment)
        ):
            best = (article_id, sim)
    return best


def representative(members: Sequence[StoredArticle]) -> StoredArticle:
    """The copy that stands for its cluster in the feed.

    Source priority from feeds.yaml first, then the fullest clean text, then
    the earliest (published, else first seen), then the lowest id for a
    stable tie-break.
    """

    def key(m: StoredArticle) -> tuple[int, int, float, int]:
        when = m.article.published or m.fetched_at
        return (-m.priority, -len(m.article.text), when.timestamp(), m.id)

    return min(members, key=key)
