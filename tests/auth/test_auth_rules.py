"""The one set of authorization rules, as a table."""

from __future__ import annotations

from typing import Any

import pytest

from auth.rules import (
    Actor,
    is_admin,
    may_act_for_user,
    may_create_course,
    may_join_session,
    may_manage_course,
)


def actor(user_id: str, *roles: str) -> Actor:
    return Actor.of(user_id, roles)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, False),
        (actor("u1"), False),
        (actor("u1", "STUDENT", "INSTRUCTOR"), False),
        (actor("u1", "ADMIN"), True),
        (actor("u1", "STUDENT", "ADMIN"), True),
        (actor("u1", "admin", "ROOT"), False),
    ],
)
def test_is_admin(who: Actor | None, expected: bool) -> None:
    assert is_admin(who) is expected


@pytest.mark.parametrize(
    ("who", "owner", "allowed"),
    [
        (actor("u1", "STUDENT"), "u1", True),
        (actor("u1"), "u1", True),
        (actor("u2", "STUDENT"), "u1", False),
        (actor("u2", "INSTRUCTOR"), "u1", False),
        (actor("u2", "ADMIN"), "u1", True),
        (None, "u1", False),
    ],
)
def test_may_act_for_user(who: Actor | None, owner: str, allowed: bool) -> None:
    assert may_act_for_user(who, owner) is allowed


COURSE: dict[str, Any] = {"instructorIds": ["teacher"]}


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (actor("teacher", "INSTRUCTOR"), True),
        (actor("teacher", "STUDENT"), False),  # listed, but no longer an instructor
        (actor("other", "INSTRUCTOR"), False),
        (actor("other", "STUDENT"), False),
        (actor("other", "ADMIN"), True),
        (None, False),
    ],
)
def test_may_manage_course(who: Actor | None, allowed: bool) -> None:
    assert may_manage_course(who, COURSE) is allowed


def test_a_course_without_instructors_is_managed_by_admins_only() -> None:
    assert may_manage_course(actor("a", "ADMIN"), {})
    assert not may_manage_course(actor("t", "INSTRUCTOR"), {})


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (actor("u", "INSTRUCTOR"), True),
        (actor("u", "ADMIN"), True),
        (actor("u", "STUDENT"), False),
        (None, False),
    ],
)
def test_may_create_course(who: Actor | None, allowed: bool) -> None:
    assert may_create_course(who) is allowed


@pytest.mark.parametrize(
    ("who", "seated", "allowed"),
    [
        (actor("student", "STUDENT"), True, True),
        (actor("student", "STUDENT"), False, False),
        (actor("teacher", "INSTRUCTOR"), False, True),
        (actor("other", "INSTRUCTOR"), False, False),
        (actor("other", "ADMIN"), False, True),
        (None, True, False),
    ],
)
def test_may_join_session(who: Actor | None, seated: bool, allowed: bool) -> None:
    assert may_join_session(who, {"instructorId": "teacher"}, seated=seated) is allowed
