"""Builds and runs the embedded engine (``devdb/``: FerretDB on SQLite).

The Go build is cached under the user's cache directory, keyed by a hash of
the sources, so it happens once per change of ``devdb/``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO

SOURCE_DIR = Path(__file__).resolve().parent.parent / "devdb"
MIN_GO = (1, 24)
GO_MISSING = "the embedded engine needs Go >= 1.24: install Go >= 1.24 or set MONGODB_URI"


class DevDBError(RuntimeError):
    """The embedded engine could not be built or started."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "leeto" / "devdb"


def source_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(SOURCE_DIR.glob("*")):
        if path.suffix in {".go", ".mod", ".sum"}:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _go_executable() -> str:
    go = shutil.which("go")
    if go is None:
        raise DevDBError(GO_MISSING)
    out = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [go, "env", "GOVERSION"], capture_output=True, text=True, check=False
    ).stdout
    match = re.match(r"go(\d+)\.(\d+)", out.strip())
    if match is None or (int(match[1]), int(match[2])) < MIN_GO:
        raise DevDBError(f"found {out.strip() or 'an unknown Go'}; {GO_MISSING}")
    return go


def build(*, quiet: bool = False, progress_every: float = 10.0) -> Path:
    """Return the path of the engine binary, building it if the sources changed.

    Unless quiet, the build prints what it is doing every `progress_every`
    seconds: a cold one (empty Go caches) takes about two minutes.
    """
    if not (SOURCE_DIR / "main.go").is_file():
        raise DevDBError(f"devdb sources not found in {SOURCE_DIR}")
    target = cache_dir() / f"devdb-{source_digest()}"
    if target.is_file():
        return target
    go = _go_executable()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".tmp")
    if not quiet:
        print(
            f"building the embedded engine into {target} (once per change of devdb/; "
            f"about {_duration(COLD_BUILD_SECONDS)} with empty Go caches, seconds with warm ones)",
            flush=True,
        )
    started = time.monotonic()
    _go_build(go, partial, progress_every=None if quiet else progress_every)
    partial.replace(target)
    if not quiet:
        print(f"built the embedded engine in {_duration(time.monotonic() - started)}", flush=True)
    return target


COLD_BUILD_SECONDS = 120.0


def _duration(seconds: float) -> str:
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60:02d} s"


def _package_count(go: str) -> int | None:
    """How many packages the engine is made of (None when Go cannot list them yet)."""
    listed = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [go, "list", "-deps", "."],
        cwd=SOURCE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        return None
    return len(listed.stdout.split()) or None


class _BuildOutput:
    """Reads `go build -v` as it runs: each line it prints names a package it compiled."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self.compiled = 0
        self.downloading = False
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("go: downloading"):
                self.downloading = True
            elif _is_package_name(line.rstrip("\n")):
                self.compiled += 1

    def join(self) -> None:
        self._thread.join()


def _progress(elapsed: float, output: _BuildOutput, total: int | None) -> str:
    done = output.compiled
    if done == 0:
        doing = "downloading Go modules" if output.downloading else "starting"
        return f"  {_duration(elapsed)}: {doing}"
    if total is None:
        return f"  {_duration(elapsed)}: {done} packages compiled"
    share = min(done / total, 1.0)
    left = elapsed / share - elapsed if done >= 20 else max(COLD_BUILD_SECONDS - elapsed, 0)
    return (
        f"  {_duration(elapsed)}: {done} of up to {total} packages compiled, "
        f"roughly {_duration(left)} left"
    )


def _go_build(go: str, output_path: Path, *, progress_every: float | None) -> None:
    total = _package_count(go) if progress_every is not None else None
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        [go, "build", "-v", "-trimpath", "-buildvcs=false", "-o", str(output_path), "."],
        cwd=SOURCE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    output = _BuildOutput(process.stdout)
    started = time.monotonic()
    while True:
        try:
            process.wait(timeout=progress_every)
            break
        except subprocess.TimeoutExpired:
            print(_progress(time.monotonic() - started, output, total), flush=True)
    output.join()
    if process.returncode != 0:
        errors = [line for line in output.lines if not _is_package_name(line)]
        raise DevDBError("building devdb failed:\n" + "\n".join(errors).strip())


def _is_package_name(line: str) -> bool:
    return bool(line) and not line.startswith(("go: ", "#", " ", "\t")) and " " not in line


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DevDBError(f"the embedded engine exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise DevDBError(f"the embedded engine did not listen on port {port} within {timeout:.0f}s")


class EmbeddedEngine:
    """A running devdb process; use as a context manager or call start()/stop()."""

    def __init__(self, *, port: int, data_dir: Path, log_level: str = "error") -> None:
        self.port = port
        self.data_dir = data_dir
        self.log_level = log_level
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self, *, timeout: float = 30.0) -> None:
        binary = build()
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        argv = [
            str(binary),
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--log-level",
            self.log_level,
            "--exit-with-parent",
        ]
        self._process = subprocess.Popen(argv)  # noqa: S603 - our own binary
        try:
            _wait_for_port(self.port, self._process, timeout)
        except DevDBError:
            self.stop()
            raise

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def wait(self) -> int:
        """Block until the engine exits; returns its exit code."""
        if self._process is None:
            return 0
        return self._process.wait()

    def __enter__(self) -> EmbeddedEngine:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
