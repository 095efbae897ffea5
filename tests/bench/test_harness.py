"""`make bench` in its tiny mode: every variant as a real server, results.json complete."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CELL_KEYS = {
    "requests",
    "warm_up",
    "concurrency",
    "cpu_ms_per_request",
    "commands_per_request",
    "commands_by_name",
    "p50_ms",
    "p99_ms",
    "throughput_per_s",
    "peak_rss_mib",
}


def test_quick_run_writes_every_figure(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "bench.harness", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert (tmp_path / "results.png").read_bytes().startswith(b"\x89PNG")
    assert {"cores", "cpu", "python", "packages"} <= set(results["machine"])
    assert set(results["plan"]["scenarios"]) == {"course_detail", "log_in", "enrol_cancel"}

    cells = results["results"]
    assert set(cells["course_detail"]) == {"leeto", "naive", "floor"}
    assert set(cells["log_in"]) == set(cells["enrol_cancel"]) == {"leeto", "naive"}
    for by_variant in cells.values():
        for cell in by_variant.values():
            assert set(cell) == CELL_KEYS
            assert cell["requests"] >= 1
            assert cell["peak_rss_mib"] > 0

    # The floor answered exactly what Leeto answered, with the same commands.
    assert results["floor_matches_leeto"] == {"course_detail": True}
    detail = cells["course_detail"]
    assert detail["floor"]["commands_per_request"] == detail["leeto"]["commands_per_request"]
    assert detail["naive"]["commands_per_request"] > detail["leeto"]["commands_per_request"]

    for ratios in results["ratios"].values():
        assert set(ratios) == {"efficiency_vs_floor", "commands_vs_naive", "latency_vs_naive"}
    assert results["ratios"]["course_detail"]["efficiency_vs_floor"] is not None
    assert results["ratios"]["log_in"]["efficiency_vs_floor"] is None
    assert results["ratios"]["course_detail"]["commands_vs_naive"] > 1

    burst = results["burst"]
    assert {"p99_ms_alone", "p99_ms_with_burst", "p99_ratio", "logins"} <= set(burst)
    assert set(results["growth"]) == {"1x"}
    assert set(results["growth"]["1x"]) == {"course_detail"}
    assert "subscription_fanout" in results
    assert results["skipped"] == []
