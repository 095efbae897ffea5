"""The README stays true: every setting documented, the two commands named."""

from __future__ import annotations

from pathlib import Path

from server.settings import Settings, variable_name

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = []
    for name in Settings.model_fields:
        variable = variable_name(name)
        if f"`{variable}`" not in README:
            missing.append(variable)
    assert missing == []


def test_the_two_commands_are_the_ones_ci_runs() -> None:
    assert "make run" in README
    assert "make test" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
