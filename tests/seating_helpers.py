"""Statuses of stored enrolments, derived from raw documents as the API derives them."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from datastore.seating import Seating


def _status(session: dict[str, Any], seating: Seating, enrollment_id: Any) -> str:
    status = seating.status[enrollment_id].value
    if status == "ACTIVE" and session["endsAt"].replace(tzinfo=UTC) <= datetime.now(UTC):
        return "COMPLETED"
    return status


def statuses(raw: Any) -> list[tuple[dict[str, Any], str]]:
    """Every stored enrolment with its status, from three reads of the raw collections."""
    sessions = {s["_id"]: s for s in raw.sessions.find()}
    enrollments: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for doc in raw.enrollments.find():
        enrollments[doc["sessionId"]].append(doc)
    claims: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for claim in raw.seatClaims.find():
        claims[claim["sessionId"]].append(claim)
    found = []
    for session_id, docs in enrollments.items():
        session = sessions[session_id]
        seating = Seating(
            capacity=int(session["capacity"]), enrollments=docs, claims=claims[session_id]
        )
        found += [(doc, _status(session, seating, doc["_id"])) for doc in docs]
    return found


def enrollments_with_status(raw: Any, status: str) -> list[dict[str, Any]]:
    return [doc for doc, found in statuses(raw) if found == status]


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
