"""The command line: parse arguments, call one pipeline function, print.

Every :class:`JJFeedError` becomes one clear line on stderr and an exit code:
0 published, 1 nothing could be published, 2 usage error (click), 75 another
run holds the lock (EX_TEMPFAIL, so cron retries quietly next time).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__, pipeline
from .config import Config, load_config
from .errors import JJFeedError, LockedError
from .lock import RunLock
from .model import Article, RunReport, SourceResult
from .pipeline import dupes, sources
from .serve import serve as serve_folder
from .store import Store, require_database

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
    def __init__(
        self,
        config: Path,
        db: Path | None,
        output: Path | None,
        quiet: bool,
        processes: int | None = None,
    ) -> None:
        self.config_path, self.db, self.output, self.quiet = config, db, output, quiet
        self.processes = processes

    def load(self, *, required: bool) -> Config:
        config = load_config(
            self.config_path, required=required, database=self.db, output=self.output
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
    db: Path | None,
    output: Path | None,
    processes: int | None,
    verbose: int,
    quiet: bool,
    log_file: Path | None,
) -> None:
    """jjfeed: fetch feeds, strip boilerplate, merge duplicates, publish one feed."""
    _setup_logging(verbose, quiet, log_file)
    ctx.obj = _Settings(config_path, db, output, quiet, processes)


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


def _shard(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    """``i/N`` with 1 <= i <= N: this worker's share of the sources."""
    if value is None:
        return None
    i, slash, n = value.strip().partition("/")
    if not (slash and i.strip().isdigit() and n.strip().isdigit()):
        raise click.BadParameter(f"{value!r} is not of the form i/N (such as 1/2)")
    index, count = int(i), int(n)
    if count < 1 or not 1 <= index <= count:
        raise click.BadParameter(f"{value!r}: need 1 <= i <= N (shards are numbered from 1)")
    return index, count


@cli.command()
@click.option(
    "--shard",
    default=None,
    envvar="JJFEED_SHARD",
    callback=_shard,
    metavar="i/N",
    help="Run only the sources of shard i of N (numbered from 1; split by SHA-1 of the "
    "source name). Workers share duplicates through dedup.backend: redis (env JJFEED_SHARD).",
)
@click.pass_obj
@_handle_errors
def run(settings: _Settings, shard: tuple[int, int] | None) -> None:
    """Fetch every source in feeds.yaml, merge, and publish the feed (the cron job)."""
    config = settings.load(required=True)
    if not config.sources:
        raise JJFeedError(f"{config.path}: no sources configured")
    started = time.monotonic()
    if not settings.quiet and sys.stderr.isatty():
        from .progress import RunProgress

        with RunProgress() as progress:
            report = pipeline.run(config, events=progress, shard=shard)
    else:
        report = pipeline.run(config, shard=shard)
    _finish_run(report, settings, time.monotonic() - started)


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
    require_database(config.database)  # a mistyped --db must not create an empty one
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
            "section": a.section,
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
    if a.section:
        lines.append(f"Section: {a.section}")
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
        entries_failed = sum(r.failed for r in report.results)
        lost = f", {entries_failed} entries failed" if entries_failed else ""
        click.echo(
            f"{len(report.results)} sources ({len(failed)} failed, {nm} not modified): "
            f"{new} new, {dups} duplicates merged, {updated} updated{lost}; "
            f"{report.entries} entries published to {', '.join(str(p) for p in report.published)}"
        )
        files = sum(r.files for r in report.results)
        rejected = sum(r.files_rejected for r in report.results)
        if files or rejected:
            warned = sum(r.files_warned for r in report.results)
            click.echo(f"files: {files} ingested ({warned} with warnings), {rejected} rejected")


def _finish_run(report: RunReport, settings: _Settings, elapsed: float) -> None:
    """Failures and notes on stderr, the summary on stdout.

    Under ``--quiet`` only what needs a person: a source failing for the
    ``alert_after``-th time in a row, one disabled (410) or moved (a permanent
    redirect adopted), and a run that published nothing."""
    for result in report.results:
        if result.status == "failed" and (not settings.quiet or result.alert):
            click.echo(f"jjfeed: {result.source}: failed: {result.error}{_next(result)}", err=True)
        if result.note and result.status != "skipped" and (not settings.quiet or result.alert):
            click.echo(f"jjfeed: {result.source}: {result.note}", err=True)
    if not report.published:
        raise JJFeedError("nothing published: every source failed")
    if settings.quiet:
        return
    from .progress import summary_figures

    figures = summary_figures(report, elapsed)
    if sys.stdout.isatty():
        from rich.console import Console

        from .progress import print_summary

        print_summary(Console(), figures)
        return
    values = dict(figures)
    lost = f", {values['entries failed']} entries failed" if values["entries failed"] != "0" else ""
    click.echo(
        f"{len(report.results)} sources: {values['sources fetched']} fetched, "
        f"{values['not modified']} not modified, {values['failed']} failed, "
        f"{values['skipped']} skipped; {values['new articles']} new articles, "
        f"{values['duplicates merged']} duplicates merged, {values['updated']} updated"
        f"{lost}; "
        f"{report.entries} entries published to {', '.join(str(p) for p in report.published)}; "
        f"{values['time']}"
    )


def _next(result: SourceResult) -> str:
    if result.next_attempt is None:
        return ""
    return f" (next attempt {result.next_attempt.isoformat(timespec='seconds')})"


@cli.command()
@click.argument("url")
@click.option("--name", default=None, help="Source name (default: the feed's own title).")
@click.option("--tag", "tags", multiple=True, help="A tag for every article (repeatable).")
@click.pass_obj
@_handle_errors
def add(settings: _Settings, url: str, name: str | None, tags: tuple[str, ...]) -> None:
    """Add a feed to feeds.yaml: URL may be the feed or a page that links to it.

    A web page is searched for <link rel="alternate"> feeds; the first that
    works is appended to the sources list, keeping the file's comments.
    """
    source = sources.add(settings.config_path, url, name=name, tags=tags)
    if not settings.quiet:
        click.echo(f"added {source.name!r}: {source.url} to {settings.config_path}")


@cli.command("import-opml")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
@_handle_errors
def import_opml(settings: _Settings, file: Path) -> None:
    """Append the feeds of an OPML export (from another reader) to feeds.yaml.

    Folders and categories become tags; feeds already present are skipped.
    """
    added, skipped = sources.import_opml(settings.config_path, file.read_bytes(), str(file))
    if not settings.quiet:
        click.echo(
            f"imported {len(added)} feeds into {settings.config_path}"
            + (f" ({len(skipped)} already there)" if skipped else "")
        )


@cli.command("export-opml")
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write here instead of stdout.",
)
@click.pass_obj
@_handle_errors
def export_opml(settings: _Settings, output_file: Path | None) -> None:
    """Print feeds.yaml's feeds as OPML 2.0, for importing into another reader."""
    text = sources.export_opml(settings.load(required=True))
    if output_file is None:
        click.echo(text, nl=False)
    else:
        output_file.write_text(text, encoding="utf-8")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON array of objects, for scripts.")
@click.pass_obj
@_handle_errors
def feeds(settings: _Settings, as_json: bool) -> None:
    """Show every source's state: last success, failures, last error, next attempt.

    Status is new, ok, moved (fetched from where a permanent redirect led),
    failing (backing off) or disabled (HTTP 410; see `jjfeed enable`).
    """
    config = settings.load(required=True)
    if settings.db is not None:
        # Named on purpose (--db, JJFEED_DB): a typo must not pass for "never run".
        require_database(config.database)
    rows = sources.feed_rows(config)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    headers = ("name", "status", "last success", "fails", "last error", "next attempt")
    table = []
    for row in rows:
        d = row.as_dict()
        error = f"{d['error_kind']}: {d['last_error']}" if d["error_kind"] else ""
        table.append(
            (
                str(d["name"]),
                str(d["status"]),
                _short_time(d["last_success"]),
                str(d["failures"]),
                error if len(error) <= 60 else error[:57] + "...",
                "disabled" if d["disabled"] else (_short_time(d["next_attempt"]) or "now"),
            )
        )
    if sys.stdout.isatty():
        from rich.console import Console

        from .progress import print_table

        print_table(Console(), headers, table)
        return
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
    for line in (headers, *table):
        click.echo("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())


def _short_time(value: object) -> str:
    return str(value)[:16].replace("T", " ") if value else ""


@cli.command()
@click.argument("name")
@click.pass_obj
@_handle_errors
def enable(settings: _Settings, name: str) -> None:
    """Re-enable a source (disabled after HTTP 410, or backing off) so the next run fetches it."""
    sources.enable(settings.load(required=True), name)
    if not settings.quiet:
        click.echo(f"{name}: enabled; the next run fetches it")


@cli.group("dupes", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per cluster or story.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=dupes.DEFAULT_LIMIT,
    show_default=True,
    help="Show at most this many clusters and this many stories (most recent first).",
)
@click.pass_context
@_handle_errors
def dupes_cmd(ctx: click.Context, as_json: bool, limit: int) -> None:
    """List merged duplicates and grouped stories, with why each member joined.

    Clusters with more than one article, then stories with more than one
    cluster; per member the rule (guid, url, content-hash, jaccard,
    containment) and the similarity that joined it. The representative is
    marked with *. Subcommands show one item and correct mistakes.
    """
    if ctx.invoked_subcommand is not None:
        return
    settings: _Settings = ctx.obj
    with Store(settings.load(required=False).database, must_exist=True) as store:
        _print_reports(dupes.listing(store, limit), as_json)


def _print_reports(reports: Sequence[dupes.Report], as_json: bool) -> None:
    for i, report in enumerate(reports):
        if as_json:
            click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        else:
            click.echo(("\n" if i else "") + dupes.render(report))


@dupes_cmd.command("show")
@click.argument("ident", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per item shown.")
@click.pass_obj
@_handle_errors
def dupes_show(settings: _Settings, ident: str, as_json: bool) -> None:
    """Show one article (by number), cluster or story (by UUID) and why its members joined.

    An id that is both a cluster and a story (a story is named after the
    cluster that founded it) shows both.
    """
    with Store(settings.load(required=False).database, must_exist=True) as store:
        _print_reports(dupes.show(store, ident), as_json)


@dupes_cmd.command("split")
@click.argument("article", type=int)
@click.pass_obj
@_handle_errors
def dupes_split(settings: _Settings, article: int) -> None:
    """Take an article (its number in `dupes` or `export`) out of its cluster.

    The cluster keeps its id and feed entry; the article gets a cluster of
    its own. Later runs keep them apart. Undo with `dupes overrides --remove N`.
    """
    with _correcting(settings) as store:
        done = dupes.split(store, article, datetime.now(UTC))
    _say(settings, f"override {done.id}: {done.describe()}")


@dupes_cmd.command("merge")
@click.argument("idents", nargs=2, metavar="ID ID")
@click.option(
    "--story",
    "stories",
    is_flag=True,
    help="Merge the two stories (of these articles, clusters or stories) instead of clusters.",
)
@click.pass_obj
@_handle_errors
def dupes_merge(settings: _Settings, idents: tuple[str, str], stories: bool) -> None:
    """Merge two clusters (article numbers or cluster ids) into one; the older keeps its id.

    With --story, merge two stories instead. Later runs keep them merged.
    Undo with `dupes overrides --remove N`.
    """
    with _correcting(settings) as store:
        done = dupes.merge(store, idents, datetime.now(UTC), stories=stories)
    _say(settings, f"override {done.id}: {done.describe()}")


@dupes_cmd.command("overrides")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per override.")
@click.option(
    "--remove",
    "remove",
    type=int,
    default=None,
    metavar="N",
    help="Remove override N and undo what it did.",
)
@click.pass_obj
@_handle_errors
def dupes_overrides(settings: _Settings, as_json: bool, remove: int | None) -> None:
    """List the splits and merges made by hand, which every run respects.

    --remove N forgets one and undoes it: a split article goes back into
    its cluster, merged clusters or stories come apart again.
    """
    if remove is not None:
        with _correcting(settings) as store:
            done = dupes.remove(store, remove, datetime.now(UTC))
        _say(settings, f"removed override {done.id}: {done.describe()}")
        return
    with Store(settings.load(required=False).database, must_exist=True) as store:
        for o in dupes.overrides(store):
            if as_json:
                click.echo(json.dumps(o.as_dict(), ensure_ascii=False))
            else:
                click.echo(f"{o.id}  {o.created[:16].replace('T', ' ')}  {o.describe()}")


@contextmanager
def _correcting(settings: _Settings) -> Iterator[Store]:
    """The store, under the run lock (a correction must not land in the middle of a run)."""
    config = settings.load(required=False)
    dupes.check_backend(config.dedup_backend)
    require_database(config.database)  # corrections need the articles they correct
    with RunLock(config.database, wait=60), Store(config.database, must_exist=True) as store:
        yield store


def _say(settings: _Settings, line: str) -> None:
    if not settings.quiet:
        click.echo(line + "; the feed changes at the next run")


def main() -> None:
    cli(prog_name="jjfeed")
