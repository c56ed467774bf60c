"""`jjfeed dupes`: what was merged and grouped and why, and corrections by hand."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

import click

from ..lock import RunLock
from ..pipeline import corrections, dupes
from ..store import Store, require_database
from .base import Settings, cli, handle_errors


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
@handle_errors
def dupes_cmd(ctx: click.Context, as_json: bool, limit: int) -> None:
    """List merged duplicates and grouped stories, with why each member joined.

    Clusters with more than one article, then stories with more than one
    cluster; per member the rule (guid, url, content-hash, jaccard,
    containment) and the similarity that joined it. The representative is
    marked with *. Subcommands show one item and correct mistakes.
    """
    if ctx.invoked_subcommand is not None:
        return
    settings: Settings = ctx.obj
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
@handle_errors
def dupes_show(settings: Settings, ident: str, as_json: bool) -> None:
    """Show one article (by number), cluster or story (by UUID) and why its members joined.

    An id that is both a cluster and a story (a story is named after the
    cluster that founded it) shows both.
    """
    with Store(settings.load(required=False).database, must_exist=True) as store:
        _print_reports(dupes.show(store, ident), as_json)


@dupes_cmd.command("split")
@click.argument("article", type=int)
@click.pass_obj
@handle_errors
def dupes_split(settings: Settings, article: int) -> None:
    """Take an article (its number in `dupes` or `export`) out of its cluster.

    The cluster keeps its id and feed entry; the article gets a cluster of
    its own. Later runs keep them apart. Undo with `dupes overrides --remove N`.
    """
    with _correcting(settings) as store:
        done = corrections.split(store, article, datetime.now(UTC))
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
@handle_errors
def dupes_merge(settings: Settings, idents: tuple[str, str], stories: bool) -> None:
    """Merge two clusters (article numbers or cluster ids) into one; the older keeps its id.

    With --story, merge two stories instead. Later runs keep them merged.
    Undo with `dupes overrides --remove N`.
    """
    with _correcting(settings) as store:
        done = corrections.merge(store, idents, datetime.now(UTC), stories=stories)
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
@handle_errors
def dupes_overrides(settings: Settings, as_json: bool, remove: int | None) -> None:
    """List the splits and merges made by hand, which every run respects.

    --remove N forgets one and undoes it: a split article goes back into
    its cluster, merged clusters or stories come apart again.
    """
    if remove is not None:
        with _correcting(settings) as store:
            done = corrections.remove(store, remove, datetime.now(UTC))
        _say(settings, f"removed override {done.id}: {done.describe()}")
        return
    with Store(settings.load(required=False).database, must_exist=True) as store:
        for o in corrections.overrides(store):
            if as_json:
                click.echo(json.dumps(o.as_dict(), ensure_ascii=False))
            else:
                click.echo(f"{o.id}  {o.created[:16].replace('T', ' ')}  {o.describe()}")


@contextmanager
def _correcting(settings: Settings) -> Iterator[Store]:
    """The store, under the run lock (a correction must not land in the middle of a run)."""
    config = settings.load(required=False)
    corrections.check_backend(config.dedup_backend)
    require_database(config.database)  # corrections need the articles they correct
    with RunLock(config.database, wait=60), Store(config.database, must_exist=True) as store:
        yield store


def _say(settings: Settings, line: str) -> None:
    if not settings.quiet:
        click.echo(line + "; the feed changes at the next run")
