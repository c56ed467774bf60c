"""One run, stage by stage: fetch or read, parse, clean, dedup, tag, store, publish.

The only module that knows every stage. Each source is processed on its
own and in its own transaction: a source that fails becomes a ``failed``
:class:`SourceResult` in the report, and nothing another source stored is
lost with it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from . import dedup, fetch, ingest, publish, tag
from .clean import clean_html, clean_page, clean_text, furniture
from .config import Config
from .errors import IngestError, JJFeedError, ParseError
from .lock import RunLock
from .model import (
    Article,
    Cleaned,
    Cluster,
    Fetched,
    RunReport,
    Source,
    SourceResult,
    StoredArticle,
)
from .parse import Parsed
from .store import Store

log = logging.getLogger(__name__)

DEDUP_WINDOW = timedelta(days=30)
_GLOBAL_GUID = re.compile(r"^(https?://|file://|urn:|tag:|sha256:)", re.I)


# -- clean ---------------------------------------------------------------------


def clean_article(article: Article, source_tags: Sequence[str] = ()) -> Article:
    """Run the clean stage on one article and fold in what it recovered."""
    return fold_cleaned(article, _clean_body(article), source_tags)


def fold_cleaned(article: Article, cleaned: Cleaned, source_tags: Sequence[str] = ()) -> Article:
    """The article with the clean stage's text, HTML and recovered metadata.

    Metadata the feed gave wins over metadata recovered from the text; for
    files and pages (no feed), the recovered title wins over the file name.
    """
    from_feed = article.raw_kind == "html"
    title = article.title if (from_feed and article.title) else (cleaned.title or article.title)
    summary = clean_html(article.summary).text if article.summary else ""
    return replace(
        article,
        title=title,
        text=cleaned.text,
        html=cleaned.html,
        author=article.author or cleaned.author,
        published=article.published or cleaned.published,
        updated=article.updated or cleaned.updated,
        tags=tag.tags_for(source_tags, article.tags, cleaned.tags),
        summary=summary,
        raw="",
    )


def clean_batch(
    store: Store, source: Source, articles: Sequence[Article], now: datetime
) -> list[Article]:
    """Clean one source's articles, learning and removing the source's furniture.

    Blocks are counted once per new article (an article seen before does not
    count again), together with what earlier runs counted, so furniture is
    recognised from the first run on when a feed carries enough articles.
    """
    cleaned = [_clean_body(a) for a in articles]
    prints = [furniture.block_fingerprints(c) for c in cleaned]
    batch: dict[str, tuple[int, int]] = {}
    for article, fps in zip(articles, prints, strict=True):
        if store.get(article.source, article.guid) is not None:
            continue
        for fp, words in fps.items():
            seen, _ = batch.get(fp, (0, words))
            batch[fp] = (seen + 1, words)
    stored = store.furniture_counts(source.name, {fp for fps in prints for fp in fps})
    combined = dict(stored)
    for fp, (n, words) in batch.items():
        combined[fp] = (stored.get(fp, (0, words))[0] + n, words)
    known = furniture.furniture_of(combined)
    if batch:
        store.add_furniture(source.name, batch, now)
    return [
        fold_cleaned(a, furniture.drop_furniture(c, known), source.tags)
        for a, c in zip(articles, cleaned, strict=True)
    ]


def _clean_body(article: Article) -> Cleaned:
    if article.raw_kind == "text":
        return clean_text(article.raw)
    if article.raw_kind == "page":
        return clean_page(article.raw, article.url)
    return clean_html(article.raw, base_url=article.url)


# -- dedup + store -------------------------------------------------------------


@dataclass
class _Deduper:
    """Files each new article into a cluster, using the store's exact keys and LSH band table."""

    store: Store
    now: datetime

    def prepare(self) -> None:
        """Rebuild the LSH band table when the dedup parameters changed since it was built."""
        if self.store.get_meta("lsh_params") == dedup.LSH_PARAMS:
            return
        with self.store.transaction():
            self.store.clear_bands()
            count = 0
            for stored in self.store.articles():
                self._sign(stored.id, stored.article.text)
                count += 1
            self.store.set_meta("lsh_params", dedup.LSH_PARAMS)
        log.info("dedup index rebuilt for %s (%d articles)", dedup.LSH_PARAMS, count)

    def file(self, article: Article, priority: int) -> str:
        """Store one cleaned article; return "new", "duplicate", "updated" or "unchanged"."""
        url_key = dedup.canonical_url(article.url)
        full_hash = dedup.content_hash(article.text)
        existing = self.store.get(article.source, article.guid)
        if existing is not None:
            if existing.content_hash == full_hash and existing.article.title == article.title:
                return "unchanged"
            self.store.replace_content(
                existing.id,
                article,
                canonical_url=url_key,
                content_hash=full_hash,
                priority=priority,
            )
            self._sign(existing.id, article.text)
            self.store.touch_cluster(existing.cluster, self.now)
            return "updated"
        guid_key = article.guid if _GLOBAL_GUID.match(article.guid) else None
        matches = self.store.exact_clusters(guid_key, url_key, dedup.hash_key(article.text))
        sig, keys = dedup.lsh_keys(article.text)
        if keys:
            candidates = self.store.band_candidates(keys, since=self.now - DEDUP_WINDOW)
            found = dedup.duplicates_among(article.text, self.store.texts(candidates))
            matches |= self.store.clusters_of(found)
        status = "duplicate" if matches else "new"
        if not matches:
            cluster = dedup.new_cluster_id(article.source, article.guid)
            self.store.create_cluster(cluster, self.now)
        else:
            # An article that is a copy of two clusters shows they are one.
            cluster = dedup.survivor(self.store.cluster_created(matches))
            self.store.merge_clusters(cluster, matches - {cluster}, self.now)
        article_id = self.store.insert(
            article,
            canonical_url=url_key,
            content_hash=full_hash,
            cluster=cluster,
            priority=priority,
            when=self.now,
        )
        if sig is not None:
            self.store.put_signature(article_id, sig)
            self.store.put_bands(article_id, keys)
        return status

    def _sign(self, article_id: int, text: str) -> None:
        sig, keys = dedup.lsh_keys(text)
        if sig is not None:
            self.store.put_signature(article_id, sig)
        self.store.put_bands(article_id, keys)


# -- reading sources -----------------------------------------------------------


def _parsed_from_fetch(fetched: Fetched, *, feeds_only: bool = False) -> Parsed:
    """Articles from fetched bytes; a configured feed source must really be a feed."""
    headers = dict(fetched.headers)
    if feeds_only and ingest.detect_kind(fetched.content, fetched.header("content-type")) != "feed":
        raise ParseError(f"{fetched.url}: not a feed (got an HTML page or plain text)")
    try:
        return ingest.articles_from_bytes(
            fetched.content,
            source=fetched.source.name,
            location=fetched.url,
            url=fetched.url,
            guid=fetched.url,
            headers=headers,
        )
    except IngestError as e:
        raise ParseError(f"{fetched.source.name}: {e}") from e


def _parsed_from_inputs(
    source_name: str, inputs: Iterable[ingest.Input | IngestError], warnings: list[str]
) -> tuple[list[Article], int]:
    """Read local inputs; return the articles and how many files could be read."""
    articles: list[Article] = []
    read = 0
    for item in inputs:
        if isinstance(item, IngestError):
            warnings.append(str(item))
            continue
        guid = item.path.resolve().as_uri() if item.path is not None else None
        try:
            parsed = ingest.articles_from_bytes(
                item.data, source=source_name, location=item.location, guid=guid
            )
        except JJFeedError as e:
            warnings.append(str(e))
            continue
        read += 1
        warnings.extend(parsed.warnings)
        articles.extend(parsed.articles)
    return articles, read


def _process(
    deduper: _Deduper, source: Source, articles: list[Article], warnings: list[str]
) -> SourceResult:
    """Clean, dedup and store one source's articles in one transaction."""
    counts = {"new": 0, "duplicate": 0, "updated": 0, "unchanged": 0}
    with deduper.store.transaction():
        for article in clean_batch(deduper.store, source, articles, deduper.now):
            counts[deduper.file(article, source.priority)] += 1
    return SourceResult(
        source.name,
        "ok",
        new=counts["new"],
        duplicates=counts["duplicate"],
        updated=counts["updated"],
        warnings=tuple(warnings),
    )


# -- publishing ----------------------------------------------------------------


def load_clusters(store: Store, limit: int) -> list[Cluster]:
    clusters = []
    for cluster_id, updated, members in store.recent_clusters(limit):
        clusters.append(Cluster(cluster_id, tuple(members), dedup.representative(members), updated))
    return clusters


def _publish(store: Store, config: Config) -> tuple[tuple[Path, ...], int]:
    clusters = load_clusters(store, publish.window(config.feed, config.outputs))
    clusters = tag.tag_clusters(clusters, config.tagging)
    done = publish.publish_outputs(
        clusters, config.feed, config.outputs, config.output, config.sources
    )
    for warning in done.warnings:
        log.warning("%s", warning)
    return done.paths, done.entries


# -- the commands ----------------------------------------------------------------


def run(config: Config, *, now: datetime | None = None) -> RunReport:
    """The cron job: every configured source, then one publish."""
    now = now or datetime.now(UTC)
    with RunLock(config.database, wait=0), Store(config.database) as store:
        deduper = _Deduper(store, now)
        deduper.prepare()
        results = []
        remote = [s for s in config.sources if s.url is not None]
        fetched = {
            f.source.name: f
            for f in fetch.fetch_all([(s, store.validators(s.name)) for s in remote])
        }
        for source in config.sources:
            if source.url is not None:
                result = _run_remote(deduper, fetched[source.name], now)
            else:
                result = _run_local(deduper, source)
            _log_result(result)
            results.append(result)
        if results and all(r.status == "failed" for r in results):
            return RunReport(tuple(results))
        paths, entries = _publish(store, config)
        return RunReport(tuple(results), paths, entries)


def _run_remote(deduper: _Deduper, fetched: Fetched, now: datetime) -> SourceResult:
    source, store = fetched.source, deduper.store
    if not fetched.ok:
        store.record_failure(source.name, source.url, fetched.error or "fetch failed")
        return SourceResult(source.name, "failed", error=fetched.error)
    if fetched.not_modified:
        store.record_success(source.name, source.url, fetched.validators, now)
        return SourceResult(source.name, "not_modified")
    try:
        parsed = _parsed_from_fetch(fetched, feeds_only=True)
        result = _process(deduper, source, list(parsed.articles), list(parsed.warnings))
    except JJFeedError as e:
        store.record_failure(source.name, source.url, str(e))
        return SourceResult(source.name, "failed", error=str(e))
    store.record_success(source.name, source.url, fetched.validators, now)
    return result


def _run_local(deduper: _Deduper, source: Source) -> SourceResult:
    assert source.path is not None
    warnings: list[str] = []
    articles, read = _parsed_from_inputs(
        source.name, ingest.iter_inputs([str(source.path)]), warnings
    )
    if read == 0:
        error = warnings[0] if warnings else f"{source.path}: nothing to read"
        deduper.store.record_failure(source.name, str(source.path), error)
        return SourceResult(source.name, "failed", warnings=tuple(warnings), error=error)
    try:
        return _process(deduper, source, articles, warnings)
    except JJFeedError as e:
        return SourceResult(source.name, "failed", error=str(e))


def ingest_inputs(
    config: Config,
    locations: Sequence[str],
    *,
    source_name: str | None = None,
    stdin: bytes | None = None,
    now: datetime | None = None,
) -> RunReport:
    """One-off ingestion of files, folders, URLs and stdin; stores, dedups and republishes."""
    now = now or datetime.now(UTC)
    with RunLock(config.database, wait=60), Store(config.database) as store:
        deduper = _Deduper(store, now)
        deduper.prepare()
        results = [_ingest_one(deduper, loc, source_name, stdin) for loc in locations]
        for result in results:
            _log_result(result)
        if all(r.status == "failed" for r in results):
            return RunReport(tuple(results))
        paths, entries = _publish(store, config)
        return RunReport(tuple(results), paths, entries)


def _ingest_one(
    deduper: _Deduper, location: str, source_name: str | None, stdin: bytes | None
) -> SourceResult:
    if _is_url(location):
        source = Source(name=source_name or (urlsplit(location).hostname or location), url=location)
        fetched = fetch.fetch(source)
        if not fetched.ok:
            return SourceResult(location, "failed", error=f"{location}: {fetched.error}")
        try:
            parsed = _parsed_from_fetch(fetched)
            return replace(
                _process(deduper, source, list(parsed.articles), list(parsed.warnings)),
                source=location,
            )
        except JJFeedError as e:
            return SourceResult(location, "failed", error=str(e))
    name = source_name or _default_source_name(location)
    source = Source(name=name, path=None if location == "-" else Path(location))
    warnings: list[str] = []
    articles, read = _parsed_from_inputs(name, ingest.iter_inputs([location], stdin), warnings)
    if read == 0:
        error = warnings[0] if warnings else f"{location}: nothing to read"
        return SourceResult(location, "failed", warnings=tuple(warnings[1:]), error=error)
    try:
        result = _process(deduper, source, articles, warnings)
    except JJFeedError as e:
        return SourceResult(location, "failed", error=str(e))
    return replace(result, source=location)


def _default_source_name(location: str) -> str:
    if location == "-":
        return "stdin"
    path = Path(location).resolve()
    return path.name if path.is_dir() else path.parent.name or "local"


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def extract(
    locations: Sequence[str], stdin: bytes | None = None
) -> Iterator[tuple[str, Article | JJFeedError]]:
    """Clean each input without storing anything; errors come back as values."""
    for location in locations:
        if _is_url(location):
            fetched = fetch.fetch(
                Source(name=urlsplit(location).hostname or location, url=location)
            )
            if not fetched.ok:
                yield location, IngestError(f"{location}: {fetched.error}")
                continue
            try:
                parsed = _parsed_from_fetch(fetched)
            except JJFeedError as e:
                yield location, e
                continue
            for article in parsed.articles:
                yield location, clean_article(article)
            continue
        for item in ingest.iter_inputs([location], stdin):
            if isinstance(item, IngestError):
                yield location, item
                continue
            try:
                parsed = ingest.articles_from_bytes(
                    item.data, source=_default_source_name(location), location=item.location
                )
            except JJFeedError as e:
                yield item.location, e
                continue
            for article in parsed.articles:
                yield item.location, clean_article(article)


def export(config: Config) -> Iterator[dict[str, object]]:
    """Every stored article as a plain dict, with its cluster and whether it represents it."""
    with Store(config.database) as store:
        by_cluster: dict[str, list[StoredArticle]] = {}
        for stored in store.articles():
            by_cluster.setdefault(stored.cluster, []).append(stored)
        for members in by_cluster.values():
            rep = dedup.representative(members)
            for m in members:
                a = m.article
                yield {
                    "id": m.id,
                    "source": a.source,
                    "guid": a.guid,
                    "url": a.url,
                    "title": a.title,
                    "author": a.author,
                    "published": _iso(a.published),
                    "updated": _iso(a.updated),
                    "tags": list(a.tags),
                    "text": a.text,
                    "cluster": m.cluster,
                    "canonical": m.id == rep.id,
                }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _log_result(result: SourceResult) -> None:
    for warning in result.warnings:
        log.warning("%s", warning)
    if result.status == "failed":
        log.error("%s: %s", result.source, result.error)
