"""`leeto worker` as a separate process."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from tests.cli import ROOT


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    stderr: IO[bytes]

    def output(self) -> str:
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when a machine dies."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


@contextmanager
def worker_process(env: dict[str, str]) -> Iterator[Worker]:
    """Run `leeto worker` until it says it is ready; SIGTERM it on exit."""
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "worker"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        worker = Worker(process, stderr)
        try:
            deadline = time.monotonic() + 60
            while "worker ready" not in worker.output():
                assert process.poll() is None, f"leeto worker exited:\n{worker.output()[-2000:]}"
                assert time.monotonic() < deadline, "leeto worker did not start"
                time.sleep(0.1)
            yield worker
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
