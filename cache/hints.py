"""Cache hints of the schema's types and fields, after Apollo's `@cacheControl`.

A hint gives a max age (None: the server's default, LEETO_RESPONSE_CACHE_MAX_AGE_SECONDS)
and a scope: PUBLIC (the same answer for everyone) or PRIVATE (depends on who asks).
Fields guarded by a permission class are PRIVATE without being listed here. The
rules that combine hints over a document are in `cache.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CacheScope(StrEnum):
    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"


@dataclass(frozen=True)
class CacheHint:
    max_age: int | None = None  # None: the default max age
    scope: CacheScope | None = None  # None: no constraint on the scope
    # The field takes its parent's max age instead of the default of 0 for an
    # object field without a hint (paging wrappers: connections, edges).
    inherit_max_age: bool = False


DEFAULT = CacheHint()
PRIVATE = CacheHint(scope=CacheScope.PRIVATE)
INHERIT = CacheHint(inherit_max_age=True)
# Seats and waitlists change with every enrolment: invalidation keeps them exact,
# the short age bounds what a shared HTTP cache may keep showing.
SHORT_LIVED = CacheHint(max_age=30)

# Catalogue objects: public for the default max age.
TYPE_HINTS: dict[str, CacheHint] = {
    "Course": DEFAULT,
    "Session": DEFAULT,
    "Campus": DEFAULT,
    "Review": DEFAULT,
    "User": DEFAULT,  # the public profile; personal data fields are permission-guarded
    "Node": DEFAULT,
    "PageInfo": INHERIT,
    "Enrollment": PRIVATE,
}

FIELD_HINTS: dict[str, CacheHint] = {
    "Query.course": DEFAULT,
    "Query.courses": DEFAULT,
    "Query.campuses": DEFAULT,
    "Query.node": DEFAULT,
    "Query.nodes": DEFAULT,
    "Query.viewer": PRIVATE,
    "Session.seatsLeft": SHORT_LIVED,
    "Session.waitlistLength": SHORT_LIVED,
    "Session.viewerEnrollment": PRIVATE,
    "Session.viewerEnrollmentStatus": PRIVATE,
}


def type_hint(type_name: str) -> CacheHint | None:
    """A type's hint; paging wrappers (`…Connection`, `…Edge`) inherit."""
    hint = TYPE_HINTS.get(type_name)
    if hint is None and type_name.endswith(("Connection", "Edge")):
        return INHERIT
    return hint


def field_hint(type_name: str, field_name: str) -> CacheHint | None:
    return FIELD_HINTS.get(f"{type_name}.{field_name}")
