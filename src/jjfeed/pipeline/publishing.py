"""Publishing: the newest clusters and their stories, loaded from the store and written out."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from .. import dedup, publish, tag
from ..config import Config
from ..lock import RunLock
from ..model import Cluster, RunReport
from ..store import Store, require_database

log = logging.getLogger("jjfeed.pipeline")

COVERAGE_LIMIT = 10


# -- publishing ----------------------------------------------------------------


def load_clusters(store: Store, limit: int, group: str = "cluster") -> list[Cluster]:
    """The feed's entries: one per duplicate cluster (default) or one per story.

    Each entry carries the other write-ups of its story as ``coverage``
    ("Also covered by"); its ``updated`` moves when that coverage grows.
    """
    if group == "story":
        return _load_stories(store, limit)
    rows = store.recent_clusters(limit)
    loaded = {cid: members for cid, _, members, _ in rows}
    stories = store.story_clusters({sid for *_, sid in rows})
    times = store.cluster_times(c for cids in stories.values() for c in cids)
    clusters = []
    for cid, changed, members, sid in rows:
        others = [c for c in stories.get(sid, []) if c != cid][:COVERAGE_LIMIT]
        coverage = []
        for other in others:
            other_members = loaded.get(other) or store.cluster_members(other)
            if other_members:
                coverage.append(dedup.representative(other_members))
        changed = entry_changed(changed, times.get(cid), [times[o] for o in others if o in times])
        rep = dedup.representative(members)
        clusters.append(
            Cluster(
                cid,
                tuple(members),
                rep,
                changed or rep.fetched_at,
                story=sid,
                coverage=tuple(coverage),
                changed=changed,
            )
        )
    return clusters


def entry_changed(
    changed: datetime | None,
    own: tuple[datetime, datetime] | None,
    others: Sequence[tuple[datetime, datetime]],
) -> datetime | None:
    """When an entry last changed after jjfeed first published it, or None if it never did.

    ``changed`` is when a run last changed the cluster itself; ``own`` and
    ``others`` are ``(created, updated)`` of it and of the other clusters of
    its story: one created later grew the entry's "Also covered by".
    """
    if own is None:
        return changed
    later = [created for created, _ in others if created > own[0]]
    return max([*later, *([changed] if changed else [])], default=None)


def _load_stories(store: Store, limit: int) -> list[Cluster]:
    """One entry per story: its representative write-up, the others as coverage."""
    entries = []
    recent = store.recent_stories(limit)
    stories = store.story_clusters(sid for sid, _ in recent)
    times = store.cluster_times(c for cids in stories.values() for c in cids)
    for sid, _ in recent:
        cids = [c for c in stories.get(sid, []) if store.cluster_members(c)]
        groups = [store.cluster_members(c) for c in cids]
        if not groups:
            continue
        reps = [dedup.representative(members) for members in groups]
        lead = dedup.representative(reps)
        lead_cluster = cids[reps.index(lead)]
        members = groups[reps.index(lead)]
        coverage = tuple(r for r in reps if r is not lead)[:COVERAGE_LIMIT]
        own = times.get(lead_cluster)
        changed = entry_changed(
            own[1] if own and own[1] > own[0] else None,
            own,
            [times[c] for c in cids if c != lead_cluster and c in times],
        )
        entries.append(
            Cluster(
                sid,
                tuple(members),
                lead,
                changed or lead.fetched_at,
                story=sid,
                coverage=coverage,
                changed=changed,
            )
        )
    return entries


def _publish(store: Store, config: Config) -> tuple[tuple[Path, ...], int]:
    clusters = load_clusters(store, publish.window(config.feed, config.outputs), config.group)
    clusters = tag.tag_clusters(clusters, config.tagging)
    done = publish.publish_outputs(
        clusters, config.feed, config.outputs, config.output, config.sources
    )
    for warning in done.warnings:
        log.warning("%s", warning)
    return done.paths, done.entries


def publish_feed(config: Config, *, lock_wait: float = 60) -> RunReport:
    """Write every output from what the store holds, fetching nothing (``jjfeed publish``).

    For a changed ``outputs:``, ``tags:`` or ``group:`` in feeds.yaml, or
    output files lost, without waiting for the next run. It takes the run
    lock like a run, so it never writes while a run is filing.
    """
    require_database(config.database)  # a mistyped --db must not publish an empty feed
    with RunLock(config.database, wait=lock_wait), Store(config.database, must_exist=True) as store:
        paths, entries = _publish(store, config)
    return RunReport((), paths, entries)
