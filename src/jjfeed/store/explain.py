"""What explains a merge or a link (reasons), and the user's overrides of either."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from .base import StoreBase, _ts

# meta key: the highest override number ever given (see Store.add_override).
OVERRIDES_LAST_ID = "overrides_last_id"


_STORY_REASON = ("story", "article", "link", "links", "best_article", "best", "at")


class ExplanationsMixin(StoreBase):
    def put_dedup_reason(
        self, article_id: int, rule: str, score: float | None, matched: int | None, when: datetime
    ) -> None:
        self.put_dedup_reasons([(article_id, rule, score, matched, when)])

    def put_dedup_reasons(
        self, rows: Iterable[tuple[int, str, float | None, int | None, datetime]]
    ) -> None:
        """Why these articles joined their clusters: ``(article, rule, score, matched, when)``."""
        self._db.executemany(
            "INSERT INTO dedup_reasons (article, rule, score, matched, at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (article) DO UPDATE SET rule = excluded.rule, score = excluded.score,"
            " matched = excluded.matched, at = excluded.at",
            [(a, rule, score, matched, _ts(when)) for a, rule, score, matched, when in rows],
        )

    def dedup_reasons(self, article_ids: Iterable[int]) -> dict[int, dict[str, object]]:
        """``{article: {rule, score, matched, at}}`` for those that joined as duplicates."""
        ids = list(article_ids)
        out: dict[int, dict[str, object]] = {}
        for r in self._rows_in("SELECT * FROM dedup_reasons WHERE article IN ({marks})", ids):
            out[int(r["article"])] = {
                "rule": r["rule"],
                "score": r["score"],
                "matched": r["matched"],
                "at": r["at"],
            }
        return out

    def put_story_reasons(
        self,
        rows: Iterable[tuple[str, str, int | None, float, int, int | None, float | None, datetime]],
    ) -> None:
        """Why these clusters joined their stories: ``(cluster, story, article, link, links,
        best_article, best, when)``."""
        self._db.executemany(
            f"""INSERT INTO story_reasons (cluster, {", ".join(_STORY_REASON)})
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cluster) DO UPDATE SET
                {", ".join(f"{c} = excluded.{c}" for c in _STORY_REASON)}""",
            [(*row[:7], _ts(row[7])) for row in rows],
        )

    def story_reasons(self, clusters: Iterable[str]) -> dict[str, dict[str, object]]:
        """``{cluster: {story, article, link, links, best_article, best, at}}``."""
        ids = list(clusters)
        out: dict[str, dict[str, object]] = {}
        for r in self._rows_in("SELECT * FROM story_reasons WHERE cluster IN ({marks})", ids):
            row = dict(r)
            out[str(row.pop("cluster"))] = row
        return out

    def clusters_with_copies(self, limit: int) -> list[str]:
        """Clusters of more than one article, most recently updated first."""
        rows = self._db.execute(
            """SELECT c.id FROM clusters c JOIN articles a ON a.cluster = c.id
               GROUP BY c.id HAVING count(*) > 1 ORDER BY c.updated DESC, c.id LIMIT ?""",
            (limit,),
        )
        return [str(r[0]) for r in rows]

    def stories_with_clusters(self, limit: int) -> list[str]:
        """Stories of more than one cluster, most recently updated first."""
        rows = self._db.execute(
            """SELECT coalesce(story, id) AS s FROM clusters GROUP BY s
               HAVING count(*) > 1 ORDER BY max(updated) DESC, s LIMIT ?""",
            (limit,),
        )
        return [str(r[0]) for r in rows]

    def add_override(
        self,
        kind: str,
        article_id: int | None,
        a: str,
        b: str,
        detail: dict[str, object],
        when: datetime,
    ) -> int:
        """Record an override under a number never given before, and return the number.

        ``overrides.id`` is a plain rowid, which SQLite hands out again once the
        highest row is deleted; a person who removed override 1 and then saw a
        new "override 1" would take one for the other. The highest number ever
        given lives in ``meta`` (no schema change), so removed numbers stay retired.
        Call it inside a transaction (the number and the row land together).
        """
        highest = self._db.execute("SELECT coalesce(max(id), 0) FROM overrides").fetchone()[0]
        number = max(int(self.get_meta(OVERRIDES_LAST_ID) or 0), int(highest)) + 1
        self._db.execute(
            "INSERT INTO overrides (id, kind, article, a, b, detail, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (number, kind, article_id, a, b, json.dumps(detail), _ts(when)),
        )
        self.set_meta(OVERRIDES_LAST_ID, str(number))
        return number

    def overrides(self, kind: str | None = None) -> list[dict[str, object]]:
        """Every override (``kind`` only, when given), oldest first, ``detail`` decoded."""
        query = "SELECT * FROM overrides"
        args: tuple[object, ...] = ()
        if kind is not None:
            query += " WHERE kind = ?"
            args = (kind,)
        out = []
        for r in self._db.execute(query + " ORDER BY id", args):
            row = dict(r)
            row["detail"] = json.loads(r["detail"])
            out.append(row)
        return out

    def delete_override(self, override_id: int) -> None:
        self._db.execute("DELETE FROM overrides WHERE id = ?", (override_id,))
