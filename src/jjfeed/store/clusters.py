"""Clusters and stories: membership, merges and aliases, dates, and what the feed shows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from ..errors import StoreError
from ..model import StoredArticle
from .articles import _stored
from .base import EPOCH_UTC, StoreBase, _dt, _ts


class ClustersMixin(StoreBase):
    def clusters_of(self, article_ids: Iterable[int]) -> set[str]:
        ids = list(article_ids)
        rows = self._rows_in(
            "SELECT DISTINCT cluster FROM articles INDEXED BY articles_by_id WHERE id IN ({marks})",
            ids,
        )
        return {str(r[0]) for r in rows}

    def cluster_created(self, clusters: Iterable[str]) -> dict[str, datetime]:
        ids = list(clusters)
        rows = self._rows_in("SELECT id, created FROM clusters WHERE id IN ({marks})", ids)
        return {str(r[0]): _dt(r[1]) or datetime.now(UTC) for r in rows}

    def merge_clusters(self, survivor: str, others: Iterable[str], when: datetime) -> None:
        """Move every member of ``others`` into ``survivor``; remember the old ids as aliases.

        Copies of one article are one story too: the stories of ``others``
        join the survivor's story.
        """
        story = self.story_of(survivor)
        for other in others:
            if other == survivor:
                continue
            self._forget()
            self._db.execute(
                "UPDATE clusters SET story = ? WHERE story = (SELECT story FROM clusters WHERE id = ?)",
                (story, other),
            )
            self._db.execute("UPDATE articles SET cluster = ? WHERE cluster = ?", (survivor, other))
            self._db.execute(
                "UPDATE cluster_aliases SET cluster = ? WHERE cluster = ?", (survivor, other)
            )
            self._db.execute(
                "INSERT INTO cluster_aliases (alias, cluster, merged) VALUES (?, ?, ?) ON CONFLICT (alias)"
                " DO UPDATE SET cluster = excluded.cluster, merged = excluded.merged",
                (other, survivor, _ts(when)),
            )
            self._db.execute("DELETE FROM clusters WHERE id = ?", (other,))
        self.touch_cluster(survivor, when)

    def create_cluster(self, cluster: str, when: datetime, story: str | None = None) -> None:
        """A new cluster; it founds its own story unless ``story`` names one to join."""
        self._db.execute(
            "INSERT INTO clusters (id, created, updated, story) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (id) DO NOTHING",
            (cluster, _ts(when), _ts(when), story or cluster),
        )

    def set_story(self, cluster: str, story: str) -> None:
        self._story.pop(cluster, None)
        self._db.execute("UPDATE clusters SET story = ? WHERE id = ?", (story, cluster))

    def story_of(self, cluster: str) -> str:
        row = self._db.execute("SELECT story FROM clusters WHERE id = ?", (cluster,)).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: no cluster {cluster}")
        return str(row[0] or cluster)

    def clusters_of_articles(
        self, article_ids: Sequence[int], *, fresh: bool = False
    ) -> dict[int, str]:
        """The cluster of each article, remembered until clusters merge or move.

        ``fresh``: read them again (a shared store: another worker may have
        merged their clusters since; what a verdict joins must be current).
        """
        missing = [i for i in article_ids if fresh or i not in self._cluster_of]
        rows = self._rows_in(
            "SELECT id, cluster FROM articles INDEXED BY articles_by_id WHERE id IN ({marks})",
            missing,
        )
        self._cluster_of.update((int(r[0]), str(r[1])) for r in rows)
        return {i: self._cluster_of[i] for i in article_ids if i in self._cluster_of}

    def stories_of_articles(self, article_ids: Sequence[int]) -> dict[int, str]:
        """The story of each article, through its cluster; both steps remembered.

        An article's cluster changes only when clusters merge, and a
        cluster's story only by :meth:`set_story` or a merge, which forget
        what they change; so a run looks up each candidate once.
        """
        clusters = set(self.clusters_of_articles(article_ids).values())
        unknown = sorted(c for c in clusters if c not in self._story)
        rows = self._rows_in(
            "SELECT id, coalesce(story, id) FROM clusters WHERE id IN ({marks})", unknown
        )
        self._story.update((str(r[0]), str(r[1])) for r in rows)
        return {
            i: self._story[self._cluster_of[i]]
            for i in article_ids
            if i in self._cluster_of and self._cluster_of[i] in self._story
        }

    def story_sizes(self, stories: Iterable[str], start: datetime, end: datetime) -> dict[str, int]:
        """Members (clusters) of each story with an article dated in ``[start, end]``."""
        rows = self._rows_in(
            """SELECT c.story, count(DISTINCT c.id) FROM clusters c
                JOIN articles a ON a.cluster = c.id
                JOIN story_terms t ON t.article = a.id
                WHERE c.story IN ({marks}) AND t.at BETWEEN ? AND ?
                GROUP BY c.story""",
            list(stories),
            _ts(start),
            _ts(end),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    def story_clusters(self, stories: Iterable[str]) -> dict[str, list[str]]:
        """The clusters of each story, oldest first."""
        ids = list(dict.fromkeys(stories))
        out: dict[str, list[str]] = {}
        rows = self._rows_in(
            "SELECT story, id FROM clusters WHERE story IN ({marks}) ORDER BY created, id", ids
        )
        for r in rows:
            out.setdefault(str(r[0]), []).append(str(r[1]))
        return out

    def cluster_stories(self) -> dict[str, str]:
        """``{cluster: story}`` for every cluster."""
        rows = self._db.execute("SELECT id, coalesce(story, id) FROM clusters")
        return {str(r[0]): str(r[1]) for r in rows}

    def cluster_members(self, cluster: str) -> list[StoredArticle]:
        return [
            _stored(m)
            for m in self._db.execute(
                "SELECT * FROM articles WHERE cluster = ? ORDER BY id", (cluster,)
            )
        ]

    def touch_cluster(self, cluster: str, when: datetime) -> None:
        self._db.execute("UPDATE clusters SET updated = ? WHERE id = ?", (_ts(when), cluster))

    def recent_clusters(
        self, limit: int
    ) -> list[tuple[str, datetime | None, list[StoredArticle], str]]:
        """The ``limit`` newest clusters by their members' dates: id, changed, members, story.

        ``changed`` is when a run last changed the cluster after creating it
        (a copy joined, a member's text changed), ``None`` if none did.
        """
        rows = self._db.execute(
            "SELECT id, created, updated, story FROM clusters ORDER BY dated DESC, id LIMIT ?",
            (limit,),
        ).fetchall()
        out = []
        for row in rows:
            members = self.cluster_members(str(row["id"]))
            if members:
                changed = _dt(row["updated"]) if row["updated"] > row["created"] else None
                out.append((str(row["id"]), changed, members, str(row["story"] or row["id"])))
        return out

    def cluster_times(self, clusters: Iterable[str]) -> dict[str, tuple[datetime, datetime]]:
        """``(created, updated)`` of each cluster that exists."""
        ids = list(dict.fromkeys(clusters))
        out: dict[str, tuple[datetime, datetime]] = {}
        rows = self._rows_in("SELECT id, created, updated FROM clusters WHERE id IN ({marks})", ids)
        for cid, created, updated in rows:
            out[str(cid)] = (_dt(created) or EPOCH_UTC, _dt(updated) or EPOCH_UTC)
        return out

    def recent_stories(self, limit: int) -> list[tuple[str, datetime]]:
        """The ``limit`` stories with the newest clusters, by the clusters' dates.

        Walks the clusters newest first (the ``clusters_dated`` index) and
        stops once ``limit`` stories are seen and the next cluster is older
        than the last of them, instead of grouping every cluster of the
        archive; ties are broken by story id as before.
        """
        if limit <= 0:
            return []
        seen: dict[str, str] = {}
        last: str | None = None  # the date of the limit-th story; ties with it still count
        rows = self._db.execute(
            "SELECT coalesce(story, id), dated FROM clusters WHERE dated IS NOT NULL"
            " ORDER BY dated DESC, id"
        )
        for story, updated in rows:
            if last is not None and updated < last:
                break
            if str(story) not in seen:
                seen[str(story)] = updated
                if len(seen) == limit:
                    last = updated
        ranked = sorted(seen.items(), key=lambda item: item[0])
        ranked.sort(key=lambda item: item[1], reverse=True)
        return [(s, _dt(u) or datetime.now(UTC)) for s, u in ranked[:limit]]

    def cluster_exists(self, cluster: str) -> bool:
        row = self._db.execute("SELECT 1 FROM clusters WHERE id = ?", (cluster,)).fetchone()
        return row is not None

    def story_exists(self, story: str) -> bool:
        row = self._db.execute("SELECT 1 FROM clusters WHERE story = ?", (story,)).fetchone()
        return row is not None

    def resolve_cluster(self, cluster: str) -> str | None:
        """The live cluster ``cluster`` is now (itself, or where a merge took it), or None."""
        if self.cluster_exists(cluster):
            return cluster
        row = self._db.execute(
            "SELECT cluster FROM cluster_aliases WHERE alias = ?", (cluster,)
        ).fetchone()
        return str(row[0]) if row and self.cluster_exists(str(row[0])) else None

    def aliases_of(self, cluster: str) -> list[tuple[str, datetime]]:
        """Clusters merged into ``cluster``: ``(old id, when)``, oldest merge first."""
        rows = self._db.execute(
            "SELECT alias, merged FROM cluster_aliases WHERE cluster = ? ORDER BY merged, alias",
            (cluster,),
        )
        return [(str(r[0]), _dt(r[1]) or datetime.now(UTC)) for r in rows]

    def drop_alias(self, alias: str) -> None:
        self._db.execute("DELETE FROM cluster_aliases WHERE alias = ?", (alias,))

    def move_articles(self, article_ids: Iterable[int], cluster: str) -> None:
        self._db.executemany(
            "UPDATE articles SET cluster = ? WHERE id = ?", [(cluster, i) for i in article_ids]
        )
        self._forget()  # remembered article clusters are stale now

    def set_stories(self, stories: dict[str, str]) -> None:
        """``{cluster: story}``: move each cluster to a story."""
        self._db.executemany(
            "UPDATE clusters SET story = ? WHERE id = ?", [(s, c) for c, s in stories.items()]
        )
        self._forget()  # remembered cluster stories are stale now
