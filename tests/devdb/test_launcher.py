"""`leeto devdb`: built once per source change, clear errors without Go."""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
