from __future__ import annotations

from auth.roles import Role, parse_roles


def test_role_values_match_stored_strings() -> None:
    assert [role.value for role in Role] == ["STUDENT", "INSTRUCTOR", "ADMIN"]
    assert Role.ADMIN == "ADMIN"


def test_parse_roles_ignores_unknown_strings() -> None:
    assert parse_roles(["STUDENT", "ROOT", "admin", "ADMIN"]) == {Role.STUDENT, Role.ADMIN}
