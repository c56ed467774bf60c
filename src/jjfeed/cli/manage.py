"""Commands that manage sources and the store: add, import-opml, export-opml, feeds,
migrate-store, enable."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..pipeline import fleet, sources
from ..store import require_database
from ..store.backend import display
from .base import Settings, cli, handle_errors


@cli.command()
@click.argument("url")
@click.option("--name", default=None, help="Source name (default: the feed's own title).")
@click.option("--tag", "tags", multiple=True, help="A tag for every article (repeatable).")
@click.pass_obj
@handle_errors
def add(settings: Settings, url: str, name: str | None, tags: tuple[str, ...]) -> None:
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
@handle_errors
def import_opml(settings: Settings, file: Path) -> None:
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
@handle_errors
def export_opml(settings: Settings, output_file: Path | None) -> None:
    """Print feeds.yaml's feeds as OPML 2.0, for importing into another reader."""
    text = sources.export_opml(settings.load(required=True))
    if output_file is None:
        click.echo(text, nl=False)
    else:
        output_file.write_text(text, encoding="utf-8")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON array of objects, for scripts.")
@click.pass_obj
@handle_errors
def feeds(settings: Settings, as_json: bool) -> None:
    """Show every source's state: last success, failures, last error, next attempt.

    Status is new, ok, moved (fetched from where a permanent redirect led),
    failing (backing off), disabled (HTTP 410; see `jjfeed enable`) or, on a
    store several workers share, running (a worker holds it now: --json
    says which, as held_by).
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

        from ..progress import print_table

        print_table(Console(), headers, table)
        return
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(headers)]
    for line in (headers, *table):
        click.echo("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())


def _short_time(value: object) -> str:
    return str(value)[:16].replace("T", " ") if value else ""


@cli.command("migrate-store")
@click.argument("sqlite_path", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("postgres_url")
@click.pass_obj
@handle_errors
def migrate_store(settings: Settings, sqlite_path: Path, postgres_url: str) -> None:
    """Copy an SQLite store (every article, cluster, story, index row, source state and
    override) into an empty PostgreSQL database, for workers to share.

    The SQLite file is only read; the copy lands whole or not at all. Then
    point `database:` in feeds.yaml at POSTGRES_URL.
    """

    def report(table: str, rows: int) -> None:
        if not settings.quiet:
            click.echo(f"{table}: {rows} rows", err=True)

    copied = fleet.migrate_store(sqlite_path, postgres_url, report)
    if not settings.quiet:
        click.echo(
            f"{sqlite_path} -> {display(postgres_url)}: {copied.get('articles', 0)} articles, "
            f"{sum(copied.values())} rows copied"
        )


@cli.command()
@click.argument("name")
@click.pass_obj
@handle_errors
def enable(settings: Settings, name: str) -> None:
    """Re-enable a source (disabled after HTTP 410, or backing off) so the next run fetches it."""
    sources.enable(settings.load(required=True), name)
    if not settings.quiet:
        click.echo(f"{name}: enabled; the next run fetches it")
