"""What one uncontended enrolment and cancellation cost in MongoDB commands."""

from __future__ import annotations

from typing import Any

import httpx

from server.app import create_app
from server.settings import Settings
from tests.command_counter import CommandCounter
from tests.enrollment.enrollment_helpers import Academy, cancel, enroll

# Session, course, the student's earlier enrolments, the insert, then one settling
# round (seat claims and enrolments), the claim that seats the student, and the
# round that finds nothing left to do.
# Then the live seat event, published subscribed or not: the session read again
# (its seating is the settling's last read).
PUBLISH = 1
ENROLL_BUDGET = 9 + PUBLISH
# Find the enrolment, its session; seating (claims, enrolments); the cancellation;
# read it back; settle (two rounds: release or promote, then settled).
CANCEL_BUDGET = 11 + PUBLISH


async def test_enrolling_and_cancelling_stay_within_budget(
    academy: Academy, academy_settings: Settings
) -> None:
    counter = CommandCounter()
    app = create_app(academy_settings, event_listeners=[counter])
    session = academy.new_session(capacity=2)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            counter.reset()
            joined = await enroll(client, academy.students[0], session)
            assert joined["enrollment"]["status"] == "ACTIVE"
            enrolled: dict[str, Any] = dict(counter.commands)
            assert counter.total <= ENROLL_BUDGET, enrolled

            counter.reset()
            left = await cancel(client, academy.students[0], joined["enrollment"]["id"])
            assert left["enrollment"]["status"] == "CANCELLED"
            assert counter.total <= CANCEL_BUDGET, dict(counter.commands)
