"""`leeto devdb`: built once per source change, clear errors without Go."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from server import devdb
from tests.cli import leeto_env, run_leeto


def test_without_go_the_error_says_what_to_do(tmp_path: Path) -> None:
    env = {
        "PATH": str(Path(sys.executable).parent),  # no Go here
        "XDG_CACHE_HOME": str(tmp_path / "cache"),  # nothing cached either
        "HOME": str(tmp_path),
        "PYTHONPATH": str(Path(devdb.__file__).resolve().parents[1]),
    }
    result = run_leeto("devdb", "--port", "1", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "install Go >= 1.24 or set MONGODB_URI" in result.stderr
    assert "Traceback" not in result.stderr


def test_build_is_cached_by_source_digest() -> None:
    first = devdb.build(quiet=True)
    mtime = first.stat().st_mtime_ns
    again = devdb.build(quiet=True)
    assert again == first
    assert again.stat().st_mtime_ns == mtime
    assert devdb.source_digest() in first.name


def test_source_digest_changes_with_the_sources(tmp_path: Path, monkeypatch) -> None:
    copy = tmp_path / "devdb"
    copy.mkdir()
    for path in devdb.SOURCE_DIR.iterdir():
        if path.is_file():
            (copy / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(devdb, "SOURCE_DIR", copy)
    before = devdb.source_digest()
    (copy / "main.go").write_text((copy / "main.go").read_text() + "\n// changed\n")
    assert devdb.source_digest() != before


def test_seed_refuses_production(tmp_path: Path) -> None:
    env = leeto_env(
        LEETO_ENV="production",
        MONGODB_URI="mongodb://127.0.0.1:1/leeto",
    )
    result = run_leeto("seed", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "refusing to seed" in result.stderr


def test_invalid_settings_are_explained(tmp_path: Path) -> None:
    env = {**os.environ, "LEETO_ENV": "staging"}
    result = run_leeto("seed", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "invalid settings" in result.stderr
    assert "LEETO_ENV" in result.stderr
    assert "Traceback" not in result.stderr


def _fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No engine binary cached yet; Go's own build cache (which would follow
    XDG_CACHE_HOME) stays where it is, warm."""
    go_cache = subprocess.run(
        ["go", "env", "GOCACHE"], capture_output=True, text=True, check=True
    ).stdout.strip()
    monkeypatch.setenv("GOCACHE", go_cache)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_a_build_says_what_it_is_doing_while_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _fresh_cache(tmp_path, monkeypatch)
    binary = devdb.build(progress_every=0.2)
    assert binary.is_file()
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("building the embedded engine into")
    assert "about 2 min 00 s with empty Go caches" in printed[0]
    assert printed[-1].startswith("built the embedded engine in ")
    progress = printed[1:-1]
    assert progress, "no progress while go build ran"
    assert all(line.startswith("  ") and " s: " in line for line in progress)


def test_progress_estimates_what_is_left() -> None:
    class Output:
        compiled = 0
        downloading = True

    output = Output()
    assert devdb._progress(5, output, 500) == "  5 s: downloading Go modules"  # type: ignore[arg-type]
    output.compiled = 100
    line = devdb._progress(30, output, 500)  # type: ignore[arg-type]
    assert line == "  30 s: 100 of up to 500 packages compiled, roughly 2 min 00 s left"
    assert devdb._progress(75, output, None) == "  1 min 15 s: 100 packages compiled"  # type: ignore[arg-type]


def test_a_failed_build_shows_the_compiler_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "devdb"
    copy.mkdir()
    for path in devdb.SOURCE_DIR.iterdir():
        if path.is_file():
            (copy / path.name).write_bytes(path.read_bytes())
    (copy / "broken.go").write_text("package main\n\nvar broken int = \"not a number\"\n")
    monkeypatch.setattr(devdb, "SOURCE_DIR", copy)
    _fresh_cache(tmp_path, monkeypatch)
    with pytest.raises(devdb.DevDBError, match="building devdb failed") as failed:
        devdb.build(quiet=True)
    assert "broken.go" in str(failed.value)
