"""What the benchmark ran on: cores, CPU model, load, Python and the key packages."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = (
    "strawberry-graphql",
    "graphql-core",
    "starlette",
    "uvicorn",
    "pymongo",
    "aiodataloader",
    "orjson",
    "argon2-cffi",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def describe() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def summary(machine: dict[str, Any]) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items() if v)
    load = " ".join(str(x) for x in machine["load_average_at_start"])
    return (
        f"machine: {machine['cores']} cores, {machine['cpu']}, {machine['system']}, "
        f"Python {machine['python']}; load average {load}\n  {packages}"
    )
