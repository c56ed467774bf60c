"""The duplicate and story indexes: signatures, LSH band keys, story terms and keys, furniture."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from ..model import Signature
from .base import TERMS_CACHE, _ts
from .clusters import ClustersMixin


class IndexMixin(ClustersMixin):
    """Needs the clusters part: a story candidate comes with its story."""

    def put_story_terms(
        self,
        article_id: int,
        at: datetime,
        terms: Iterable[str],
        keys: Iterable[int],
        *,
        new: bool = False,
    ) -> None:
        """Replace an article's story terms (dated ``at``) and story band keys.

        ``new``: the article has none yet, so there is nothing to delete.
        """
        self._terms.pop(article_id, None)
        stamp = _ts(at)
        self._db.execute(
            "INSERT OR REPLACE INTO story_terms (article, at, terms) VALUES (?, ?, ?)",
            (article_id, stamp, "\n".join(sorted(terms))),
        )
        if not new:
            self._db.execute("DELETE FROM story_keys WHERE article = ?", (article_id,))
        self._db.executemany(
            "INSERT OR IGNORE INTO story_keys (key, at, article) VALUES (?, ?, ?)",
            [(k, stamp, article_id) for k in keys],
        )

    def clear_story_terms(self) -> None:
        self._terms.clear()
        self._db.execute("DELETE FROM story_keys")
        self._db.execute("DELETE FROM story_terms")

    def story_candidates(
        self,
        keys: Sequence[int],
        start: datetime,
        end: datetime,
        per_key: int = 50,
        min_shared: int = 1,
    ) -> list[tuple[int, str, frozenset[str]]]:
        """``(article, story, terms)`` for articles dated in ``[start, end]`` sharing a story key.

        See :meth:`story_candidate_terms`; each candidate comes with its story.
        """
        found = self.story_candidate_terms(keys, start, end, per_key, min_shared)
        stories = self.stories_of_articles([i for i, _ in found])
        return [(i, stories[i], terms) for i, terms in found if i in stories]

    def story_candidate_terms(
        self,
        keys: Sequence[int],
        start: datetime,
        end: datetime,
        per_key: int = 50,
        min_shared: int = 1,
    ) -> list[tuple[int, frozenset[str]]]:
        """``(article, terms)`` for articles dated in ``[start, end]`` sharing a story key.

        At most ``per_key`` articles per key, the latest dated: a key shared by
        hundreds of articles in the window stands for a term as common as a
        stopword this week, and a story it belongs to has other keys. Each
        key is one range of ``story_keys``, so the cost is that of the
        window's rows under the key, never of the archive's. Only articles
        under at least ``min_shared`` of the keys are candidates.
        """
        unique = list(dict.fromkeys(keys))
        shared: Counter[int] = Counter()
        lo, hi = _ts(start), _ts(end)
        for chunk_start in range(0, len(unique), 64):
            chunk = unique[chunk_start : chunk_start + 64]
            one = """SELECT * FROM (SELECT article FROM story_keys
                     WHERE key = ? AND at BETWEEN ? AND ? ORDER BY at DESC, article DESC LIMIT ?)"""
            # Counted in SQL: a full window puts ~1,600 rows behind every new article.
            whole = len(unique) <= 64  # one statement sees every key: filter there too
            rows = self._db.execute(
                "SELECT article, count(*) FROM ("
                + " UNION ALL ".join([one] * len(chunk))
                + ") GROUP BY article"
                + (" HAVING count(*) >= ?" if whole else ""),
                [v for key in chunk for v in (key, lo, hi, per_key)]
                + ([min_shared] if whole else []),
            )
            for article, n in rows:
                shared[int(article)] += int(n)
        ids = sorted(i for i, n in shared.items() if n >= min_shared)
        self._load_terms(i for i in ids if i not in self._terms)
        return [(i, self._terms[i]) for i in ids if i in self._terms]

    def _load_terms(self, article_ids: Iterable[int]) -> None:
        """Parse and remember the story terms of these articles.

        The same recent articles come back as candidates for article after
        article of a run (the latest under each common key), so each term
        set is read and parsed once per connection, not once per candidacy.
        Only :meth:`put_story_terms` changes an article's terms, and it
        forgets them here.
        """
        ids = list(article_ids)
        if len(self._terms) + len(ids) > TERMS_CACHE:
            self._forget()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT article, terms FROM story_terms WHERE article IN ({marks})", chunk
            )
            self._terms.update((int(r[0]), frozenset(str(r[1]).split("\n"))) for r in rows)

    def put_signature(self, article_id: int, signature: Signature) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO signatures (article, params, hashvalues) VALUES (?, ?, ?)",
            (article_id, signature.params, signature.hashvalues),
        )

    def signatures(self, since: datetime | None = None) -> Iterator[tuple[int, Signature]]:
        """Stored signatures of articles fetched at or after ``since`` (all when None)."""
        query = "SELECT s.article, s.params, s.hashvalues FROM signatures s"
        args: tuple[object, ...] = ()
        if since is not None:
            query += " JOIN articles a ON a.id = s.article WHERE a.fetched_at >= ?"
            args = (_ts(since),)
        for row in self._db.execute(query, args):
            yield int(row[0]), Signature(row[1], bytes(row[2]))

    def put_bands(self, article_id: int, keys: Iterable[int], *, new: bool = False) -> None:
        """Replace an article's LSH band keys (``new``: it has none yet, nothing to delete)."""
        if not new:
            self._db.execute("DELETE FROM lsh WHERE article = ?", (article_id,))
        self._db.executemany(
            "INSERT OR IGNORE INTO lsh (key, article) VALUES (?, ?)",
            [(k, article_id) for k in keys],
        )

    def band_candidates(self, keys: Sequence[int], since: datetime | None = None) -> list[int]:
        """Articles sharing at least one band key, fetched at or after ``since``."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        query = "SELECT DISTINCT l.article FROM lsh l"
        args: list[object] = list(keys)
        if since is not None:
            query += " JOIN articles a INDEXED BY articles_by_id ON a.id = l.article"
        query += f" WHERE l.key IN ({marks})"
        if since is not None:
            query += " AND a.fetched_at >= ?"
            args.append(_ts(since))
        return sorted(int(r[0]) for r in self._db.execute(query, args))

    def band_keys(self, article_id: int) -> list[int]:
        """An article's stored LSH band keys, in key order."""
        rows = self._db.execute("SELECT key FROM lsh WHERE article = ? ORDER BY key", (article_id,))
        return [int(r[0]) for r in rows]

    def story_keys_of(self, article_id: int) -> list[int]:
        """An article's stored story band keys, in key order."""
        rows = self._db.execute(
            "SELECT key FROM story_keys WHERE article = ? ORDER BY key", (article_id,)
        )
        return [int(r[0]) for r in rows]

    def clear_bands(self) -> None:
        self._db.execute("DELETE FROM lsh")

    def furniture_counts(
        self, source: str, fingerprints: Iterable[str]
    ) -> dict[str, tuple[int, int]]:
        """``{fingerprint: (articles, words)}`` for the given fingerprints of one source."""
        rows = self.furniture_rows(source, fingerprints)
        return {fp: (articles, words) for fp, (articles, words, _) in rows.items()}

    def furniture_total(self, source: str) -> int:
        """How many of a source's articles the furniture counts have seen."""
        row = self._db.execute(
            "SELECT articles FROM furniture_sources WHERE source = ?", (source,)
        ).fetchone()
        return int(row[0]) if row else 0

    def furniture_rows(
        self, source: str, fingerprints: Iterable[str]
    ) -> dict[str, tuple[int, int, int]]:
        """``{fingerprint: (articles, words, since)}``: ``since`` is how many of the source's
        articles had been counted before the block first appeared."""
        fps = list(dict.fromkeys(fingerprints))
        out: dict[str, tuple[int, int, int]] = {}
        for start in range(0, len(fps), 500):
            chunk = fps[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT fingerprint, articles, words, since FROM furniture"
                f" WHERE source = ? AND fingerprint IN ({marks})",
                [source, *chunk],
            )
            out.update({r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows})
        return out

    def add_furniture(
        self,
        source: str,
        counts: dict[str, tuple[int, int]],
        when: datetime,
        *,
        counted: int = 0,
    ) -> None:
        """Add ``{fingerprint: (new articles, words)}`` to a source's furniture counts.

        ``counted``: the articles these counts come from; a block seen for the
        first time records how many the source had before them (its ``since``).
        """
        before = self.furniture_total(source)
        self._db.executemany(
            """INSERT INTO furniture (source, fingerprint, articles, words, last_seen, since)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (source, fingerprint) DO UPDATE SET
                   articles = articles + excluded.articles, last_seen = excluded.last_seen""",
            [(source, fp, n, words, _ts(when), before) for fp, (n, words) in counts.items()],
        )
        self._db.execute(
            """INSERT INTO furniture_sources (source, articles) VALUES (?, ?)
               ON CONFLICT (source) DO UPDATE SET articles = articles + excluded.articles""",
            (source, counted),
        )
