"""What the jobs need to know, handed down by `server/` (which reads the settings)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class JobsConfig:
    redis_url: str | None
    smtp_url: str | None
    mail_from: str
    data_dir: Path
    max_attempts: int = 5
    retry_base_seconds: float = 2.0
    redeliver_seconds: float = 600.0
    sweep_seconds: float = 60.0
    reminder_seconds: float = 300.0
    cleanup_seconds: float = 600.0

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt`: doubling, at most an hour."""
        return float(min(self.retry_base_seconds * 2 ** (attempt - 1), 3600.0))

    @property
    def in_process(self) -> bool:
        return self.redis_url is None
