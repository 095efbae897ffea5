"""Log-in throttling policy; the failure counts themselves live in the datastore."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from auth._time import as_utc

__all__ = ["ThrottlePolicy"]


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """A few free failures, then exponential back-off, forgotten after a quiet window.

    Back-off rather than lock-out: an attacker cannot lock a victim out for
    long, yet guessing slows to a few attempts per quarter hour. Naive
    datetimes are taken as UTC.
    """

    free_failures: int = 5
    max_delay: timedelta = timedelta(minutes=15)
    window: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.free_failures < 0:
            raise ValueError("free_failures must not be negative")
        if self.max_delay <= timedelta(0) or self.window <= timedelta(0):
            raise ValueError("max_delay and window must be positive")

    def window_start(self, now: datetime) -> datetime:
        """Failures before this moment no longer count."""
        return as_utc(now) - self.window

    def delay(self, failures: int) -> timedelta:
        """Wait imposed after the given number of recent failures.

        The allowance is spent by the `free_failures`-th failure: from then on each
        attempt waits 1, 2, 4 … seconds after the last failure.
        """
        excess = failures - self.free_failures
        if excess < 0:
            return timedelta(0)
        # The exponent is clamped so a huge failure count cannot overflow.
        seconds = min(2.0 ** min(excess, 64), self.max_delay.total_seconds())
        return timedelta(seconds=seconds)

    def retry_after(self, failures: int, last_failure_at: datetime, now: datetime) -> int:
        """Whole seconds to wait before the next attempt; 0 means allowed now."""
        now_utc = as_utc(now)
        last = as_utc(last_failure_at)
        if now_utc - last >= self.window:
            return 0
        delay = self.delay(failures)
        # A clock step backwards must not stretch the wait beyond the delay.
        remaining = min(last + delay - now_utc, delay)
        if remaining <= timedelta(0):
            return 0
        return math.ceil(remaining.total_seconds())

    def allows(self, failures: int, last_failure_at: datetime, now: datetime) -> bool:
        return self.retry_after(failures, last_failure_at, now) == 0
