"""One exception root for everything jjfeed raises on purpose.

Third-party errors are wrapped where they enter (``raise StoreError(...) from
e``) so callers only ever catch ours.
"""


class JJFeedError(Exception):
    """Root of every error jjfeed raises deliberately."""


class ConfigError(JJFeedError):
    """feeds.yaml is missing, unreadable or invalid; the message names file, line and key."""


class FetchError(JJFeedError):
    """A source could not be fetched."""


class ParseError(JJFeedError):
    """Bytes could not be turned into articles."""


class IngestError(JJFeedError):
    """A local input could not be read or recognised."""


class StoreError(JJFeedError):
    """The database could not be opened, migrated or written."""


class RecordError(JJFeedError):
    """One row could not be written as it is (a constraint, a value SQLite cannot bind).

    The fault of the values, not of the store: filing fails that entry alone.
    """


class PublishError(JJFeedError):
    """The output could not be written."""


class LockedError(JJFeedError):
    """Another jjfeed process holds the run lock (exit code 75, EX_TEMPFAIL)."""


class DedupIndexError(JJFeedError):
    """The shared duplicate index (Redis) could not be reached or used; the run stops."""
