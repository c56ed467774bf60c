"""Commands that run the pipeline: run, ingest, extract, export, serve."""

from __future__ import annotations

import json
import sys
import time

import click

from .. import pipeline
from ..errors import JJFeedError
from ..model import Article, RunReport, SourceResult
from ..serve import serve as serve_folder
from ..store import require_database
from .base import EXIT_FAILED, Settings, cli, handle_errors


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
@handle_errors
def run(settings: Settings, shard: tuple[int, int] | None) -> None:
    """Fetch every source in feeds.yaml, merge, and publish the feed (the cron job)."""
    config = settings.load(required=True)
    if not config.sources:
        raise JJFeedError(f"{config.path}: no sources configured")
    started = time.monotonic()
    if not settings.quiet and sys.stderr.isatty():
        from ..progress import RunProgress

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
@handle_errors
def ingest_cmd(settings: Settings, inputs: tuple[str, ...], source_name: str | None) -> None:
    """Ingest feed files, article files (.txt/.html), folders, URLs or - (stdin); store and republish."""
    config = settings.load(required=False)
    stdin = sys.stdin.buffer.read() if "-" in inputs else None
    report = pipeline.ingest_inputs(config, inputs, source_name=source_name, stdin=stdin)
    _finish(report, settings)


@cli.command()
@click.pass_obj
@handle_errors
def publish(settings: Settings) -> None:
    """Publish the feeds from the stored articles again, fetching nothing.

    After a change to outputs, tags or group in feeds.yaml, or to rewrite
    lost output files. Waits up to a minute for a run that holds the lock.
    """
    report = pipeline.publish_feed(settings.load(required=False))
    if not settings.quiet:
        click.echo(
            f"{report.entries} entries published to " + ", ".join(str(p) for p in report.published)
        )


@cli.command()
@click.pass_obj
@handle_errors
def export(settings: Settings) -> None:
    """Print every stored article as one JSON object per line."""
    config = settings.load(required=False)
    require_database(config.database)  # a mistyped --db must not create an empty one
    for record in pipeline.export(config):
        click.echo(json.dumps(record, ensure_ascii=False))


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article.")
@click.pass_obj
@handle_errors
def extract(settings: Settings, inputs: tuple[str, ...], as_json: bool) -> None:
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
@handle_errors
def serve(settings: Settings, host: str, port: int) -> None:
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
            "external_url": a.external_url,
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


def _finish(report: RunReport, settings: Settings) -> None:
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


def _finish_run(report: RunReport, settings: Settings, elapsed: float) -> None:
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
    from ..progress import summary_figures

    figures = summary_figures(report, elapsed)
    if sys.stdout.isatty():
        from rich.console import Console

        from ..progress import print_summary

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
