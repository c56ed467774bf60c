"""What a person at a terminal sees: progress bars during a run, a summary after it.

The only module that imports :mod:`rich`. The CLI uses it only when stderr
(progress) or stdout (summary, tables) is a terminal; cron and pipes get
plain text and no colour.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .model import RunReport, SourceResult
from .pipeline import RunEvents


class RunProgress(RunEvents):
    """Two bars on stderr: sources done, articles processed. Use as a context manager."""

    def __init__(self, console: Console | None = None) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<9}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
            transient=True,
        )
        self._sources = self.progress.add_task("sources", total=None)
        self._articles = self.progress.add_task("articles", total=0)
        self._article_total = 0

    def __enter__(self) -> RunProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def sources(self, total: int) -> None:
        self.progress.update(self._sources, total=total)

    def source_done(self, result: SourceResult) -> None:
        self.progress.advance(self._sources)

    def articles_found(self, count: int) -> None:
        self._article_total += count
        self.progress.update(self._articles, total=self._article_total)

    def article_done(self) -> None:
        self.progress.advance(self._articles)


def print_summary(console: Console, figures: Sequence[tuple[str, str]]) -> None:
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, value in figures:
        table.add_row(label, value)
    console.print(table)


def print_table(console: Console, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = Table(*headers, header_style="bold")
    for row in rows:
        style = "red" if "failing" in row or "disabled" in row else None
        table.add_row(*row, style=style)
    console.print(table)


def summary_figures(report: RunReport, elapsed: float) -> list[tuple[str, str]]:
    """The end-of-run figures, as (label, value) pairs for either rendering."""
    results = report.results

    def count(status: str) -> int:
        return sum(r.status == status for r in results)

    return [
        ("sources fetched", str(count("ok"))),
        ("not modified", str(count("not_modified"))),
        ("failed", str(count("failed"))),
        ("skipped", str(count("skipped"))),
        ("new articles", str(sum(r.new for r in results))),
        ("duplicates merged", str(sum(r.duplicates for r in results))),
        ("updated", str(sum(r.updated for r in results))),
        ("entries failed", str(sum(r.failed for r in results))),
        ("entries published", str(report.entries)),
        ("time", f"{elapsed:.1f} s"),
    ]
