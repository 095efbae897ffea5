"""Server processes under measurement: start, wait until ready, read CPU and memory, stop."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from server.devdb import free_port

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Server:
    url: str
    pid: int
    # What the process spends doing nothing (driver heartbeats, timers), once sampled.
    idle_cpu_ms_per_s: float | None = None

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    async def sample_idle(self, seconds: float) -> float:
        """CPU ms per second while no request arrives (CPU time moves in 10 ms ticks:
        sample for seconds, not moments)."""
        before = self.cpu_seconds()
        await asyncio.sleep(seconds)
        self.idle_cpu_ms_per_s = round((self.cpu_seconds() - before) * 1000 / seconds, 2)
        return self.idle_cpu_ms_per_s

    def peak_rss_mib(self) -> float:
        return peak_rss_mib(self.pid)


def leeto_command(port: int) -> list[str]:
    return [sys.executable, "-m", "server.cli", "serve", "--port", str(port)]


def floor_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.floor_app:app",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]


@asynccontextmanager
async def serving(
    command: list[str], port: int, env: dict[str, str], log: Path
) -> AsyncIterator[Server]:
    """One server process (uvicorn, one worker) until the block ends; its output goes to `log`."""
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: ASYNC220 - started before any measuring
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(url, process, log)
        yield Server(url=url, pid=process.pid)
    finally:
        process.terminate()
        # The server closes its pool through the proxy: keep the loop running.
        await asyncio.to_thread(process.wait, 30)


async def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path | None = None) -> None:
    """Until the server at `url` answers /readyz with 200: 120 s at most, and a
    process that exits meanwhile fails at once (with its output's tail from `log`)."""
    async with httpx.AsyncClient(base_url=url) as http:
        for _ in range(1200):
            if process.poll() is not None:
                tail = (
                    "" if log is None else await asyncio.to_thread(log.read_text, errors="replace")
                )
                raise RuntimeError(f"server exited at start:\n{tail[-2000:]}")
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("server did not become ready in 120 s")


def new_port() -> int:
    return free_port()
