"""Who may do what: the one set of authorization rules.

Pure policy, no database. Each rule takes the *actor* — the signed-in user's id
with their roles as stored now, never as an access token remembers them — and
the thing acted on. `resolvers.authorization` builds the actor from the stored
user document; permission classes and resolvers both ask these rules, so the
answer is the same on every path (a promotion or a demotion counts from the
next request on).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from auth.roles import Role, parse_roles

__all__ = [
    "Actor",
    "is_admin",
    "is_instructor",
    "may_act_for_user",
    "may_create_course",
    "may_join_session",
    "may_manage_course",
]


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in user as stored now: an id and the roles their document holds."""

    user_id: Hashable
    roles: frozenset[Role]

    @classmethod
    def of(cls, user_id: Hashable, stored_roles: Iterable[str]) -> Actor:
        """Unknown role strings grant nothing."""
        return cls(user_id=user_id, roles=parse_roles(stored_roles))


def is_admin(actor: Actor | None) -> bool:
    return actor is not None and Role.ADMIN in actor.roles


def is_instructor(actor: Actor | None) -> bool:
    return actor is not None and Role.INSTRUCTOR in actor.roles


def may_act_for_user(actor: Actor | None, owner_id: Hashable) -> bool:
    """A user's own things (personal data, enrolments, reviews, the account itself):
    the user, or an administrator."""
    if actor is None:
        return False
    return actor.user_id == owner_id or is_admin(actor)


def may_create_course(actor: Actor | None) -> bool:
    """Instructors add courses to the catalogue (as one of their teachers); admins too."""
    return is_instructor(actor) or is_admin(actor)


def may_manage_course(actor: Actor | None, course: Mapping[str, Any]) -> bool:
    """An instructor who teaches the course (listed in its `instructorIds`), or an admin.

    Being listed is not enough without the INSTRUCTOR role: a teacher demoted
    to student loses the courses they taught at once.
    """
    if is_admin(actor):
        return True
    if actor is None or not is_instructor(actor):
        return False
    return actor.user_id in course.get("instructorIds", [])


def may_join_session(actor: Actor | None, session: Mapping[str, Any], *, seated: bool) -> bool:
    """A session's meeting link: its seated students (`seated`), its instructor, admins."""
    if actor is None:
        return False
    return seated or actor.user_id == session.get("instructorId") or is_admin(actor)
