"""Filing's decisions: plain values in, intents out (see docs/design.md, "Filing: decide, then apply").

Nothing here reads or writes the store, the run index or a duplicate index.
Filing (:mod:`jjfeed.pipeline.filing`) gathers what a decision needs (the
stored record of the entry, the candidate copies and what is known of them,
the story cousins and the sizes of their stories), calls a function here and
writes the intent it returns. Where a read depends on an earlier decision
(the creation times of the matched clusters, the sizes of the stories with
enough evidence), the decision comes in two steps, so that filing reads no
more than it did when it decided and wrote in one method.

Intents: :class:`Unchanged`, :class:`Updated`, :class:`NewCluster`,
:class:`JoinCluster` (with its :class:`Reason` and the clusters it merges
into the one it joins) and :class:`JoinStory`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple

from .. import dedup, story
from ..model import Article, StoredArticle

_GLOBAL_GUID = re.compile(r"^(https?://|file://|urn:|tag:|sha256:)", re.I)

Status = Literal["new", "duplicate", "updated", "unchanged"]
"""What filing an entry did, as a run counts it."""


# -- intents --------------------------------------------------------------------


@dataclass(frozen=True)
class Unchanged:
    """An entry stored before, read again as it was: nothing to write."""

    status: Literal["unchanged"] = "unchanged"


@dataclass(frozen=True)
class Updated:
    """An entry stored before with a new text or title: store it, index it again."""

    article: int
    cluster: str
    first_seen: datetime
    status: Literal["updated"] = "updated"


@dataclass(frozen=True)
class Reason:
    """Why an article joined a cluster: its strongest evidence, as ``jjfeed dupes`` shows it."""

    rule: str
    similarity: float | None
    matched: int | None


@dataclass(frozen=True)
class NewCluster:
    """Found a cluster of its own (``alone``: a `dedup: false` source, never compared)."""

    cluster: str
    alone: bool = False
    status: Literal["new"] = "new"


@dataclass(frozen=True)
class JoinCluster:
    """Join ``cluster`` because of ``reason``, once the clusters ``merged`` are folded into it."""

    cluster: str
    reason: Reason | None
    merged: frozenset[str] = frozenset()
    status: Literal["duplicate"] = "duplicate"


@dataclass(frozen=True)
class JoinStory:
    """The story a new cluster joins and the evidence: ``jjfeed dupes`` shows it.

    ``link`` is the average link over the story's members in the window
    (what :func:`story.choose_story` compared), ``links`` how many members
    LSH proposed and scored above zero, ``best_article`` the closest one.
    """

    story: str
    link: float
    links: int
    best_article: int
    best: float


ClusterIntent = NewCluster | JoinCluster


# -- the article's keys --------------------------------------------------------------


class Keys(NamedTuple):
    """The exact keys an article is looked up and stored by (None: it has none)."""

    guid: str | None  # a GUID that names the article anywhere (a URL, a tag: or urn: URI)
    url: str | None  # its canonical link, when the link names this entry alone


def keys(article: Article) -> Keys:
    """An article's exact keys (see :func:`jjfeed.parse.identity_keys`)."""
    url_key = dedup.canonical_url(article.url) if article.link_is_id else None
    guid_key = article.guid if article.guid_is_id and _GLOBAL_GUID.match(article.guid) else None
    return Keys(guid_key, url_key)


# -- an entry stored before -------------------------------------------------------


def refile(stored: StoredArticle, content_hash: str, title: str) -> Unchanged | Updated:
    """An entry the store holds already: unchanged, or its new content to store."""
    if stored.content_hash == content_hash and stored.article.title == title:
        return Unchanged()
    return Updated(stored.id, stored.cluster, stored.fetched_at)


# -- the cluster ------------------------------------------------------------------


def alone(source: str, guid: str) -> NewCluster:
    """The cluster of an article of a `dedup: false` source: its own, never compared.

    It still joins a story: the setting is about merging copies, and
    other outlets' coverage of the same news is still worth listing.
    """
    return NewCluster(dedup.new_cluster_id(source, guid), alone=True)


def admissible(
    article: Article,
    matches: Sequence[dedup.Match],
    facts: Mapping[int, tuple[str, str]],
    *,
    short: bool,
) -> list[dedup.Match]:
    """The matches :func:`dedup.admissible` accepts, given who published what.

    ``facts``: ``(source, title)`` of each matched article the store knows.
    ``short``: the article's text is under ``dedup.MIN_WORDS`` words.
    """
    headline = short and dedup.has_headline(article.title, article.text)  # weighed only if short
    kept = []
    for m in matches:
        source, title = facts.get(m.article, ("", "")) if m.article is not None else ("", "")
        if dedup.admissible(
            m,
            same_source=source == article.source,
            titles_match=dedup.same_title(title, article.title),
            short=short,
            headline=headline,
            titles_related=dedup.related_titles(title, article.title),
        ):
            kept.append(m)
    return kept


def verdict(
    article: Article,
    matches: Sequence[dedup.Match],
    created: Mapping[str, datetime],
    apart: Iterable[frozenset[str]] = (),
) -> dedup.Verdict:
    """The verdict given the admissible matches (see :func:`admissible`).

    None: a new cluster. Otherwise an article that is a copy of two
    clusters shows they are one, unless a person split them apart
    (``apart``, see :func:`dedup.decide`); ``created`` holds the creation
    time of every matched cluster (the oldest survives).
    """
    if not matches:
        return dedup.Verdict("new", dedup.new_cluster_id(article.source, article.guid))
    return dedup.decide(matches, dict(created), apart)


def cluster(verdict: dedup.Verdict) -> ClusterIntent:
    """The intent of a duplicate index's verdict (SQLite or the shared Redis one)."""
    if verdict.status == "new":
        return NewCluster(verdict.cluster)
    reason = None
    if verdict.rule is not None:
        reason = Reason(verdict.rule, verdict.similarity, verdict.matched)
    return JoinCluster(verdict.cluster, reason, verdict.merged)


# -- the story ----------------------------------------------------------------------


class StoryEvidence(NamedTuple):
    """Per story with enough evidence: the similarities to its members, and the best one."""

    similarities: dict[str, list[float]]
    best: dict[str, tuple[float, int]]


def story_evidence(
    source: str,
    cousins: Iterable[tuple[int, str, float]],
    sources: Mapping[int, tuple[str, str]],
    clusters: Mapping[int, str] | None = None,
    *,
    title: str = "",
) -> StoryEvidence:
    """What the story cousins ``(article, story, similarity)`` say, given who published them.

    ``sources``: ``(source, title)`` of the cousins; ``clusters``: the
    cluster of each; ``title``: the new article's. A post of the article's
    own source counts only on strong evidence, and never when the two are
    installments of one series (:func:`story.numbered_apart`). A story's
    members are its clusters: copies of one article (a site's Atom and JSON
    feeds, a syndicated piece) are one member, and count once, by the best
    of them. Only a story the article
    has enough evidence for can be joined; the others need no size (the one
    read for a story join that grows with a story).
    """
    clusters = clusters or {}
    members: dict[tuple[str, str], float] = {}
    best: dict[str, tuple[float, int]] = {}
    for other_id, sid, sim in cousins:
        other_source, other_title = sources.get(other_id, ("", ""))
        same = other_source == source
        series = same and story.numbered_apart(title, other_title)
        sim = story.member_similarity(sim, same, series)
        if sim <= 0:
            continue
        member = (sid, clusters.get(other_id, f"#{other_id}"))
        members[member] = max(sim, members.get(member, 0.0))
        if sim > best.get(sid, (0.0, 0))[0]:
            best[sid] = (sim, other_id)
    similarities: dict[str, list[float]] = {}
    for (sid, _), sim in members.items():
        similarities.setdefault(sid, []).append(sim)
    similarities = {
        sid: sims for sid, sims in similarities.items() if sum(sims) >= story.STORY_EVIDENCE
    }
    return StoryEvidence(similarities, best)


def join_story(
    evidence: StoryEvidence,
    sizes: Mapping[str, int],
    threshold: float | Mapping[str, float] = story.STORY_LINK,
) -> JoinStory | None:
    """The story a new cluster joins, if any (see :mod:`jjfeed.story`).

    ``sizes``: members of each story of ``evidence`` dated in the window;
    ``threshold``: the mean link it needs (:func:`story.link_threshold`), or
    per story.
    """
    similarities, best = evidence
    chosen = story.choose_story(similarities, sizes, threshold)
    if chosen is None:
        return None
    top, top_article = best[chosen]
    link = story.story_link(similarities[chosen], sizes.get(chosen, 0))
    return JoinStory(chosen, link, len(similarities[chosen]), top_article, top)
