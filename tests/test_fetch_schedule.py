"""The pure scheduling decisions: plain values in, plain values out."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from jjfeed import schedule
from jjfeed.model import Fetched, FetchSettings, Source, SourceState, Validators

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SRC = Source("s", url="https://a.example/feed")
SETTINGS = FetchSettings(backoff_base=600, max_delay=86400)


def fetched(
    status: int | None = 200, headers: dict[str, str] | None = None, **kw: object
) -> Fetched:
    return Fetched(SRC, SRC.url or "", status, headers=tuple((headers or {}).items()), **kw)  # type: ignore[arg-type]


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(1)
    for failures in range(1, 12):
        step = min(86400, 600 * 2 ** (failures - 1))
        delays = [schedule.backoff(failures, SETTINGS, rng).total_seconds() for _ in range(50)]
        assert all(step * 0.5 <= d <= step for d in delays)
        assert len(set(delays)) > 1  # jittered
    assert schedule.backoff(10_000, SETTINGS, rng) <= timedelta(days=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", timedelta(seconds=120)),
        (" 0 ", timedelta(0)),
        ("Sun, 01 Nov 2026 12:10:00 GMT", timedelta(minutes=10)),
        ("Sun, 01 Nov 2026 11:00:00 GMT", timedelta(0)),  # in the past
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after(value: str | None, expected: timedelta | None) -> None:
    assert schedule.retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("max-age=300", 300),
        ("public, max-age=3600, must-revalidate", 3600),
        ('max-age="60"', 60),
        ("no-cache, max-age=300", None),
        ("no-store", None),
        ("private", None),
        (None, None),
        ("max-age=abc", None),
    ],
)
def test_max_age(value: str | None, expected: int | None) -> None:
    assert schedule.max_age(value) == expected


def test_success_resets_failures_and_honours_bounded_max_age() -> None:
    state = SourceState("s", SRC.url, failures=4, error_kind="timeout", last_error="x")
    got = fetched(headers={"Cache-Control": "max-age=600"}, validators=Validators('"e"', None))
    decision = schedule.succeeded(state, got, NOW, SETTINGS)
    assert decision.state.failures == 0 and decision.state.error_kind is None
    assert decision.state.etag == '"e"' and decision.state.last_success == NOW
    assert decision.state.next_attempt == NOW + timedelta(minutes=10)
    week = fetched(headers={"Cache-Control": "max-age=604800"})
    assert schedule.succeeded(state, week, NOW, SETTINGS).state.next_attempt == NOW + timedelta(
        days=1
    )
    assert schedule.succeeded(state, fetched(), NOW, SETTINGS).state.next_attempt is None


def test_failure_backs_off_and_alerts_once_at_the_threshold() -> None:
    rng = random.Random(3)
    state = SourceState("s", SRC.url)
    alerts = []
    for n in range(1, 6):
        decision = schedule.failed(state, "timeout", "timed out", NOW, SETTINGS, rng)
        state = decision.state
        assert state.failures == n and state.error_kind == "timeout"
        assert state.next_attempt is not None and state.next_attempt > NOW
        alerts.append(decision.alert)
    assert alerts == [False, False, True, False, False]  # alert_after=3


def test_retry_after_wins_when_longer_than_backoff() -> None:
    got = fetched(429, {"Retry-After": "7200"}, error="HTTP 429", error_kind="rate_limited")
    state = schedule.failed(
        SourceState("s"), "rate_limited", "HTTP 429", NOW, SETTINGS, random.Random(0), got
    ).state
    assert state.next_attempt == NOW + timedelta(hours=2)
    huge = fetched(503, {"Retry-After": "9999999"})
    state = schedule.failed(
        SourceState("s"), "http", "HTTP 503", NOW, SETTINGS, random.Random(0), huge
    ).state
    assert state.next_attempt == NOW + timedelta(days=1)


def test_gone_disables_with_a_note_and_enable_undoes_it() -> None:
    decision = schedule.failed(
        SourceState("s", SRC.url), "gone", "HTTP 410 Gone", NOW, SETTINGS, random.Random(0),
        fetched(410),
    )  # fmt: skip
    assert decision.alert and decision.state.disabled and "410" in decision.state.disabled
    assert "jjfeed enable s" in str(decision.note)
    reason = schedule.skip_reason(decision.state, NOW + timedelta(days=30))
    assert reason is not None and reason.startswith("disabled")
    again = schedule.enabled(decision.state)
    assert again.disabled is None and schedule.skip_reason(again, NOW) is None


def test_skip_until_due_with_a_minute_of_slack() -> None:
    state = SourceState("s", next_attempt=NOW + timedelta(minutes=10))
    assert "not due until" in str(schedule.skip_reason(state, NOW))
    assert schedule.skip_reason(state, NOW + timedelta(minutes=9, seconds=30)) is None


def test_permanent_target_follows_only_the_leading_permanent_hops() -> None:
    assert schedule.permanent_target([(301, "b"), (308, "c"), (302, "d")]) == "c"
    assert schedule.permanent_target([(302, "b"), (301, "c")]) is None
    assert schedule.permanent_target([]) is None


def test_move_is_adopted_after_three_runs_in_a_row() -> None:
    state = SourceState("s", SRC.url)
    moved = fetched(redirects=((301, "https://b.example/feed"),))
    notes = []
    for _ in range(3):
        decision = schedule.succeeded(state, moved, NOW, SETTINGS)
        state = decision.state
        notes.append(decision.note)
    assert notes[:2] == [None, None] and "moved permanently to https://b.example/feed" in str(
        notes[2]
    )
    assert state.moved_to == "https://b.example/feed"
    assert schedule.fetch_url(SRC, state) == "https://b.example/feed"


def test_interrupted_move_starts_counting_again() -> None:
    state = SourceState("s", SRC.url)
    moved = fetched(redirects=((301, "https://b.example/feed"),))
    state = schedule.succeeded(state, moved, NOW, SETTINGS).state
    state = schedule.succeeded(state, moved, NOW, SETTINGS).state
    state = schedule.succeeded(state, fetched(), NOW, SETTINGS).state  # served directly once
    assert state.redirect_runs == 0
    for _ in range(2):
        state = schedule.succeeded(state, moved, NOW, SETTINGS).state
    assert state.moved_to is None and state.redirect_runs == 2


def test_state_for_a_changed_url_starts_afresh_unless_it_is_the_move() -> None:
    stored = SourceState(
        "s", SRC.url, etag='"e"', failures=2, disabled="HTTP 410", moved_to="https://b/"
    )
    assert schedule.state_for(SRC, stored) is stored
    fresh = schedule.state_for(Source("s", url="https://c/"), stored)
    assert fresh == SourceState("s", "https://c/")
    adopted = schedule.state_for(Source("s", url="https://b/"), stored)
    assert adopted.url == "https://b/" and adopted.moved_to is None and adopted.etag == '"e"'
    assert schedule.state_for(SRC, None) == SourceState("s", SRC.url)


def test_fetch_order_puts_the_longest_waiting_first() -> None:
    states = [
        SourceState("a", last_attempt=NOW),
        SourceState("b"),
        SourceState("c", last_attempt=NOW - timedelta(hours=1)),
        SourceState("d", last_attempt=NOW),
    ]
    assert schedule.fetch_order(states) == [1, 2, 0, 3]
