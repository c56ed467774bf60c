"""Correcting duplicates by hand: `jjfeed dupes split`, `merge`, `overrides --remove`.

- ``split ARTICLE`` takes one article out of its cluster into a cluster of
  its own. The cluster keeps its id (and its feed entry); the article gets a
  new one. Later runs keep the two apart: a new article that matches both
  joins the one it matches best and does not merge them; one that matches
  only the split article joins it.
- ``merge ID ID`` makes two clusters one (the older keeps its id, as when
  the pipeline merges); ``merge --story ID ID`` makes two stories one.
- Each is stored as an override; removing it puts things back as far as
  they still are where the override left them.

The decisions live here; every write goes through :class:`jjfeed.store.Store`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from .. import dedup
from ..model import StoredArticle
from ..store import Store
from .dupes import DupesError, as_float, as_int, stored_article, strings_of


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
        return asdict(self)  # every field, as it is: the JSON `jjfeed dupes overrides` prints

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
            as_int(o["article"]),
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
    stored = stored_article(store, article_id)
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
        store.put_dedup_reason(
            article_id,
            str(reason["rule"]),
            as_float(reason.get("score")),
            as_int(reason.get("matched")),
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
    moved = strings_of(detail, "clusters")
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
        return stored_article(store, int(ident)).cluster
    live = store.resolve_cluster(ident)
    if live is None:
        raise DupesError(f"no article or cluster with id {ident!r}")
    return live


def _story_id(store: Store, ident: str) -> str:
    ident = ident.strip()
    if ident.isdigit():
        return store.story_of(stored_article(store, int(ident)).cluster)
    if store.story_exists(ident):
        return ident
    live = store.resolve_cluster(ident)
    if live is None:
        raise DupesError(f"no article, cluster or story with id {ident!r}")
    return store.story_of(live)
