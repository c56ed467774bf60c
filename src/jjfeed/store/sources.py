"""Sources: conditional-GET validators, the schedule's state, the record of failures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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
    @property
    def shared(self) -> bool:
        """Whether other workers write this store at the same time (PostgreSQL)."""
        return self._backend.shared

    def claim_sources(
        self, names: Sequence[str], worker: str, *, now: datetime, until: datetime,
        started: datetime, limit: int,
    ) -> list[str]:  # fmt: skip
        """Claim up to ``limit`` of ``names`` (in their order) for ``worker`` until ``until``.

        A source is free when nobody holds it (no claim, or one that ran out
        by ``now``: its worker died) and nobody let it go since ``started``
        (this worker's run began: another worker has run it meanwhile).
        Rows another worker is claiming at this moment are skipped, not
        waited for (``FOR UPDATE SKIP LOCKED``). Returns the claimed names.
        """
        if not names or limit <= 0:
            return []
        with self.transaction(lock=False):
            self._db.executemany(
                "INSERT INTO source_claims (source) VALUES (?) ON CONFLICT (source) DO NOTHING",
                [(name,) for name in names],
            )
            free = {
                str(r[0])
                for r in self._rows_in(
                    "SELECT source FROM source_claims WHERE source IN ({marks})"
                    " AND (until IS NULL OR until < ?) AND (done IS NULL OR done < ?)"
                    + self._backend.skip_locked,
                    list(names),
                    _ts(now),
                    _ts(started),
                )
            }
            claimed = [name for name in names if name in free][:limit]
            self._db.executemany(
                "UPDATE source_claims SET worker = ?, until = ? WHERE source = ?",
                [(worker, _ts(until), name) for name in claimed],
            )
        return claimed

    def release_source(self, name: str, worker: str, when: datetime) -> None:
        """Let go of ``worker``'s claim on ``name``, marking it run at ``when``."""
        self._db.execute(
            "UPDATE source_claims SET worker = NULL, until = NULL, done = ?"
            " WHERE source = ? AND worker = ?",
            (_ts(when), name, worker),
        )

    def claims(self) -> dict[str, tuple[str | None, datetime | None, datetime | None]]:
        """``{source: (worker, until, done)}``: who holds which source (`jjfeed feeds`)."""
        rows = self._db.execute("SELECT source, worker, until, done FROM source_claims")
        return {str(r[0]): (r[1], _dt(r[2]), _dt(r[3])) for r in rows}

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
