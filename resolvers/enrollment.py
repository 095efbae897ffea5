"""Enrolments: what other features ask of them."""

from __future__ import annotations

from bson import ObjectId

from resolvers.context import Context

__all__ = ["cancel_all_enrollments_of_user"]


async def cancel_all_enrollments_of_user(ctx: Context, user_id: ObjectId) -> int:
    """Cancel every live enrolment (ACTIVE or WAITLISTED) of the user, each freed
    seat going to the session's earliest waitlisted student; how many were cancelled.

    Called when an account is deleted (`resolvers.account_deletion`), after the
    user's personal data is erased, so the user can no longer enrol meanwhile.
    Must be safe to call again for the same user (a retried deletion).
    """
    return 0  # merged with the enrolment work
