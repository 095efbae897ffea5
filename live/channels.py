"""Channel names: one per session's seats, per user's enrolments, per course."""

from __future__ import annotations


def session_seats(session_id: object) -> str:
    return f"seats:{session_id}"


def user_enrollments(user_id: object) -> str:
    return f"enrollments:{user_id}"


def course(course_id: object) -> str:
    return f"course:{course_id}"
