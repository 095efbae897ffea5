"""Roles and the permission rules that depend only on who is asking."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

__all__ = ["Role", "can_read_private_profile", "is_admin", "parse_roles"]


class Role(StrEnum):
    STUDENT = "STUDENT"
    INSTRUCTOR = "INSTRUCTOR"
    ADMIN = "ADMIN"


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    """Known roles only: an unrecognised string grants nothing instead of failing."""
    known = {role.value for role in Role}
    return frozenset(Role(value) for value in values if value in known)


def is_admin(roles: Iterable[str]) -> bool:
    return Role.ADMIN in parse_roles(roles)


def can_read_private_profile(
    viewer_id: str | None, viewer_roles: Iterable[str], owner_id: str
) -> bool:
    """Private profile fields (phone, national id, birth date): the owner or an admin."""
    if viewer_id is not None and viewer_id == owner_id:
        return True
    return is_admin(viewer_roles)
