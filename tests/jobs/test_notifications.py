"""E-mails a student gets, through the real stack: HTTP into the app, jobs in
process, a real SMTP server reading what arrived."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.jobs.jobs_helpers import (
    Raw,
    cancel,
    cancel_session,
    enroll,
    make_admin,
    new_session,
    people,
    subjects,
)
from tests.jobs.mail_catcher import MailCatcher

# Longer than one sweep and one reminder scan (QUICK_JOBS): time for a
# duplicate to show up if the jobs were to send one.
QUIET = 1.5


def test_seated_promoted_and_cancelled_students_are_told_once(
    jobs_settings: Callable[..., Settings],
    raw: Raw,
    mail: MailCatcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with TestClient(create_app(jobs_settings())) as client:
        admin = make_admin(client, raw)
        first, second, third = people(client, 3)
        session_id = new_session(raw, admin, capacity=1, starts_in=timedelta(days=10))

        seated = enroll(client, first, session_id)
        assert seated["status"] == "ACTIVE"
        mail.wait_for(lambda: len(mail.to(first.email)) == 1)
        assert subjects(mail.to(first.email)) == [
            "Your seat in Concurrency in practice is confirmed"
        ]

        for person in (second, third):
            assert enroll(client, person, session_id)["status"] == "WAITLISTED"
        # They joined the waitlist a while ago: a seat now is a promotion.
        for n, person in enumerate((second, third)):
            raw.enrollments.update_one(
                {"userId": person.user_id},
                {"$set": {"createdAt": datetime.now(UTC) - timedelta(minutes=10 - n)}},
            )
        cancel(client, first, seated["id"])
        mail.wait_for(lambda: len(mail.to(second.email)) == 1)
        assert subjects(mail.to(second.email)) == [
            "A seat opened up: you are in Concurrency in practice"
        ]

        cancel_session(client, admin, session_id)
        mail.wait_for(lambda: len(mail.to(third.email)) == 1 and len(mail.to(second.email)) == 2)
        time.sleep(QUIET)

    cancelled = "Concurrency in practice is cancelled"
    assert subjects(mail.to(first.email)) == ["Your seat in Concurrency in practice is confirmed"]
    assert subjects(mail.to(second.email))[1:] == [cancelled]
    assert subjects(mail.to(third.email)) == [cancelled]
    assert len(mail.messages) == 4
    for person in (first, second, third):
        assert person.email not in caplog.text


def _seat_directly(raw: Raw, session_id: ObjectId, user_id: ObjectId) -> ObjectId:
    """What `sessionEnroll` stores for a student who gets the next free seat,
    written without the API: as if the API process died right after its write,
    before enqueuing anything."""
    seat = raw.seatClaims.count_documents({"sessionId": session_id}) + 1
    now = datetime.now(UTC)
    enrollment_id = ObjectId()
    raw.enrollments.insert_one(
        {
            "_id": enrollment_id,
            "sessionId": session_id,
            "userId": user_id,
            "attempt": 1,
            "createdAt": now,
            "updatedAt": now,
        }
    )
    raw.seatClaims.insert_one(
        {
            "_id": f"{session_id}:{seat}:1",
            "sessionId": session_id,
            "seat": seat,
            "gen": 1,
            "kind": "SEAT",
            "holderId": enrollment_id,
            "delta": 1,
            "createdAt": now,
        }
    )
    return enrollment_id


def test_the_outbox_sweep_sends_what_was_never_enqueued(
    jobs_settings: Callable[..., Settings], raw: Raw, mail: MailCatcher
) -> None:
    with TestClient(create_app(jobs_settings())) as client:
        admin = make_admin(client, raw)
        (student,) = people(client, 1)
        session_id = new_session(raw, admin, capacity=3, starts_in=timedelta(days=10))
        _seat_directly(raw, session_id, student.user_id)
        mail.wait_for(lambda: len(mail.to(student.email)) == 1)
        time.sleep(QUIET)
    assert subjects(mail.to(student.email)) == ["Your seat in Concurrency in practice is confirmed"]
    assert len(mail.messages) == 1


def test_a_reminder_goes_once_to_students_seated_in_a_session_within_a_day(
    jobs_settings: Callable[..., Settings], raw: Raw, mail: MailCatcher
) -> None:
    with TestClient(create_app(jobs_settings())) as client:
        admin = make_admin(client, raw)
        soon, later, deleted = people(client, 3)
        tomorrow = new_session(raw, admin, capacity=5, starts_in=timedelta(hours=2))
        next_week = new_session(raw, admin, capacity=5, starts_in=timedelta(days=7))
        enroll(client, soon, tomorrow)
        enroll(client, later, next_week)
        # A deleted account (its e-mail a tombstone, see datastore.user.erase_user)
        # seated in the coming session: nothing can reach it.
        raw.users.update_one(
            {"_id": deleted.user_id},
            {"$set": {"email": f"deleted:{deleted.user_id}", "deletedAt": datetime.now(UTC)}},
        )
        gone = _seat_directly(raw, tomorrow, deleted.user_id)
        mail.wait_for(lambda: len(mail.to(soon.email)) == 2)
        time.sleep(QUIET)

    assert sorted(subjects(mail.to(soon.email))) == [
        "Reminder: Concurrency in practice starts soon",
        "Your seat in Concurrency in practice is confirmed",
    ]
    assert subjects(mail.to(later.email)) == ["Your seat in Concurrency in practice is confirmed"]
    assert len(mail.messages) == 3
    skipped = raw.mailDeliveries.find({"key": {"$in": [f"SEATED:{gone}", f"REMINDER:{gone}"]}})
    assert sorted((d["key"].split(":")[0], d["state"]) for d in skipped) == [
        ("REMINDER", "SKIPPED"),
        ("SEATED", "SKIPPED"),
    ]
