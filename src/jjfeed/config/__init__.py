"""feeds.yaml: reading and validating it (``reading``), the typed node access
every error message comes from (``validate``), its publishing keys
(``publishing``) and adding sources to it as text (``editing``)."""

from .editing import append_sources, insert_sources
from .reading import (
    DEDUP_BACKENDS,
    DEFAULT_DATABASE,
    DEFAULT_MAX_ENTRIES,
    DEFAULT_OUTPUT,
    DEFAULT_REDIS_NAMESPACE,
    DEFAULT_STORY_WINDOW_DAYS,
    DEFAULT_WINDOW_DAYS,
    GROUPS,
    Config,
    load_config,
    parse_config,
)

__all__ = [
    "DEDUP_BACKENDS",
    "DEFAULT_DATABASE",
    "DEFAULT_MAX_ENTRIES",
    "DEFAULT_OUTPUT",
    "DEFAULT_REDIS_NAMESPACE",
    "DEFAULT_STORY_WINDOW_DAYS",
    "DEFAULT_WINDOW_DAYS",
    "GROUPS",
    "Config",
    "append_sources",
    "insert_sources",
    "load_config",
    "parse_config",
]
