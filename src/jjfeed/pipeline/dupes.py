"""Explaining duplicates: what `jjfeed dupes` shows.

A merge nobody can see or undo is the bug aggregator users resent most, so
every decision the dedup stage takes is recorded when it is taken (the rule
and similarity that joined a copy to its cluster, the story evidence that
joined a cluster to its story). This module reads that record back and
renders it; :mod:`jjfeed.pipeline.corrections` changes it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from .. import dedup
from ..errors import JJFeedError
from ..model import StoredArticle
from ..store import Store

DEFAULT_LIMIT = 50


class DupesError(JJFeedError):
    """An id that names nothing, or a correction that cannot be made."""


# -- what is shown ---------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One article of a cluster, with why it is there.

    ``rule`` is ``founded`` (the article started this cluster),
    ``merged`` (it started a cluster that was merged into this one, ``via``),
    ``split`` (a person split it off, ``override``), one of
    :data:`jjfeed.dedup.RULES` (it joined as a copy of ``matched`` with
    ``similarity``), or ``unknown`` (filed before jjfeed kept reasons).
    """

    id: int
    source: str
    title: str
    url: str | None
    first_seen: datetime
    representative: bool
    rule: str
    similarity: float | None = None
    matched: int | None = None
    via: str | None = None
    override: int | None = None
    published: datetime | None = None  # the date its source gives it, if any

    @classmethod
    def of(cls, stored: StoredArticle, representative: bool, rule: str) -> Member:
        """A stored article as a member, first seen when it was first fetched."""
        a = stored.article
        return cls(
            stored.id, a.source, a.title, a.url, stored.fetched_at, representative, rule,
            published=a.published,
        )  # fmt: skip

    def as_dict(self) -> dict[str, object]:
        return {
            **self.article_dict(),
            "representative": self.representative,
            "rule": self.rule,
            "similarity": _round(self.similarity),
            "matched": self.matched,
            "via": self.via,
            "override": self.override,
        }

    def article_dict(self) -> dict[str, object]:
        """The article itself, as a cluster lists its members and a story its clusters' leads."""
        return {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "url": self.url,
            "first_seen": self.first_seen.isoformat(),
            "published": self.published.isoformat() if self.published else None,
        }


@dataclass(frozen=True)
class Merge:
    """A cluster merged into another: its old id, when, and the override that asked for it."""

    cluster: str
    when: datetime
    override: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"cluster": self.cluster, "when": self.when.isoformat(), "override": self.override}


@dataclass(frozen=True)
class ClusterReport:
    """One duplicate cluster: its members, the clusters merged into it, its story."""

    id: str
    story: str
    members: tuple[Member, ...]
    merged: tuple[Merge, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": "cluster",
            "id": self.id,
            "story": self.story,
            "members": [m.as_dict() for m in self.members],
            "merged": [m.as_dict() for m in self.merged],
        }


@dataclass(frozen=True)
class StoryCluster:
    """One cluster of a story: its representative article and why it joined the story.

    ``rule`` is ``founded`` (its cluster started the story), ``story``
    (joined on story terms: ``link`` is the average link over the story's
    members in the window, ``links`` how many members it resembled,
    ``best_article``/``best`` the closest one), ``merged`` (a person merged
    stories, ``override``; or its cluster was merged into one of the story)
    or ``unknown``.
    """

    cluster: str
    articles: int
    lead: Member
    representative: bool
    rule: str
    link: float | None = None
    links: int | None = None
    best_article: int | None = None
    best: float | None = None
    override: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "cluster": self.cluster,
            "articles": self.articles,
            **self.lead.article_dict(),
            "representative": self.representative,
            "rule": self.rule,
            "link": _round(self.link),
            "links": self.links,
            "best_article": self.best_article,
            "best": _round(self.best),
            "override": self.override,
        }


@dataclass(frozen=True)
class StoryReport:
    id: str
    clusters: tuple[StoryCluster, ...]

    def as_dict(self) -> dict[str, object]:
        return {"kind": "story", "id": self.id, "clusters": [c.as_dict() for c in self.clusters]}


@dataclass(frozen=True)
class ArticleReport:
    """One article (``dupes show ARTICLE``): how it joined its cluster, and the cluster."""

    member: Member
    cluster: str
    story: str

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": "article",
            **self.member.as_dict(),
            "cluster": self.cluster,
            "story": self.story,
        }


Report = ArticleReport | ClusterReport | StoryReport


def _round(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


# -- reading -------------------------------------------------------------------


def listing(store: Store, limit: int = DEFAULT_LIMIT) -> list[Report]:
    """Clusters of more than one article, then stories of more than one cluster.

    Each list is the ``limit`` most recently updated.
    """
    reports: list[Report] = [cluster_report(store, c) for c in store.clusters_with_copies(limit)]
    reports += [story_report(store, s) for s in store.stories_with_clusters(limit)]
    return reports


def show(store: Store, ident: str) -> list[Report]:
    """Everything ``ident`` names: an article (and its cluster), a cluster, a story.

    Cluster and story ids are both UUIDs, and a story's id is the id of the
    cluster that founded it, so one id can name both: then both are shown.
    An id of a cluster merged away shows the cluster it lives on in.
    """
    ident = ident.strip()
    if ident.isdigit():
        stored = stored_article(store, int(ident))
        cluster = cluster_report(store, stored.cluster)
        member = next(m for m in cluster.members if m.id == stored.id)
        reports: list[Report] = [ArticleReport(member, cluster.id, cluster.story), cluster]
        if len(store.story_clusters([cluster.story]).get(cluster.story, [])) > 1:
            reports.append(story_report(store, cluster.story))
        return reports
    reports = []
    live = store.resolve_cluster(ident)
    if live is not None:
        reports.append(cluster_report(store, live))
    if store.story_exists(ident):
        reports.append(story_report(store, ident))
    if not reports:
        raise DupesError(f"no article, cluster or story with id {ident!r}")
    return reports


def cluster_report(store: Store, cluster: str) -> ClusterReport:
    members = store.cluster_members(cluster)
    if not members:
        raise DupesError(f"no cluster with id {cluster!r}")
    merges = store.aliases_of(cluster)
    founded = {cluster, *(alias for alias, _ in merges)}
    reasons = store.dedup_reasons(m.id for m in members)
    splits = {int(str(o["article"])): int(str(o["id"])) for o in store.overrides("split")}
    merge_overrides = {str(o["b"]): int(str(o["id"])) for o in store.overrides("merge")}
    rep = dedup.representative(members)
    out = []
    for m in members:
        out.append(_member(m, m.id == rep.id, cluster, founded, reasons.get(m.id), splits))
    return ClusterReport(
        cluster,
        store.story_of(cluster),
        tuple(out),
        tuple(Merge(alias, when, merge_overrides.get(alias)) for alias, when in merges),
    )


def _member(
    m: StoredArticle,
    representative: bool,
    cluster: str,
    founded: set[str],
    reason: dict[str, object] | None,
    splits: dict[int, int],
) -> Member:
    a = m.article
    base = Member.of(m, representative, "unknown")
    own = dedup.new_cluster_id(a.source, a.guid)
    if m.id in splits:
        return _with(base, rule="split", override=splits[m.id])
    if reason is not None:
        return _with(
            base,
            rule=str(reason["rule"]),
            similarity=as_float(reason["score"]),
            matched=as_int(reason["matched"]),
        )
    if own == cluster:
        return _with(base, rule="founded")
    if own in founded:
        return _with(base, rule="merged", via=own)
    return base


def _with(member: Member, **changes: object) -> Member:
    return replace(member, **changes)  # type: ignore[arg-type]


def story_report(store: Store, sid: str) -> StoryReport:
    clusters = store.story_clusters([sid]).get(sid, [])
    if not clusters:
        raise DupesError(f"no story with id {sid!r}")
    groups = {c: store.cluster_members(c) for c in clusters}
    groups = {c: m for c, m in groups.items() if m}
    reps = {c: dedup.representative(m) for c, m in groups.items()}
    lead = dedup.representative(list(reps.values())) if reps else None
    reasons = store.story_reasons(groups)
    merged_by = {
        str(c): int(str(o["id"]))
        for o in store.overrides("merge-story")
        if str(o["a"]) == sid
        for c in strings_of(o["detail"], "clusters")
    }
    out = []
    for c, members in groups.items():
        rep = reps[c]
        view = Member.of(rep, False, "")
        reason = reasons.get(c)
        common = (c, len(members), view, rep is lead)
        if c in merged_by:
            out.append(StoryCluster(*common, "merged", override=merged_by[c]))
        elif c == sid:
            out.append(StoryCluster(*common, "founded"))
        elif reason is not None and reason["story"] == sid:
            out.append(
                StoryCluster(
                    *common,
                    "story",
                    link=as_float(reason["link"]),
                    links=as_int(reason["links"]),
                    best_article=as_int(reason["best_article"]),
                    best=as_float(reason["best"]),
                )
            )
        else:
            out.append(StoryCluster(*common, "unknown"))
    return StoryReport(sid, tuple(out))


def strings_of(detail: object, key: str) -> list[str]:
    values = detail.get(key, []) if isinstance(detail, dict) else []
    return [str(v) for v in values] if isinstance(values, list | dict) else []


def as_float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def as_int(value: object) -> int | None:
    return int(value) if isinstance(value, int) else None


def stored_article(store: Store, article_id: int) -> StoredArticle:
    try:
        return store.get_by_id(article_id)
    except JJFeedError:
        raise DupesError(f"no article with id {article_id}") from None


# -- rendering for a terminal ------------------------------------------------------


def render(report: Report) -> str:
    """A few readable lines for one report (``--json`` gives the same as objects)."""
    if isinstance(report, ArticleReport):
        m = report.member
        return (
            f"article #{m.id} · {m.source} · {_dates(m)} · cluster {report.cluster}\n"
            f"  {m.title}\n  {m.url or '(no url)'}\n  {_why(m)}"
        )
    if isinstance(report, ClusterReport):
        count = _plural(len(report.members), "article")
        lines = [f"cluster {report.id} · {count} · story {report.story}"]
        for m in report.members:
            mark = "*" if m.representative else " "
            lines.append(f"  {mark} #{m.id} {m.source} · {_dates(m)} · {m.title}")
            lines.append(f"      {m.url or '(no url)'}")
            lines.append(f"      {_why(m)}")
        for merged in report.merged:
            by = f" by override {merged.override}" if merged.override is not None else ""
            lines.append(f"  merged in: cluster {merged.cluster} ({_when(merged.when)}{by})")
        return "\n".join(lines)
    lines = [f"story {report.id} · {len(report.clusters)} clusters"]
    for c in report.clusters:
        mark = "*" if c.representative else " "
        count = _plural(c.articles, "article")
        lines.append(f"  {mark} cluster {c.cluster} · {count}")
        lines.append(f"      #{c.lead.id} {c.lead.source} · {c.lead.title}")
        lines.append(f"      {_story_why(c)}")
    return "\n".join(lines)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _when(value: datetime) -> str:
    return value.isoformat(timespec="minutes").replace("T", " ")[:16]


def _dates(m: Member) -> str:
    """When jjfeed first saw the article, and the day its source dates it when that is
    another: a copy filed today of a post from 2017 says so."""
    seen = _when(m.first_seen)
    if m.published is None or m.published.date() == m.first_seen.date():
        return seen
    return f"{seen}, published {m.published.date().isoformat()}"


def _why(m: Member) -> str:
    if m.rule == "founded":
        return "founded the cluster"
    if m.rule == "merged":
        return f"founded cluster {m.via}, merged into this one"
    if m.rule == "split":
        return f"split off by override {m.override}"
    if m.rule == "unknown":
        return "joined before jjfeed recorded reasons"
    score = f" {m.similarity:.3f}" if m.similarity is not None else ""
    target = f" with #{m.matched}" if m.matched is not None else ""
    return f"{m.rule}{score}{target}"


def _story_why(c: StoryCluster) -> str:
    if c.rule == "founded":
        return "founded the story"
    if c.rule == "merged":
        return f"merged in by override {c.override}"
    if c.rule == "unknown":
        return "joined with no recorded evidence (a merge of copies, or before jjfeed kept it)"
    best = f"; closest #{c.best_article} {c.best:.3f}" if c.best is not None else ""
    alike = f"{c.links} member{'' if c.links == 1 else 's'}"
    return f"story terms: average link {c.link or 0:.3f} over the story, {alike} alike{best}"
