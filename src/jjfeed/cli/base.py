"""The command group, its settings and how an error becomes one line and an exit code.

Every :class:`JJFeedError` becomes one clear line on stderr and an exit code:
0 published, 1 nothing could be published, 2 usage error (click), 75 another
run holds the lock (EX_TEMPFAIL, so cron retries quietly next time).
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from .. import __version__
from ..config import Config, load_config
from ..errors import JJFeedError, LockedError
from ..store.backend import as_database

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 75

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 75

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LockedError as e:
            click.echo(f"jjfeed: {e}", err=True)
            sys.exit(EXIT_LOCKED)
        except JJFeedError as e:
            click.echo(f"jjfeed: error: {e}", err=True)
            sys.exit(EXIT_FAILED)

    return wrapper  # type: ignore[return-value]


class Settings:
    def __init__(
        self,
        config: Path,
        db: str | None,
        output: Path | None,
        quiet: bool,
        processes: int | None = None,
    ) -> None:
        self.config_path, self.db, self.output, self.quiet = config, db, output, quiet
        self.processes = processes

    def load(self, *, required: bool) -> Config:
        config = load_config(
            self.config_path,
            required=required,
            database=as_database(self.db) if self.db else None,
            output=self.output,
        )
        if self.processes is not None:
            config = dataclasses.replace(config, processes=self.processes)
        return config


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jjfeed")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=Path("feeds.yaml"),
    envvar="JJFEED_CONFIG",
    show_default=True,
    help="The feeds.yaml to read (env JJFEED_CONFIG).",
)
@click.option(
    "--db",
    type=str,
    envvar="JJFEED_DB",
    default=None,
    help="SQLite database file, or a postgresql:// URL for a store several workers share"
    " (env JJFEED_DB; default from feeds.yaml, else .jjfeed/jjfeed.db).",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    envvar="JJFEED_OUTPUT",
    default=None,
    help="Output folder for the feeds (env JJFEED_OUTPUT; default from feeds.yaml, else output/).",
)
@click.option(
    "--processes",
    type=click.IntRange(min=0),
    envvar="JJFEED_PROCESSES",
    default=None,
    help="Worker processes for parsing and cleaning (env JJFEED_PROCESSES; "
    "0 = one per core, the default; 1 = none).",
)
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing unless something needs a person.")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also append log records (info and up, debug with -vv) to this file.",
)
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: Path,
    db: str | None,
    output: Path | None,
    processes: int | None,
    verbose: int,
    quiet: bool,
    log_file: Path | None,
) -> None:
    """jjfeed: fetch feeds, strip boilerplate, merge duplicates, publish one feed."""
    _setup_logging(verbose, quiet, log_file)
    ctx.obj = Settings(config_path, db, output, quiet, processes)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now (rich swaps it while progress bars show)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _setup_logging(verbose: int, quiet: bool, log_file: Path | None) -> None:
    """jjfeed's records to stderr at the chosen level (and to ``log_file``); others at -vv."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "jjfeed", False)]:
        root.removeHandler(handler)
        handler.close()
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    stderr = _StderrHandler(sys.stderr)
    stderr.setLevel(level)
    stderr.setFormatter(logging.Formatter("jjfeed: %(levelname)s: %(message)s"))
    handlers: list[logging.Handler] = [stderr]
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            to_file = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as e:
            raise click.BadParameter(
                f"{log_file}: {e.strerror or e}", param_hint="--log-file"
            ) from e
        to_file.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
        to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handlers.append(to_file)
    for handler in handlers:
        handler.jjfeed = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    lowest = min(h.level for h in handlers)
    root.setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    logging.getLogger("jjfeed").setLevel(lowest)
