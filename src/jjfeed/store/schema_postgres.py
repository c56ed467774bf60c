"""The store's schema in PostgreSQL: SQLite's, as its migrations leave it, in one script.

A PostgreSQL store starts at :data:`BASELINE`, the SQLite schema version
this script equals, table for table and index for index (a test compares
the two). Migrations after it are shared: each is written once, in SQL both
databases take (see :mod:`.schema`).

What differs, and why:

- every ``TEXT`` column compares byte by byte (``COLLATE "C"``), as SQLite's
  do: ids, sources and ISO dates sort the same in both stores;
- integers are ``BIGINT`` (SQLite's are 64-bit), ``BLOB`` is ``BYTEA``,
  ``REAL`` is ``DOUBLE PRECISION``;
- article ids and the packed key rows' ``seq`` come from sequences
  (``BIGSERIAL``), so concurrent writers never draw the same one;
- the cluster-date trigger is a PL/pgSQL function.
"""

from __future__ import annotations

BASELINE = 14
"""The SQLite schema version the script below equals."""

_SCRIPT = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    url TEXT,
    etag TEXT,
    last_modified TEXT,
    last_success TEXT,
    last_error TEXT,
    failures BIGINT NOT NULL DEFAULT 0,
    last_attempt TEXT,
    last_status BIGINT,
    error_kind TEXT,
    next_attempt TEXT,
    disabled TEXT,
    moved_to TEXT,
    redirect_to TEXT,
    redirect_runs BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE clusters (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    story TEXT,
    dated TEXT
);
CREATE INDEX clusters_story ON clusters (story);
CREATE INDEX clusters_updated ON clusters (updated DESC, id);
CREATE INDEX clusters_dated ON clusters (dated DESC, id);
CREATE TABLE articles (
    id BIGSERIAL PRIMARY KEY,
    source TEXT NOT NULL,
    guid TEXT NOT NULL,
    url TEXT,
    canonical_url TEXT,
    title TEXT NOT NULL,
    author TEXT,
    published TEXT,
    updated TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    text TEXT NOT NULL,
    html TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    cluster TEXT NOT NULL REFERENCES clusters (id),
    priority BIGINT NOT NULL DEFAULT 0,
    fetched_at TEXT NOT NULL,
    section TEXT,
    UNIQUE (source, guid)
);
CREATE INDEX articles_guid ON articles (guid);
CREATE INDEX articles_canonical_url ON articles (canonical_url);
CREATE INDEX articles_content_hash ON articles (content_hash);
CREATE INDEX articles_cluster ON articles (cluster);
CREATE INDEX articles_fetched_at ON articles (fetched_at);
CREATE INDEX articles_by_id ON articles (id, cluster, fetched_at);
CREATE TABLE signatures (
    article BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    params TEXT NOT NULL,
    hashvalues BYTEA NOT NULL
);
CREATE TABLE furniture (
    source TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    articles BIGINT NOT NULL,
    words BIGINT NOT NULL,
    last_seen TEXT NOT NULL,
    since BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (source, fingerprint)
);
CREATE TABLE furniture_sources (
    source TEXT PRIMARY KEY,
    articles BIGINT NOT NULL
);
CREATE TABLE cluster_aliases (
    alias TEXT PRIMARY KEY,
    cluster TEXT NOT NULL REFERENCES clusters (id),
    merged TEXT NOT NULL
);
CREATE INDEX cluster_aliases_cluster ON cluster_aliases (cluster);
CREATE TABLE story_terms (
    article BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    terms TEXT NOT NULL
);
CREATE INDEX story_terms_at ON story_terms (at);
CREATE TABLE dedup_reasons (
    article BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    score DOUBLE PRECISION,
    matched BIGINT,
    at TEXT NOT NULL
);
CREATE TABLE story_reasons (
    cluster TEXT PRIMARY KEY,
    story TEXT NOT NULL,
    article BIGINT,
    link DOUBLE PRECISION NOT NULL,
    links BIGINT NOT NULL,
    best_article BIGINT,
    best DOUBLE PRECISION,
    at TEXT NOT NULL
);
CREATE TABLE overrides (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    article BIGINT,
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    created TEXT NOT NULL
);
CREATE TABLE band_keys (
    seq BIGSERIAL PRIMARY KEY,
    article BIGINT NOT NULL UNIQUE REFERENCES articles (id) ON DELETE CASCADE,
    fetched BIGINT NOT NULL,
    keys BYTEA NOT NULL
);
CREATE INDEX band_keys_fetched ON band_keys (fetched, article);
CREATE TABLE story_keys (
    seq BIGSERIAL PRIMARY KEY,
    article BIGINT NOT NULL UNIQUE REFERENCES articles (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    keys BYTEA NOT NULL
);
CREATE INDEX story_keys_at ON story_keys (at, article);
CREATE TABLE raw_keys (
    article BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    key TEXT NOT NULL
);
CREATE FUNCTION jjfeed_date_cluster() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    UPDATE clusters
       SET dated = greatest(coalesce(dated, ''), coalesce(NEW.published, NEW.updated, NEW.fetched_at))
     WHERE id = NEW.cluster;
    RETURN NULL;
END
$body$;
CREATE TRIGGER articles_date_cluster_insert AFTER INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION jjfeed_date_cluster();
CREATE TRIGGER articles_date_cluster_update AFTER UPDATE OF cluster, published, updated ON articles
    FOR EACH ROW EXECUTE FUNCTION jjfeed_date_cluster();
"""


def statements() -> list[str]:
    """The script's statements, in order (the trigger function's body is one statement)."""
    script = _SCRIPT.replace(" TEXT", ' TEXT COLLATE "C"')
    out: list[str] = []
    for part in script.split(";\n"):
        if not part.strip():
            continue
        if out and out[-1].count("$body$") == 1:  # inside the function's body
            out[-1] += ";\n" + part
        else:
            out.append(part.strip())
    return out
