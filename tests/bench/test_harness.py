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
    "busy_cpu_ms_per_request",
    "idle_cpu_ms_per_s",
    "commands_per_request",
    "commands_alone",
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
    for by_variant in cells.values():
        assert set(by_variant) == {"leeto", "naive", "floor"}
    for by_variant in cells.values():
        for cell in by_variant.values():
            assert set(cell) == CELL_KEYS
            assert cell["requests"] >= 1
            assert cell["peak_rss_mib"] > 0
            # Sampled before the requests; what they cost without it is never more.
            assert cell["idle_cpu_ms_per_s"] is not None
            assert cell["busy_cpu_ms_per_request"] <= cell["cpu_ms_per_request"]

    # The floor answered what Leeto answered (writes: equivalently), with the same commands.
    assert results["floor_matches_leeto"] == {
        "course_detail": True,
        "log_in": True,
        "enrol_cancel": True,
    }
    detail, log_in, enrol = cells["course_detail"], cells["log_in"], cells["enrol_cancel"]
    assert detail["floor"]["commands_per_request"] == detail["leeto"]["commands_per_request"]
    assert detail["naive"]["commands_per_request"] > detail["leeto"]["commands_per_request"]
    assert log_in["floor"]["commands_by_name"] == log_in["leeto"]["commands_by_name"]
    # A pair run alone: concurrent pairs race for seat claims and share notice jobs.
    assert enrol["floor"]["commands_alone"] == enrol["leeto"]["commands_alone"]
    assert enrol["naive"]["commands_alone"] is None  # no warm-up

    # Per log-in or pair, the same effects in the database, the notice e-mail included.
    effects = results["write_effects"]
    assert effects["log_in"]["floor"] == effects["log_in"]["leeto"]
    assert effects["enrol_cancel"]["floor"] == effects["enrol_cancel"]["leeto"]
    assert effects["enrol_cancel"]["floor"]["notices"] == 1

    for name, ratios in results["ratios"].items():
        assert set(ratios) == {"efficiency_vs_floor", "commands_vs_naive", "latency_vs_naive"}
        assert ratios["efficiency_vs_floor"] is not None, name
    assert results["ratios"]["course_detail"]["commands_vs_naive"] > 1

    burst = results["burst"]
    assert {"p99_ms_alone", "p99_ms_with_burst", "p99_ratio", "logins"} <= set(burst)
    assert set(results["growth"]) == {"1x"}
    assert set(results["growth"]["1x"]) == {"course_detail"}
    assert "subscription_fanout" in results
    assert results["skipped"] == []
