"""Statuses of stored enrolments, derived from raw documents as the API derives them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from datastore.seating import Seating


def stored_status(raw: Any, enrollment: dict[str, Any]) -> str:
    """ACTIVE, COMPLETED, WAITLISTED or CANCELLED, from the raw collections."""
    session = raw.sessions.find_one({"_id": enrollment["sessionId"]})
    seating = Seating(
        capacity=int(session["capacity"]),
        enrollments=list(raw.enrollments.find({"sessionId": session["_id"]})),
        claims=list(raw.seatClaims.find({"sessionId": session["_id"]})),
    )
    status = seating.status[enrollment["_id"]].value
    if status == "ACTIVE" and session["endsAt"].replace(tzinfo=UTC) <= datetime.now(UTC):
        return "COMPLETED"
    return status


def enrollments_with_status(raw: Any, status: str) -> list[dict[str, Any]]:
    return [e for e in raw.enrollments.find() if stored_status(raw, e) == status]


def seats_taken(raw: Any, session: dict[str, Any]) -> int:
    """Students seated in a session: the latest claim of each seat within the
    capacity, held by a student whose enrolment is not cancelled."""
    latest: dict[int, dict[str, Any]] = {}
    for claim in raw.seatClaims.find({"sessionId": session["_id"]}):
        if claim["seat"] not in latest or claim["gen"] > latest[claim["seat"]]["gen"]:
            latest[claim["seat"]] = claim
    holders = [
        c["holderId"]
        for seat, c in latest.items()
        if seat <= session["capacity"] and c["kind"] == "SEAT"
    ]
    return raw.enrollments.count_documents(
        {"_id": {"$in": holders}, "cancelledAt": {"$exists": False}}
    )
