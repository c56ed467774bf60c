"""Articles: their rows and content, bulk loading, and the exact keys they are found by."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import StoreError
from ..model import Article, Signature, StoredArticle
from .base import StoreBase, _dt, _epoch, _ts
from .postings import pack


@dataclass(frozen=True)
class Filed:
    """One article with everything the dedup stage stores for it, for bulk loading.

    :meth:`Store.insert_filed` writes many of these in a few statements, the
    rows the pipeline would write one article at a time (archives imported
    in bulk, benchmark stores), so a large store can be built in minutes.
    """

    article: Article
    canonical_url: str | None
    content_hash: str
    cluster: str
    fetched_at: datetime
    priority: int = 0
    signature: Signature | None = None
    bands: tuple[int, ...] = ()
    story_at: datetime | None = None
    terms: frozenset[str] = frozenset()
    story_keys: tuple[int, ...] = ()
    story: str | None = None


# The columns an article's content fills, in the order of _content_values.
_CONTENT_COLUMNS = (
    "url", "canonical_url", "title", "author", "published", "updated", "tags",
    "text", "html", "summary", "content_hash", "priority", "section", "external_url",
)  # fmt: skip


def _content_values(
    article: Article, canonical_url: str | None, content_hash: str, priority: int
) -> tuple[object, ...]:
    return (
        article.url,
        canonical_url,
        article.title,
        article.author,
        _ts(article.published),
        _ts(article.updated),
        json.dumps(list(article.tags)),
        article.text,
        article.html,
        article.summary,
        content_hash,
        priority,
        article.section,
        article.external_url,
    )


class ArticlesMixin(StoreBase):
    def has(self, source: str, guid: str) -> bool:
        """Whether an article of ``source`` with ``guid`` is stored (without reading it)."""
        row = self._db.execute(
            "SELECT 1 FROM articles WHERE source = ? AND guid = ?", (source, guid)
        ).fetchone()
        return row is not None

    def raw_key(self, source: str, guid: str) -> str | None:
        """What the article of ``source`` with ``guid`` was last stored from (see :meth:`put_raw_key_of`)."""
        row = self._db.execute(
            """SELECT r.key FROM articles a JOIN raw_keys r ON r.article = a.id
               WHERE a.source = ? AND a.guid = ?""",
            (source, guid),
        ).fetchone()
        return str(row[0]) if row else None

    def put_raw_key_of(self, source: str, guid: str, key: str) -> None:
        """Remember what the article of ``source`` with ``guid`` was stored from."""
        self._db.execute(
            """INSERT INTO raw_keys (article, key)
               SELECT id, ? FROM articles WHERE source = ? AND guid = ?
               ON CONFLICT (article) DO UPDATE SET key = excluded.key""",
            (key, source, guid),
        )

    def get(self, source: str, guid: str) -> StoredArticle | None:
        row = self._db.execute(
            "SELECT * FROM articles WHERE source = ? AND guid = ?", (source, guid)
        ).fetchone()
        return _stored(row) if row else None

    def get_by_id(self, article_id: int) -> StoredArticle:
        row = self._db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: no article with id {article_id}")
        return _stored(row)

    def sources_and_titles(self, article_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        """``{article: (source, title)}``: what the source-aware verdict weighs."""
        ids = list(dict.fromkeys(article_ids))
        out: dict[int, tuple[str, str]] = {}
        rows = self._rows_in("SELECT id, source, title FROM articles WHERE id IN ({marks})", ids)
        out.update({int(r[0]): (str(r[1]), str(r[2])) for r in rows})
        return out

    def insert(
        self,
        article: Article,
        *,
        canonical_url: str | None,
        content_hash: str,
        cluster: str,
        priority: int,
        when: datetime,
    ) -> int:
        cur = self._db.execute(
            f"""INSERT INTO articles (source, guid, {", ".join(_CONTENT_COLUMNS)}, cluster, fetched_at)
               VALUES (?, ?, {", ".join("?" * len(_CONTENT_COLUMNS))}, ?, ?)
               RETURNING id""",
            (
                article.source,
                article.guid,
                *_content_values(article, canonical_url, content_hash, priority),
                cluster,
                _ts(when),
            ),
        )
        return int(cur.fetchone()[0])

    def insert_filed(self, items: Sequence[Filed]) -> list[int]:
        """Insert many articles with their clusters, signatures, band keys and story terms.

        Each article gets the next free id, in order; its cluster is created
        (founding ``story``, or its own) unless it exists, and an existing
        cluster's ``updated`` moves to the article's ``fetched_at`` as when
        the pipeline files a duplicate. Call it inside :meth:`transaction`.
        """
        ids = self._backend.next_ids(self._db, len(items))
        for i in ids:
            self._terms.pop(i, None)
        self._db.executemany(
            """INSERT INTO clusters (id, created, updated, story) VALUES (?, ?, ?, ?)
               ON CONFLICT (id) DO UPDATE SET updated = CASE
                   WHEN excluded.updated > clusters.updated THEN excluded.updated
                   ELSE clusters.updated END""",
            [
                (f.cluster, _ts(f.fetched_at), _ts(f.fetched_at), f.story or f.cluster)
                for f in items
            ],
        )
        self._db.executemany(
            f"""INSERT INTO articles
                (id, source, guid, {", ".join(_CONTENT_COLUMNS)}, cluster, fetched_at)
                VALUES (?, ?, ?, {", ".join("?" * len(_CONTENT_COLUMNS))}, ?, ?)""",
            [
                (
                    i,
                    f.article.source,
                    f.article.guid,
                    *_content_values(f.article, f.canonical_url, f.content_hash, f.priority),
                    f.cluster,
                    _ts(f.fetched_at),
                )
                for i, f in zip(ids, items, strict=True)
            ],
        )
        self._db.executemany(
            "INSERT INTO signatures (article, params, hashvalues) VALUES (?, ?, ?)",
            [
                (i, f.signature.params, f.signature.hashvalues)
                for i, f in zip(ids, items, strict=True)
                if f.signature is not None
            ],
        )
        self._db.executemany(
            "INSERT INTO band_keys (article, fetched, keys) VALUES (?, ?, ?)",
            [(i, _epoch(f.fetched_at), pack(f.bands)) for i, f in zip(ids, items, strict=True)],
        )
        self._db.executemany(
            "INSERT INTO story_terms (article, at, terms) VALUES (?, ?, ?)",
            [
                (i, _ts(_story_at(f)), "\n".join(sorted(f.terms)))
                for i, f in zip(ids, items, strict=True)
            ],
        )
        self._db.executemany(
            "INSERT INTO story_keys (article, at, keys) VALUES (?, ?, ?)",
            [
                (i, _epoch(_story_at(f)), pack(f.story_keys))
                for i, f in zip(ids, items, strict=True)
            ],
        )
        return ids

    def replace_content(
        self,
        article_id: int,
        article: Article,
        *,
        canonical_url: str | None,
        content_hash: str,
        priority: int,
    ) -> None:
        """Update a stored article in place (same source and GUID, new content); keep its cluster."""
        assignments = ", ".join(f"{column} = ?" for column in _CONTENT_COLUMNS)
        self._db.execute(
            f"UPDATE articles SET {assignments} WHERE id = ?",
            (*_content_values(article, canonical_url, content_hash, priority), article_id),
        )

    def texts(self, article_ids: Iterable[int]) -> dict[int, str]:
        rows = self._rows_in(
            "SELECT id, text FROM articles WHERE id IN ({marks})", list(article_ids)
        )
        return {int(r["id"]): str(r["text"]) for r in rows}

    def cluster_of(self, article_id: int) -> str:
        row = self._db.execute(
            "SELECT cluster FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: no article with id {article_id}")
        return str(row["cluster"])

    def articles(self) -> Iterator[StoredArticle]:
        for row in self._db.execute("SELECT * FROM articles ORDER BY id"):
            yield _stored(row)

    def exact_matches(
        self,
        guid: str | None,
        canonical_url: str | None,
        content_hash: str | None,
        exclude_sources: Iterable[str] = (),
    ) -> list[tuple[str, int, str]]:
        """``(rule, article, cluster)``: per exact key, the earliest article of each cluster with it.

        Articles of ``exclude_sources`` (``dedup: false``) are never offered.
        """
        excluded = sorted(set(exclude_sources))
        skip = f" AND source NOT IN ({','.join('?' * len(excluded))})" if excluded else ""
        found: list[tuple[str, int, str]] = []
        for rule, column, value in (
            ("guid", "guid", guid),
            ("url", "canonical_url", canonical_url),
            ("content-hash", "content_hash", content_hash),
        ):
            if value:
                rows = self._db.execute(
                    f"SELECT min(id), cluster FROM articles WHERE {column} = ?{skip} "
                    "GROUP BY cluster",
                    (value, *excluded),
                )
                found.extend((rule, int(r[0]), str(r[1])) for r in rows)
        return found

    def candidate_rows(self, article_ids: Iterable[int]) -> dict[int, tuple[str, str, str]]:
        """``{article: (source, cluster, text)}``: what checking an LSH candidate needs."""
        ids = list(article_ids)
        out: dict[int, tuple[str, str, str]] = {}
        rows = self._rows_in(
            "SELECT id, source, cluster, text FROM articles WHERE id IN ({marks})", ids
        )
        out.update({int(r[0]): (str(r[1]), str(r[2]), str(r[3])) for r in rows})
        return out


def _story_at(item: Filed) -> datetime:
    """The date an article's story terms count from, as the pipeline dates them."""
    return item.story_at or item.article.published or item.fetched_at


def _stored(row: Any) -> StoredArticle:
    article = Article(
        source=row["source"],
        guid=row["guid"],
        url=row["url"],
        title=row["title"],
        author=row["author"],
        published=_dt(row["published"]),
        updated=_dt(row["updated"]),
        tags=tuple(json.loads(row["tags"])),
        text=row["text"],
        html=row["html"],
        summary=row["summary"],
        section=row["section"],
        external_url=row["external_url"],
    )
    return StoredArticle(
        id=int(row["id"]),
        article=article,
        canonical_url=row["canonical_url"],
        content_hash=row["content_hash"],
        cluster=row["cluster"],
        fetched_at=_dt(row["fetched_at"]) or datetime.now(UTC),
        priority=int(row["priority"]),
    )
