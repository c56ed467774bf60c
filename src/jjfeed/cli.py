"""The command line: parse arguments, call one pipeline function, print.

Every :class:`JJFeedError` becomes one clear line on stderr and an exit code:
0 published, 1 nothing could be published, 2 usage error (click), 75 another
run holds the lock (EX_TEMPFAIL, so cron retries quietly next time).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__, pipeline
from .config import Config, load_config
from .errors import JJFeedError, LockedError
from .model import Article, RunReport
from .serve import serve as serve_folder

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 75

F = TypeVar("F", bound=Callable[..., Any])


def _handle_errors(func: F) -> F:
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


class _Settings:
    def __init__(self, config: Path, db: Path | None, output: Path | None, quiet: bool) -> None:
        self.config_path, self.db, self.output, self.quiet = config, db, output, quiet

    def load(self, *, required: bool) -> Config:
        return load_config(
            self.config_path, required=required, database=self.db, output=self.output
        )


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
    type=click.Path(path_type=Path),
    envvar="JJFEED_DB",
    default=None,
    help="SQLite database (env JJFEED_DB; default from feeds.yaml, else .jjfeed/jjfeed.db).",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    envvar="JJFEED_OUTPUT",
    default=None,
    help="Output folder for the feeds (env JJFEED_OUTPUT; default from feeds.yaml, else output/).",
)
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing unless something failed.")
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: Path,
    db: Path | None,
    output: Path | None,
    verbose: int,
    quiet: bool,
) -> None:
    """jjfeed: fetch feeds, strip boilerplate, merge duplicates, publish one feed."""
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="jjfeed: %(levelname)s: %(message)s", stream=sys.stderr)
    ctx.obj = _Settings(config_path, db, output, quiet)


@cli.command()
@click.pass_obj
@_handle_errors
def run(settings: _Settings) -> None:
    """Fetch every source in feeds.yaml, merge, and publish the feed (the cron job)."""
    config = settings.load(required=True)
    if not config.sources:
        raise JJFeedError(f"{config.path}: no sources configured")
    report = pipeline.run(config)
    _finish(report, settings)


@cli.command("ingest")
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--source",
    "source_name",
    default=None,
    help="Source name for the inputs (default: URL host, folder name, or 'stdin').",
)
@click.pass_obj
@_handle_errors
def ingest_cmd(settings: _Settings, inputs: tuple[str, ...], source_name: str | None) -> None:
    """Ingest feed files, article files (.txt/.html), folders, URLs or - (stdin); store and republish."""
    config = settings.load(required=False)
    stdin = sys.stdin.buffer.read() if "-" in inputs else None
    report = pipeline.ingest_inputs(config, inputs, source_name=source_name, stdin=stdin)
    _finish(report, settings)


@cli.command()
@click.pass_obj
@_handle_errors
def export(settings: _Settings) -> None:
    """Print every stored article as one JSON object per line."""
    config = settings.load(required=False)
    for record in pipeline.export(config):
        click.echo(json.dumps(record, ensure_ascii=False))


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article.")
@click.pass_obj
@_handle_errors
def extract(settings: _Settings, inputs: tuple[str, ...], as_json: bool) -> None:
    """Print each input's cleaned article (title, author, dates, tags, text); store nothing."""
    stdin = sys.stdin.buffer.read() if "-" in inputs else None
    failed = False
    for location, result in pipeline.extract(inputs, stdin):
        if isinstance(result, JJFeedError):
            click.echo(f"jjfeed: error: {result}", err=True)
            failed = True
            continue
        click.echo(_extract_json(location, result) if as_json else _extract_text(result))
    if failed:
        sys.exit(EXIT_FAILED)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8080, show_default=True, type=click.IntRange(0, 65535), help="0 picks one."
)
@click.pass_obj
@_handle_errors
def serve(settings: _Settings, host: str, port: int) -> None:
    """Serve the output folder over HTTP (feed types, ETag/304, gzip) until Ctrl-C."""
    config = settings.load(required=False)
    if not config.output.is_dir():
        click.echo(f"jjfeed: {config.output}: no output yet; serving it once published", err=True)

    def ready(url: str) -> None:
        click.echo(f"Serving {config.output} at {url} (Ctrl-C to stop)")
        sys.stdout.flush()

    try:
        serve_folder(config.output, host, port, ready)
    except OSError as e:
        raise JJFeedError(f"cannot listen on {host}:{port}: {e}") from e


def _extract_json(location: str, a: Article) -> str:
    return json.dumps(
        {
            "input": location,
            "title": a.title,
            "author": a.author,
            "published": a.published.isoformat() if a.published else None,
            "updated": a.updated.isoformat() if a.updated else None,
            "tags": list(a.tags),
            "url": a.url,
            "text": a.text,
        },
        ensure_ascii=False,
    )


def _extract_text(a: Article) -> str:
    lines = [f"Title: {a.title}"]
    if a.author:
        lines.append(f"Author: {a.author}")
    if a.published:
        lines.append(f"Published: {a.published.isoformat()}")
    if a.updated:
        lines.append(f"Updated: {a.updated.isoformat()}")
    if a.tags:
        lines.append(f"Tags: {', '.join(a.tags)}")
    return "\n".join(lines) + "\n\n" + a.text + "\n"


def _finish(report: RunReport, settings: _Settings) -> None:
    failed = report.failed
    for result in failed:
        click.echo(f"jjfeed: {result.source}: failed: {result.error}", err=True)
    if not report.published:
        raise JJFeedError("nothing published: every source failed")
    if not settings.quiet:
        new = sum(r.new for r in report.results)
        dups = sum(r.duplicates for r in report.results)
        updated = sum(r.updated for r in report.results)
        nm = sum(r.status == "not_modified" for r in report.results)
        click.echo(
            f"{len(report.results)} sources ({len(failed)} failed, {nm} not modified): "
            f"{new} new, {dups} duplicates merged, {updated} updated; "
            f"{report.entries} entries published to {', '.join(str(p) for p in report.published)}"
        )


def main() -> None:
    cli(prog_name="jjfeed")
