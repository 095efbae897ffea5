"""The PNG beside results.json: CPU and commands per request, by scenario and variant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt

COLOURS = {"leeto": "#2b6cb0", "naive": "#c05621", "floor": "#718096"}


def _with_efficiency(name: str, ratios: dict[str, Any]) -> str:
    efficiency = ratios.get("efficiency_vs_floor")
    return name if efficiency is None else f"{name}\nfloor/leeto CPU {efficiency:g}"


def draw(results: dict[str, Any], target: Path) -> None:
    scenarios = list(results["results"])
    variants = ["leeto", "naive", "floor"]
    figures = [
        ("cpu_ms_per_request", "server CPU ms per request (log)"),
        ("commands_per_request", "MongoDB commands per request (log)"),
        ("p50_ms", "p50 latency ms (log)"),
    ]
    fig, axes = plt.subplots(len(figures), 1, figsize=(11, 11))
    width = 0.8 / len(variants)
    for ax, (key, title) in zip(axes, figures, strict=True):
        for n, variant in enumerate(variants):
            xs, ys = [], []
            for i, name in enumerate(scenarios):
                cell = results["results"][name].get(variant)
                if cell is not None and cell[key] > 0:
                    xs.append(i + (n - 1) * width)
                    ys.append(cell[key])
            bars = ax.bar(xs, ys, width, label=variant, color=COLOURS[variant])
            ax.bar_label(bars, fmt="%.3g", fontsize=7)
        ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        labels = scenarios
        if key == "cpu_ms_per_request":  # the floor's share of Leeto's CPU, under each
            labels = [_with_efficiency(name, results["ratios"].get(name, {})) for name in scenarios]
        ax.set_xticks(range(len(scenarios)), labels, fontsize=8)
        ax.legend(fontsize=8)
    machine = results["machine"]
    fig.suptitle(
        f"Leeto vs naive vs floor — {machine['cores']} cores, {machine['cpu']}, "
        f"Python {machine['python']} (shared machine, load {machine['load_average_at_start'][0]})",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(target, dpi=90)
    plt.close(fig)
