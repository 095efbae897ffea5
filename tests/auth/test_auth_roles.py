from __future__ import annotations

import pytest

from auth.roles import Role, can_read_private_profile, is_admin, parse_roles


def test_role_values_match_stored_strings() -> None:
    assert [role.value for role in Role] == ["STUDENT", "INSTRUCTOR", "ADMIN"]
    assert Role.ADMIN == "ADMIN"


def test_parse_roles_ignores_unknown_strings() -> None:
    assert parse_roles(["STUDENT", "ROOT", "admin", "ADMIN"]) == {Role.STUDENT, Role.ADMIN}


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([], False),
        (["STUDENT", "INSTRUCTOR"], False),
        (["ADMIN"], True),
        ([Role.ADMIN], True),
        (("STUDENT", "ADMIN"), True),
        (["admin"], False),
    ],
)
def test_is_admin(roles: list[str], expected: bool) -> None:
    assert is_admin(roles) is expected


@pytest.mark.parametrize(
    ("viewer_id", "viewer_roles", "owner_id", "allowed"),
    [
        ("u1", ["STUDENT"], "u1", True),
        ("u1", [], "u1", True),
        ("u2", ["STUDENT"], "u1", False),
        ("u2", ["INSTRUCTOR"], "u1", False),
        ("u2", ["ADMIN"], "u1", True),
        (None, [], "u1", False),
        (None, ["ADMIN"], "u1", True),
    ],
)
def test_can_read_private_profile(
    viewer_id: str | None, viewer_roles: list[str], owner_id: str, allowed: bool
) -> None:
    assert can_read_private_profile(viewer_id, viewer_roles, owner_id) is allowed
