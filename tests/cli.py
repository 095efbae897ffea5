"""Run the `leeto` command as a separate process, the way a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_leeto(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


def leeto_env(**variables: str) -> dict[str, str]:
    """This process's environment without any Leeto setting, plus the given ones."""
    base = {
        k: v for k, v in os.environ.items() if not k.startswith("LEETO_") and k != "MONGODB_URI"
    }
    return {**base, **variables}
