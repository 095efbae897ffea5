"""What students must be told, derived from the enrolment documents themselves.

This is the outbox. The write paths record nothing extra: a seat claim of kind
SEAT (datastore.seating) is the proof that a student was seated, and an
enrolment cancelled with reason SESSION_CANCELLED the proof that their session
was called off. Both are the write itself, so no crash can separate "stored"
from "to be notified": whatever the API process did not get to enqueue, the
sweep finds by comparing these documents with the delivery attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from enum import StrEnum
from typing import Any, Final

from bson import Binary, ObjectId

from datastore import collections as names
from datastore.client import Database
from datastore.encryption import FieldCipher
from datastore.enrollment import read_seating
from datastore.pages import BATCH_SIZE
from datastore.seating import ClaimKind, SeatingStatus

# Seated later than this after enrolling means the student waited: a promotion.
# A seat taken within it is the enrolment's own confirmation (a concurrent
# writer's settling may seat a student a moment after their own request).
PROMOTION_AFTER: Final = timedelta(seconds=5)
# How far back the sweep looks for notices that were never enqueued.
LOOKBACK: Final = timedelta(days=7)
REMINDER_AHEAD: Final = timedelta(hours=24)

_ENCRYPTED_SUBTYPE: Final = 6

Doc = dict[str, Any]


class NoticeKind(StrEnum):
    CONFIRMED = "CONFIRMED"
    PROMOTED = "PROMOTED"
    SESSION_CANCELLED = "SESSION_CANCELLED"
    REMINDER = "REMINDER"


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    enrollment_id: ObjectId
    session_id: ObjectId

    @property
    def key(self) -> str:
        """The idempotency key: one seat e-mail per enrolment (it holds at most one
        seat ever), one cancellation and one reminder."""
        group = "SEATED" if self.kind in {NoticeKind.CONFIRMED, NoticeKind.PROMOTED} else self.kind
        return f"{group}:{self.enrollment_id}"

    def args(self) -> list[str]:
        return [self.kind.value, str(self.enrollment_id), str(self.session_id)]

    @classmethod
    def from_args(cls, kind: str, enrollment_id: str, session_id: str) -> Notice:
        return cls(NoticeKind(kind), ObjectId(enrollment_id), ObjectId(session_id))


def _scope(session_id: ObjectId | None) -> dict[str, Any]:
    return {} if session_id is None else {"sessionId": session_id}


async def seating_notices(
    db: Database, since: datetime, session_id: ObjectId | None = None
) -> list[Notice]:
    claims = await (
        db[names.SEAT_CLAIMS]
        .find({**_scope(session_id), "kind": ClaimKind.SEAT.value, "createdAt": {"$gte": since}})
        .batch_size(BATCH_SIZE)
        .to_list()
    )
    if not claims:
        return []
    holders = [claim["holderId"] for claim in claims]
    enrollments = {
        doc["_id"]: doc
        async for doc in db[names.ENROLLMENTS]
        .find({"_id": {"$in": holders}}, {"createdAt": 1})
        .batch_size(BATCH_SIZE)
    }
    notices = []
    for claim in claims:
        enrollment = enrollments.get(claim["holderId"])
        if enrollment is None:
            continue
        waited = claim["createdAt"] - enrollment["createdAt"] > PROMOTION_AFTER
        kind = NoticeKind.PROMOTED if waited else NoticeKind.CONFIRMED
        notices.append(Notice(kind, claim["holderId"], claim["sessionId"]))
    return notices


async def cancellation_notices(
    db: Database, since: datetime, session_id: ObjectId | None = None
) -> list[Notice]:
    cursor = db[names.ENROLLMENTS].find(
        {
            **_scope(session_id),
            "cancelReason": "SESSION_CANCELLED",
            "cancelledAt": {"$gte": since},
        },
        {"sessionId": 1},
    )
    return [
        Notice(NoticeKind.SESSION_CANCELLED, doc["_id"], doc["sessionId"])
        async for doc in cursor.batch_size(BATCH_SIZE)
    ]


async def reminder_notices(db: Database, now: datetime) -> list[Notice]:
    """Every seated student of every session starting within the next 24 hours."""
    sessions = await (
        db[names.SESSIONS]
        .find(
            {"startsAt": {"$gt": now, "$lte": now + REMINDER_AHEAD}, "cancelledAt": None},
            {"capacity": 1},
        )
        .batch_size(BATCH_SIZE)
        .to_list()
    )
    notices = []
    for session in sessions:
        seating = await read_seating(db, session["_id"], int(session["capacity"]))
        notices += [
            Notice(NoticeKind.REMINDER, enrollment_id, session["_id"])
            for enrollment_id, status in seating.status.items()
            if status is SeatingStatus.ACTIVE
        ]
    return notices


async def changed_session_notices(
    db: Database, session_id: ObjectId, now: datetime
) -> list[Notice]:
    since = now - LOOKBACK
    return [
        *await seating_notices(db, since, session_id),
        *await cancellation_notices(db, since, session_id),
    ]


async def all_recent_notices(db: Database, now: datetime) -> list[Notice]:
    since = now - LOOKBACK
    return [*await seating_notices(db, since), *await cancellation_notices(db, since)]


@dataclass(frozen=True, slots=True)
class Letter:
    """A notice ready to send, or the reason there is nothing to send."""

    message: EmailMessage | None
    skipped: str | None = None


async def compose(
    db: Database, cipher: FieldCipher, notice: Notice, *, sender: str, now: datetime
) -> Letter:
    """The e-mail for a notice, read from the documents as they are now.

    The address is decrypted here, in the job, and goes nowhere but the message.
    """
    enrollment = await db[names.ENROLLMENTS].find_one({"_id": notice.enrollment_id})
    session = await db[names.SESSIONS].find_one({"_id": notice.session_id})
    if enrollment is None or session is None:
        return Letter(None, "gone")
    cancelled = enrollment.get("cancelledAt") is not None
    if notice.kind is not NoticeKind.SESSION_CANCELLED and (
        cancelled or session.get("cancelledAt") is not None
    ):
        return Letter(None, "cancelled since")
    if notice.kind is NoticeKind.REMINDER and session["startsAt"] <= now:
        return Letter(None, "started")
    user = await db[names.USERS].find_one(
        {"_id": enrollment["userId"]}, {"email": 1, "displayName": 1, "deletedAt": 1}
    )
    ciphertext = user.get("email") if user else None
    if user is None or user.get("deletedAt") is not None:
        return Letter(None, "no account")
    if not isinstance(ciphertext, Binary) or ciphertext.subtype != _ENCRYPTED_SUBTYPE:
        return Letter(None, "no address")
    address = await cipher.decrypt(ciphertext)
    course = await db[names.COURSES].find_one({"_id": session["courseId"]}, {"title": 1})
    title = course["title"] if course else "your course"
    subject, body = _text(notice.kind, title, session["startsAt"])
    message = EmailMessage()
    message["From"] = sender
    message["To"] = address
    message["Subject"] = subject
    message["Message-ID"] = f"<{notice.key.replace(':', '.')}@leeto>"
    message["X-Leeto-Notice"] = notice.key
    message.set_content(f"Hello {user.get('displayName', '')},\n\n{body}\n\nLeeto\n")
    return Letter(message)


def _text(kind: NoticeKind, title: str, starts: datetime) -> tuple[str, str]:
    when = f"{starts:%A %d %B %Y at %H:%M} UTC"
    if kind is NoticeKind.CONFIRMED:
        return f"Your seat in {title} is confirmed", f"You have a seat in {title}, starting {when}."
    if kind is NoticeKind.PROMOTED:
        return (
            f"A seat opened up: you are in {title}",
            f"A seat in {title} became free and it is yours. The session starts {when}.",
        )
    if kind is NoticeKind.SESSION_CANCELLED:
        return (
            f"{title} is cancelled",
            f"The session of {title} that was to start {when} has been cancelled.",
        )
    return f"Reminder: {title} starts soon", f"Your session of {title} starts {when}."
