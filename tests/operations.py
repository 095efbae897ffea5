"""Operation documents used by several tests, read from tests/operations/."""

from pathlib import Path

OPERATIONS = Path(__file__).parent / "operations"


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")
