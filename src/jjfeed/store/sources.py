"""Sources: conditional-GET validators, the schedule's state, the record of failures."""

from __future__ import annotations

from typing import Any

from ..model import SourceState, Validators
from .base import StoreBase, _dt, _ts

# The columns of a source's state after its name, in the order put_source writes them.
_SOURCE_COLUMNS = (
    "url", "etag", "last_modified", "last_attempt", "last_success", "last_status", "error_kind",
    "last_error", "failures", "next_attempt", "disabled", "moved_to", "redirect_to",
    "redirect_runs",
)  # fmt: skip


class SourcesMixin(StoreBase):
    def validators(self, source: str) -> Validators:
        row = self._db.execute(
            "SELECT etag, last_modified FROM sources WHERE name = ?", (source,)
        ).fetchone()
        return Validators(row["etag"], row["last_modified"]) if row else Validators()

    def record_failure(self, source: str, url: str | None, error: str) -> None:
        self._db.execute(
            """INSERT INTO sources (name, url, last_error, failures) VALUES (?, ?, ?, 1)
               ON CONFLICT (name) DO UPDATE SET last_error = excluded.last_error,
                   failures = sources.failures + 1""",
            (source, url, error),
        )

    def source_state(self, source: str) -> dict[str, object] | None:
        row = self._db.execute("SELECT * FROM sources WHERE name = ?", (source,)).fetchone()
        return dict(row) if row else None

    def get_source(self, source: str) -> SourceState | None:
        """The stored schedule and standing of one source, or None if never seen."""
        row = self._db.execute("SELECT * FROM sources WHERE name = ?", (source,)).fetchone()
        return _source_state(row) if row else None

    def sources(self) -> list[SourceState]:
        return [_source_state(r) for r in self._db.execute("SELECT * FROM sources ORDER BY name")]

    def put_source(self, state: SourceState) -> None:
        """Store a source's whole state (insert or replace every column)."""
        values = (
            state.url,
            state.etag,
            state.last_modified,
            _ts(state.last_attempt),
            _ts(state.last_success),
            state.last_status,
            state.error_kind,
            state.last_error,
            state.failures,
            _ts(state.next_attempt),
            state.disabled,
            state.moved_to,
            state.redirect_to,
            state.redirect_runs,
        )
        assignments = ", ".join(f"{c} = excluded.{c}" for c in _SOURCE_COLUMNS)
        self._db.execute(
            f"""INSERT INTO sources (name, {", ".join(_SOURCE_COLUMNS)})
                VALUES (?, {", ".join("?" * len(_SOURCE_COLUMNS))})
                ON CONFLICT (name) DO UPDATE SET {assignments}""",
            (state.name, *values),
        )


def _source_state(row: Any) -> SourceState:
    return SourceState(
        name=row["name"],
        url=row["url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_attempt=_dt(row["last_attempt"]),
        last_success=_dt(row["last_success"]),
        last_status=row["last_status"],
        error_kind=row["error_kind"],
        last_error=row["last_error"],
        failures=int(row["failures"]),
        next_attempt=_dt(row["next_attempt"]),
        disabled=row["disabled"],
        moved_to=row["moved_to"],
        redirect_to=row["redirect_to"],
        redirect_runs=int(row["redirect_runs"]),
    )
