"""When to fetch each source again, and what its outcome does to its state.

Pure decisions, apart from their effects (the store saves the state, the
pipeline acts on it): every function takes plain values, including the clock
and the random source for jitter, and returns new values.

- A success (200 or 304) clears the failures; the next attempt is due at
  once, or after ``Cache-Control: max-age`` when the server gave one.
- A failure backs off exponentially with jitter: after the n-th failure in a
  row the source rests ``base * 2**(n-1)`` seconds, times a random factor in
  [0.5, 1], capped at ``max_delay``. A 429 or 503 with ``Retry-After`` rests
  at least that long. Every deferral is capped at ``max_delay`` (a day).
- 410 Gone disables the source until ``jjfeed enable``.
- A permanent redirect (301/308) seen on ``redirect_runs`` runs in a row
  moves the source: the target is stored and fetched from then on.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from .model import ErrorKind, Fetched, FetchSettings, Source, SourceState

# A cron run a few seconds early should not wait a whole extra interval.
DUE_SLACK = timedelta(minutes=1)
_PERMANENT = (301, 308)


@dataclass(frozen=True)
class Decision:
    """The state to store after one attempt, and what a person should hear about it."""

    state: SourceState
    note: str | None = None
    alert: bool = False


def state_for(source: Source, stored: SourceState | None) -> SourceState:
    """The state that applies to ``source`` as feeds.yaml describes it now.

    When feeds.yaml names another URL than the stored state's, the state is
    for a different feed and starts afresh (which also re-enables it), unless
    the new URL is the one the source had already moved to.
    """
    if stored is None:
        return SourceState(source.name, source.url)
    if stored.url == source.url:
        return stored
    if stored.moved_to is not None and stored.moved_to == source.url:
        return replace(stored, url=source.url, moved_to=None, redirect_to=None, redirect_runs=0)
    return SourceState(source.name, source.url)


def fetch_url(source: Source, state: SourceState) -> str:
    """Where to send the request: the moved-to URL once a move was adopted."""
    return state.moved_to or source.url or ""


def skip_reason(state: SourceState, now: datetime) -> str | None:
    """Why this source is not fetched in a run starting at ``now``, or None when it is due."""
    if state.disabled is not None:
        return f"disabled ({state.disabled}); `jjfeed enable {state.name}` to try again"
    if state.next_attempt is not None and state.next_attempt > now + DUE_SLACK:
        return f"not due until {state.next_attempt.isoformat(timespec='seconds')}"
    return None


def fetch_order(states: Sequence[SourceState]) -> list[int]:
    """Indexes of ``states``, least recently attempted first (never attempted first of all).

    When a run's time budget runs out, the sources left over go first next time.
    """
    return sorted(
        range(len(states)),
        key=lambda i: (states[i].last_attempt is not None, states[i].last_attempt or 0),
    )


def backoff(failures: int, settings: FetchSettings, rng: random.Random) -> timedelta:
    """Rest after ``failures`` failures in a row: doubling from ``backoff_base``, jittered."""
    step = min(settings.max_delay, settings.backoff_base * 2 ** min(max(failures, 1) - 1, 40))
    return timedelta(seconds=step * rng.uniform(0.5, 1.0))


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as a delay: delta-seconds or an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(timedelta(0), when - now)


def max_age(cache_control: str | None) -> int | None:
    """Seconds from ``Cache-Control: max-age``; None when absent, or with no-cache/no-store."""
    if not cache_control:
        return None
    age = None
    for directive in cache_control.lower().split(","):
        name, _, value = directive.strip().partition("=")
        if name in ("no-cache", "no-store"):
            return None
        if name == "max-age":
            value = value.strip().strip('"')
            if value.isdigit():
                age = int(value)
    return age


def permanent_target(redirects: Iterable[tuple[int, str]]) -> str | None:
    """Where the leading run of permanent redirects (301/308) led, if any."""
    target = None
    for status, location in redirects:
        if status not in _PERMANENT:
            break
        target = location
    return target


def succeeded(
    state: SourceState, fetched: Fetched, now: datetime, settings: FetchSettings
) -> Decision:
    """A 200 that parsed, or a 304."""
    age = max_age(fetched.header("Cache-Control"))
    next_attempt = None
    if age:
        next_attempt = now + timedelta(seconds=min(age, settings.max_delay))
    validators = fetched.validators
    new = replace(
        state,
        etag=validators.etag,
        last_modified=validators.last_modified,
        last_attempt=now,
        last_success=now,
        last_status=fetched.status,
        error_kind=None,
        last_error=None,
        failures=0,
        next_attempt=next_attempt,
    )
    new, note = _track_move(new, fetched.redirects, settings)
    return Decision(new, note, alert=note is not None)


def failed(
    state: SourceState,
    kind: ErrorKind,
    message: str,
    now: datetime,
    settings: FetchSettings,
    rng: random.Random,
    fetched: Fetched | None = None,
) -> Decision:
    """Any failure: HTTP errors, network errors, a body that is not a feed."""
    failures = state.failures + 1
    status = fetched.status if fetched is not None else None
    new = replace(
        state,
        last_attempt=now,
        last_status=status,
        error_kind=kind,
        last_error=message,
        failures=failures,
    )
    if status == 410:
        new = replace(new, disabled=f"HTTP 410 Gone on {now.date().isoformat()}", next_attempt=None)
        note = (
            f"gone (HTTP 410): disabled; remove it from feeds.yaml, "
            f"or `jjfeed enable {state.name}` to try again"
        )
        return Decision(new, note, alert=True)
    delay = backoff(failures, settings, rng)
    if fetched is not None and status in (429, 503):
        asked = retry_after(fetched.header("Retry-After"), now)
        if asked is not None:
            delay = max(delay, min(asked, timedelta(seconds=settings.max_delay)))
    new = replace(new, next_attempt=now + delay)
    return Decision(new, alert=failures == settings.alert_after)


def enabled(state: SourceState) -> SourceState:
    """The state after ``jjfeed enable``: due now, failures forgotten, validators kept."""
    return replace(state, disabled=None, next_attempt=None, failures=0)


def _track_move(
    state: SourceState, redirects: Sequence[tuple[int, str]], settings: FetchSettings
) -> tuple[SourceState, str | None]:
    target = permanent_target(redirects)
    if target is None:
        return replace(state, redirect_to=None, redirect_runs=0), None
    runs = state.redirect_runs + 1 if state.redirect_to == target else 1
    if runs < settings.redirect_runs:
        return replace(state, redirect_to=target, redirect_runs=runs), None
    note = (
        f"moved permanently to {target} (on {runs} runs in a row); "
        "fetching the new URL from now on; update feeds.yaml to match"
    )
    return replace(state, moved_to=target, redirect_to=None, redirect_runs=0), note
