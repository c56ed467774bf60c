"""Explaining and correcting duplicates: what `jjfeed dupes` shows and changes.

A merge nobody can see or undo is the bug aggregator users resent most, so
every decision the dedup stage takes is recorded when it is taken (the rule
and similarity that joined a copy to its cluster, the story evidence that
joined a cluster to its story), and a person can overrule it:

- ``split ARTICLE`` takes one article out of its cluster into a cluster of
  its own. The cluster keeps its id (and its feed entry); the article gets a
  new one. Later runs keep the two apart: a new article that matches both
  joins the one it matches best and does not merge them; one that matches
  only the split article joins it.
- ``merge ID ID`` makes two clusters one (the older keeps its id, as when
  the pipeline merges); ``merge --story ID ID`` makes two stories one.
- Each is stored as an override; removing it puts things back as far as
  they still are where the override left them.

Pure reading and the decisions live here; every write goes through
:class:`jjfeed.store.Store`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "url": self.url,
            "first_seen": self.first_seen.isoformat(),
            "representative": self.representative,
            "rule": self.rule,
            "similarity": _round(self.similarity),
            "matched": self.matched,
            "via": self.via,
            "override": self.override,
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
            "id": self.lead.id,
            "source": self.lead.source,
            "title": self.lead.title,
            "url": self.lead.url,
            "first_seen": self.lead.first_seen.isoformat(),
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
        stored = _article(store, int(ident))
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
    base = Member(m.id, a.source, a.title, a.url, m.fetched_at, representative, "unknown")
    own = dedup.new_cluster_id(a.source, a.guid)
    if m.id in splits:
        return _with(base, rule="split", override=splits[m.id])
    if reason is not None:
        score = reason["score"]
        matched = reason["matched"]
        return _with(
            base,
            rule=str(reason["rule"]),
            similarity=float(score) if isinstance(score, int | float) else None,
            matched=int(matched) if isinstance(matched, int) else None,
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
        for c in _strings(o["detail"], "clusters")
    }
    out = []
    for c, members in groups.items():
        rep = reps[c]
        a = rep.article
        view = Member(rep.id, a.source, a.title, a.url, rep.fetched_at, False, "")
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
                    link=_float(reason["link"]),
                    links=_int(reason["links"]),
                    best_article=_int(reason["best_article"]),
                    best=_float(reason["best"]),
                )
            )
        else:
            out.append(StoryCluster(*common, "unknown"))
    return StoryReport(sid, tuple(out))


def _strings(detail: object, key: str) -> list[str]:
    values = detail.get(key, []) if isinstance(detail, dict) else []
    return [str(v) for v in values] if isinstance(values, list | dict) else []


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int) else None


def _article(store: Store, article_id: int) -> StoredArticle:
    try:
        return store.get_by_id(article_id)
    except JJFeedError:
        raise DupesError(f"no article with id {article_id}") from None


# -- correcting ------------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    """One stored correction, as `jjfeed dupes overrides` lists it."""

    id: int
    kind: str
    article: int | None
    a: str
    b: str
    created: str

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "article": self.article,
            "a": self.a,
            "b": self.b,
            "created": self.created,
        }

    def describe(self) -> str:
        if self.kind == "split":
            return f"split article #{self.article} out of cluster {self.a} into {self.b}"
        if self.kind == "merge":
            return f"merged cluster {self.b} into {self.a}"
        return f"merged story {self.b} into {self.a}"


def overrides(store: Store) -> list[Override]:
    return [
        Override(
            int(str(o["id"])),
            str(o["kind"]),
            _int(o["article"]),
            str(o["a"]),
            str(o["b"]),
            str(o["created"]),
        )
        for o in store.overrides()
    ]


def check_backend(backend: str) -> None:
    """Corrections change clusters in this store only; a shared Redis index would disagree."""
    if backend != "sqlite":
        raise DupesError(
            f"split and merge need dedup.backend: sqlite (this config uses {backend}): the "
            "shared index on other workers would keep the old clusters"
        )


def split(store: Store, article_id: int, now: datetime) -> Override:
    """Take one article out of its cluster into a cluster of its own; remember it.

    The cluster keeps its id, so its feed entry stays; the article's new
    cluster starts its own story (the merge that is undone here was the only
    thing tying them; `merge --story` ties them again if they are one story).
    """
    stored = _article(store, article_id)
    old = stored.cluster
    if len(store.cluster_members(old)) < 2:
        raise DupesError(f"article {article_id} is alone in cluster {old}: nothing to split")
    new = _free_split_id(store, stored)
    reason = store.dedup_reasons([article_id]).get(article_id)
    with store.transaction():
        store.drop_alias(new)  # the id an earlier, undone split gave it: it comes back
        store.create_cluster(new, stored.fetched_at)
        store.move_articles([article_id], new)
        store.touch_cluster(new, now)
        store.touch_cluster(old, now)
        oid = store.add_override("split", article_id, old, new, {"reason": reason}, now)
    return _one(store, oid)


def _free_split_id(store: Store, stored: StoredArticle) -> str:
    """The article's split cluster id: the same every time, unless that cluster is live."""
    for attempt in range(1000):
        guid = stored.article.guid if attempt == 0 else f"{stored.article.guid}\x00{attempt}"
        candidate = dedup.split_cluster_id(stored.article.source, guid)
        if not store.cluster_exists(candidate):
            return candidate
    raise DupesError(f"article {stored.id}: no free cluster id to split it into")


def merge(store: Store, idents: Sequence[str], now: datetime, *, stories: bool = False) -> Override:
    """Make two clusters (or, with ``stories``, two stories) one; remember it.

    Ids may be article ids (their cluster or story), cluster ids (a merged
    away one stands for the cluster it lives on in) or story ids.
    """
    if len(idents) != 2:
        raise DupesError(f"merge takes two ids, got {len(idents)}")
    if stories:
        return _merge_stories(store, [_story_id(store, i) for i in idents], now)
    first, second = (_cluster_id(store, i) for i in idents)
    if first == second:
        raise DupesError(f"{idents[0]} and {idents[1]} are already one cluster ({first})")
    for o in overrides(store):
        if o.kind == "split" and o.article is not None:
            pair = {store.cluster_of(o.article), store.resolve_cluster(o.a)}
            if pair == {first, second}:
                raise DupesError(
                    f"override {o.id} ({o.describe()}) keeps these clusters apart; "
                    f"remove it first: jjfeed dupes overrides --remove {o.id}"
                )
    keep = dedup.survivor(store.cluster_created([first, second]))
    gone = second if keep == first else first
    moved = [m.id for m in store.cluster_members(gone)]
    gone_story = store.story_of(gone)
    restories = {c: gone_story for c in store.story_clusters([gone_story]).get(gone_story, [])}
    created = store.cluster_created([gone])[gone]
    detail: dict[str, object] = {
        "articles": moved,
        "stories": restories,
        "created": created.isoformat(),
    }
    with store.transaction():
        store.merge_clusters(keep, [gone], now)
        oid = store.add_override("merge", None, keep, gone, detail, now)
    return _one(store, oid)


def _merge_stories(store: Store, ids: list[str], now: datetime) -> Override:
    first, second = ids
    if first == second:
        raise DupesError(f"already one story ({first})")
    clusters = store.story_clusters([first, second])
    oldest = {s: min(store.cluster_created(clusters.get(s, [])).values(), default=now) for s in ids}
    keep = dedup.survivor(oldest)
    gone = second if keep == first else first
    moved = clusters.get(gone, [])
    with store.transaction():
        store.set_stories(dict.fromkeys(moved, keep))
        for c in moved:
            store.touch_cluster(c, now)
        oid = store.add_override("merge-story", None, keep, gone, {"clusters": moved}, now)
    return _one(store, oid)


def remove(store: Store, override_id: int, now: datetime) -> Override:
    """Forget an override and undo what it did, as far as things are still where it left them.

    A split: the article's cluster (with any copies that joined it since)
    goes back into the cluster it was split from, which keeps its id. A
    merge: the articles it moved that are still in the merged cluster go
    back under their old cluster id (so its feed entry id returns), with
    their old stories. A story merge: the clusters it moved that are still
    in the story go back to their old story.
    """
    found = [o for o in store.overrides() if o["id"] == override_id]
    if not found:
        raise DupesError(f"no override {override_id} (see: jjfeed dupes overrides)")
    o = found[0]
    kind, a, b, detail = str(o["kind"]), str(o["a"]), str(o["b"]), o["detail"]
    assert isinstance(detail, dict)
    result = _one(store, override_id)
    with store.transaction():
        if kind == "split":
            _undo_split(store, int(str(o["article"])), a, detail, now)
        elif kind == "merge":
            _undo_merge(store, a, b, detail, now)
        else:
            _undo_story_merge(store, a, b, detail, now)
        store.delete_override(override_id)
    return result


def _undo_split(
    store: Store, article_id: int, a: str, detail: dict[str, object], now: datetime
) -> None:
    target = store.resolve_cluster(a)
    current = store.cluster_of(article_id)
    if target is None or target == current:
        return
    store.merge_clusters(target, [current], now)
    reason = detail.get("reason")
    if isinstance(reason, dict):
        score, matched = reason.get("score"), reason.get("matched")
        store.put_dedup_reason(
            article_id,
            str(reason["rule"]),
            float(score) if isinstance(score, int | float) else None,
            int(matched) if isinstance(matched, int) else None,
            now,
        )


def _undo_merge(store: Store, a: str, b: str, detail: dict[str, object], now: datetime) -> None:
    keep = store.resolve_cluster(a)
    if keep is None:
        return
    still = {m.id for m in store.cluster_members(keep)}
    articles = list(_ints(detail.get("articles")))
    back = [i for i in articles if i in still]
    if not back or len(back) == len(still):
        return  # nothing left to take out, or nothing would stay: leave it whole
    stories = detail.get("stories")
    old_stories = {str(k): str(v) for k, v in stories.items()} if isinstance(stories, dict) else {}
    created = datetime.fromisoformat(str(detail.get("created") or now.isoformat()))
    store.drop_alias(b)
    store.create_cluster(b, created, old_stories.get(b, b))
    store.move_articles(back, b)
    keep_story = store.story_of(keep)
    restore = {
        c: s
        for c, s in old_stories.items()
        if c != b and store.cluster_exists(c) and store.story_of(c) == keep_story
    }
    store.set_stories(restore)
    store.touch_cluster(b, now)
    store.touch_cluster(keep, now)


def _undo_story_merge(
    store: Store, a: str, b: str, detail: dict[str, object], now: datetime
) -> None:
    moved = _strings(detail, "clusters")
    back = {c: b for c in moved if store.cluster_exists(c) and store.story_of(c) == a}
    store.set_stories(back)
    for c in back:
        store.touch_cluster(c, now)


def _ints(values: object) -> Iterable[int]:
    return [v for v in values if isinstance(v, int)] if isinstance(values, list) else []


def _one(store: Store, override_id: int) -> Override:
    return next(o for o in overrides(store) if o.id == override_id)


def _cluster_id(store: Store, ident: str) -> str:
    ident = ident.strip()
    if ident.isdigit():
        return _article(store, int(ident)).cluster
    live = store.resolve_cluster(ident)
    if live is None:
        raise DupesError(f"no article or cluster with id {ident!r}")
    return live


def _story_id(store: Store, ident: str) -> str:
    ident = ident.strip()
    if ident.isdigit():
        return store.story_of(_article(store, int(ident)).cluster)
    if store.story_exists(ident):
        return ident
    live = store.resolve_cluster(ident)
    if live is None:
        raise DupesError(f"no article, cluster or story with id {ident!r}")
    return store.story_of(live)


# -- rendering for a terminal ------------------------------------------------------


def render(report: Report) -> str:
    """A few readable lines for one report (``--json`` gives the same as objects)."""
    if isinstance(report, ArticleReport):
        m = report.member
        return (
            f"article #{m.id} · {m.source} · {_when(m.first_seen)} · cluster {report.cluster}\n"
            f"  {m.title}\n  {m.url or '(no url)'}\n  {_why(m)}"
        )
    if isinstance(report, ClusterReport):
        count = _plural(len(report.members), "article")
        lines = [f"cluster {report.id} · {count} · story {report.story}"]
        for m in report.members:
            mark = "*" if m.representative else " "
            lines.append(f"  {mark} #{m.id} {m.source} · {_when(m.first_seen)} · {m.title}")
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
    return f"story terms: average link {c.link or 0:.3f} over {c.links} articles{best}"
