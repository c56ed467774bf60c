"""Which clusters go into one output: tag filters and a keyword query. Pure decisions.

A query is words and "quoted phrases"; every one must appear in the title or
the text (whole words, any case), and one written ``-word`` must not.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Cluster, OutputSpec
from .entries import cluster_tags, entry_order


@dataclass(frozen=True)
class Query:
    required: tuple[re.Pattern[str], ...]
    excluded: tuple[re.Pattern[str], ...]


def parse_query(query: str) -> Query:
    """``'marvel "jessica jones" -spoilers'`` → two required patterns and one excluded."""
    try:
        terms = shlex.split(query)
    except ValueError:  # an unbalanced quote: take the words as they stand
        terms = query.replace('"', " ").split()
    required: list[re.Pattern[str]] = []
    excluded: list[re.Pattern[str]] = []
    for term in terms:
        negate = term.startswith("-") and len(term) > 1
        words = (term[1:] if negate else term).split()
        if not words:
            continue
        pattern = re.compile(
            r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)", re.IGNORECASE
        )
        (excluded if negate else required).append(pattern)
    return Query(tuple(required), tuple(excluded))


def matches(cluster: Cluster, spec: OutputSpec) -> bool:
    tags = {t.casefold() for t in cluster_tags(cluster)}
    if spec.include_tags and not tags & {t.casefold() for t in spec.include_tags}:
        return False
    if tags & {t.casefold() for t in spec.exclude_tags}:
        return False
    if spec.query:
        query = parse_query(spec.query)
        art = cluster.representative.article
        haystack = f"{art.title}\n{art.text}"
        if not all(p.search(haystack) for p in query.required):
            return False
        if any(p.search(haystack) for p in query.excluded):
            return False
    return True


def select(clusters: Sequence[Cluster], spec: OutputSpec, limit: int) -> list[Cluster]:
    """The matching clusters, newest first, at most ``limit``."""
    chosen = [c for c in clusters if matches(c, spec)]
    chosen.sort(key=entry_order, reverse=True)
    return chosen[:limit]
