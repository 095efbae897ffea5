"""The shape of stored documents (camelCase, as MongoDB holds them).

The reference for every collection's fields; tests check the demo data against
it, so it changes together with what the code writes.
"""

from datetime import datetime
from typing import NotRequired, TypedDict

from bson import Binary, ObjectId


class CampusDoc(TypedDict):
    _id: ObjectId
    name: str
    city: str
    province: str
    address: str
    createdAt: datetime
    updatedAt: datetime


class CourseDoc(TypedDict):
    _id: ObjectId
    slug: str
    title: str
    summary: str
    description: str
    track: str
    level: str
    tags: list[str]
    instructorIds: list[ObjectId]
    priceCents: int
    durationHours: int
    published: bool
    ratingCount: int
    ratingSum: int
    ratingAverage: float
    searchTerms: list[str]
    archivedAt: NotRequired[datetime]  # out of the catalogue for good (published is false)
    createdAt: datetime
    updatedAt: datetime


# Fields written only after the insert, when it happens; optional through
# `total=False` (NotRequired is not recognised in postponed annotations on 3.11).
class _SessionChanges(TypedDict, total=False):
    cancelledAt: datetime
    capacityVersion: int


class SessionDoc(_SessionChanges):
    _id: ObjectId
    courseId: ObjectId
    mode: str
    campusId: ObjectId | None
    startsAt: datetime
    endsAt: datetime
    capacity: int
    instructorId: ObjectId
    meetingUrl: str | None
    createdAt: datetime
    updatedAt: datetime


class UserDoc(TypedDict):
    _id: ObjectId
    # Deterministic encryption of the normalised address; a deleted account holds a
    # string tombstone instead (datastore.user.email_tombstone).
    email: Binary | str
    passwordHash: NotRequired[str]  # gone once the account is deleted
    roles: list[str]
    displayName: str
    bio: str
    city: str
    phone: NotRequired[Binary | None]
    nationalId: NotRequired[Binary | None]
    dateOfBirth: NotRequired[Binary | None]
    # Refresh families begun before this are refused (set by a password change).
    sessionsValidAfter: NotRequired[datetime]
    deletedAt: NotRequired[datetime]  # personal data erased (POPIA)
    createdAt: datetime
    updatedAt: datetime


class _EnrollmentCancellation(TypedDict, total=False):
    cancelledAt: datetime
    cancelReason: str


class EnrollmentDoc(_EnrollmentCancellation):
    """Inserted once; only the cancellation fields are written afterwards.

    Its status is derived from the session's seat claims (datastore.seating).
    """

    _id: ObjectId
    sessionId: ObjectId
    userId: ObjectId
    attempt: int  # 1 for the first enrolment of this user in this session
    createdAt: datetime
    updatedAt: datetime


class SeatClaimDoc(TypedDict):
    _id: str  # "<sessionId>:<seat>:<gen>"
    sessionId: ObjectId
    seat: int
    gen: int
    kind: str  # SEAT, VACANT or BLOCK
    holderId: ObjectId  # the enrolment for SEAT; a fresh id otherwise
    delta: int  # +1 a student takes the seat, -1 one leaves it (datastore.seating)
    createdAt: datetime


class ReviewDoc(TypedDict):
    _id: ObjectId
    courseId: ObjectId
    authorId: ObjectId
    rating: int
    comment: str
    createdAt: datetime
    updatedAt: datetime
