"""Roles a user may hold, as stored in `users.roles`.

What a role allows is decided in one place, `auth.rules`.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

__all__ = ["Role", "parse_roles"]


class Role(StrEnum):
    STUDENT = "STUDENT"
    INSTRUCTOR = "INSTRUCTOR"
    ADMIN = "ADMIN"


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    """Known roles only: an unrecognised string grants nothing instead of failing."""
    known = {role.value for role in Role}
    return frozenset(Role(value) for value in values if value in known)
