from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auth.throttle import ThrottlePolicy

LAST = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
POLICY = ThrottlePolicy()


@pytest.mark.parametrize("failures", [0, 1, 4])
def test_up_to_five_failures_are_free(failures: int) -> None:
    assert POLICY.retry_after(failures, LAST, LAST) == 0
    assert POLICY.allows(failures, LAST, LAST)


@pytest.mark.parametrize(
    ("failures", "wait"),
    [(5, 1), (6, 2), (7, 4), (8, 8), (10, 32), (14, 512), (15, 900), (16, 900), (10_000, 900)],
)
def test_exponential_back_off_capped_at_fifteen_minutes(failures: int, wait: int) -> None:
    assert POLICY.retry_after(failures, LAST, LAST) == wait
    assert not POLICY.allows(failures, LAST, LAST)


def test_wait_counts_down_from_the_last_failure() -> None:
    assert POLICY.retry_after(8, LAST, LAST + timedelta(seconds=3)) == 5
    assert POLICY.retry_after(8, LAST, LAST + timedelta(seconds=7, milliseconds=200)) == 1
    assert POLICY.retry_after(8, LAST, LAST + timedelta(seconds=8)) == 0
    assert POLICY.allows(8, LAST, LAST + timedelta(seconds=9))


def test_failures_outside_the_window_are_forgotten() -> None:
    assert POLICY.retry_after(50, LAST, LAST + timedelta(minutes=14, seconds=59)) == 1
    assert POLICY.retry_after(50, LAST, LAST + timedelta(minutes=15)) == 0
    assert POLICY.window_start(LAST) == LAST - timedelta(minutes=15)


def test_clock_going_backwards_never_exceeds_the_delay() -> None:
    assert POLICY.retry_after(6, LAST, LAST - timedelta(hours=1)) == 2


def test_naive_datetimes_are_utc() -> None:
    naive_last = LAST.replace(tzinfo=None)
    assert POLICY.retry_after(7, naive_last, LAST + timedelta(seconds=1)) == 3


def test_configurable() -> None:
    policy = ThrottlePolicy(
        free_failures=2, max_delay=timedelta(seconds=60), window=timedelta(minutes=5)
    )
    assert policy.retry_after(1, LAST, LAST) == 0
    assert policy.retry_after(2, LAST, LAST) == 1
    assert policy.retry_after(3, LAST, LAST) == 2
    assert policy.retry_after(20, LAST, LAST) == 60
    assert policy.retry_after(20, LAST, LAST + timedelta(minutes=5)) == 0
    assert policy.delay(4) == timedelta(seconds=4)


@pytest.mark.parametrize(
    "kwargs",
    [{"free_failures": -1}, {"max_delay": timedelta(0)}, {"window": timedelta(seconds=-5)}],
)
def test_nonsense_policy_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        ThrottlePolicy(**kwargs)  # type: ignore[arg-type]
