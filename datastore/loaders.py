"""Request-scoped DataLoaders: one per key per collection, results in key order.

Built fresh for every request (see `Loaders`), so their caches never outlive
the request that filled them.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from aiodataloader import DataLoader
from bson import ObjectId

from datastore import collections as names
from datastore.batch_loader import BatchLoader
from datastore.client import Database
from datastore.course import COURSE_FIELDS
from datastore.encryption import FieldCipher
from datastore.keyset import SortSpec
from datastore.loader_batches import report_batch
from datastore.pages import (
    ALL,
    BATCH_SIZE,
    ChildCountKey,
    ChildPageKey,
    Doc,
    Page,
    Scope,
    count_child_pages,
    find_child_pages,
)
from datastore.private_profile import ENCRYPTED_FIELDS, PrivateProfileByUserLoader
from datastore.seating import Seating
from datastore.user import PUBLIC_USER_FIELDS

SESSION_ORDER = SortSpec(tag="session:startsAt", field="startsAt", kind="d")
REVIEW_ORDER = SortSpec(tag="review:newest", field="createdAt", descending=True, kind="d")


class _ByFieldLoader(BatchLoader[Any, Doc | None]):
    """Documents of one collection whose `field` equals the key (unique field).

    `projection`: the fields its readers use (None: the whole document).
    """

    collection: str
    field: str = "_id"
    projection: ClassVar[Mapping[str, Any] | None] = None

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    async def batch_load_fn(self, keys: list[Hashable]) -> list[Doc | None]:
        report_batch(self, len(keys))
        query = {self.field: {"$in": list(set(keys))}}
        cursor = self.db[self.collection].find(query, self.projection)
        found = {doc[self.field]: doc async for doc in cursor.batch_size(BATCH_SIZE)}
        return [found.get(key) for key in keys]


class CourseByIdLoader(_ByFieldLoader):
    collection = names.COURSES
    projection = COURSE_FIELDS


class CourseBySlugLoader(_ByFieldLoader):
    collection = names.COURSES
    field = "slug"
    projection = COURSE_FIELDS


class UserByIdLoader(_ByFieldLoader):
    """Public profiles: names, roles, deletion; no password hash, no ciphertext."""

    collection = names.USERS
    projection = PUBLIC_USER_FIELDS


class UserCiphertextByIdLoader(_ByFieldLoader):
    """The encrypted personal data of users, read only to be decrypted for an
    allowed reader (`PrivateProfileByUserLoader`)."""

    collection = names.USERS
    projection = dict.fromkeys(ENCRYPTED_FIELDS, 1)


class CampusByIdLoader(_ByFieldLoader):
    collection = names.CAMPUSES


class SessionByIdLoader(_ByFieldLoader):
    collection = names.SESSIONS


class ReviewByIdLoader(_ByFieldLoader):
    collection = names.REVIEWS


class EnrollmentByIdLoader(_ByFieldLoader):
    collection = names.ENROLLMENTS


class _ChildPageLoader(BatchLoader[ChildPageKey, Page]):
    collection: str
    parent_field: str
    spec: SortSpec

    def __init__(self, db: Database, scopes: Mapping[str, Scope]) -> None:
        super().__init__()
        self.db = db
        self.scopes = scopes

    async def batch_load_fn(self, keys: list[ChildPageKey]) -> list[Page]:
        report_batch(self, len(keys))
        return await find_child_pages(
            self.db[self.collection], self.parent_field, self.spec, keys, self.scopes
        )


class _ChildCountLoader(BatchLoader[ChildCountKey, int]):
    """`totalCount` of a per-parent connection: asked for only when selected."""

    collection: str
    parent_field: str

    def __init__(self, db: Database, scopes: Mapping[str, Scope]) -> None:
        super().__init__()
        self.db = db
        self.scopes = scopes

    async def batch_load_fn(self, keys: list[ChildCountKey]) -> list[int]:
        report_batch(self, len(keys))
        return await count_child_pages(
            self.db[self.collection], self.parent_field, keys, self.scopes
        )


class SessionCountByCourseLoader(_ChildCountLoader):
    collection = names.SESSIONS
    parent_field = "courseId"


class ReviewCountByCourseLoader(_ChildCountLoader):
    collection = names.REVIEWS
    parent_field = "courseId"


class SessionsByCourseLoader(_ChildPageLoader):
    collection = names.SESSIONS
    parent_field = "courseId"
    spec = SESSION_ORDER


class ReviewsByCourseLoader(_ChildPageLoader):
    collection = names.REVIEWS
    parent_field = "courseId"
    spec = REVIEW_ORDER


class _GroupedLoader(BatchLoader[ObjectId, list[Doc]]):
    """Every document of one collection whose `field` is the key, one find per batch."""

    collection: str
    field: str

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    async def batch_load_fn(self, keys: list[ObjectId]) -> list[list[Doc]]:
        report_batch(self, len(keys))
        cursor = self.db[self.collection].find({self.field: {"$in": list(set(keys))}})
        grouped: dict[ObjectId, list[Doc]] = {key: [] for key in keys}
        async for doc in cursor.batch_size(BATCH_SIZE):
            grouped.setdefault(doc[self.field], []).append(doc)
        return [grouped[key] for key in keys]


class SeatClaimsBySessionLoader(_GroupedLoader):
    """A session's seat claims: enough to count its taken seats (datastore.seating)."""

    collection = names.SEAT_CLAIMS
    field = "sessionId"


class SeatsTakenBySessionLoader(BatchLoader[ObjectId, int]):
    """Seated students per session: the sum of the seat claims' deltas, one
    aggregate for a whole page (datastore.seating)."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    async def batch_load_fn(self, keys: list[ObjectId]) -> list[int]:
        report_batch(self, len(keys))
        pipeline: list[dict[str, Any]] = [
            {"$match": {"sessionId": {"$in": list(set(keys))}}},
            # One accumulator only: FerretDB 1.24 computes just the first of several.
            {"$group": {"_id": "$sessionId", "n": {"$sum": "$delta"}}},
        ]
        cursor = await self.db[names.SEAT_CLAIMS].aggregate(pipeline, batchSize=BATCH_SIZE)
        counts = {row["_id"]: int(row["n"]) async for row in cursor}
        return [counts.get(key, 0) for key in keys]


class EnrollmentsBySessionLoader(_GroupedLoader):
    collection = names.ENROLLMENTS
    field = "sessionId"


class SeatingBySessionLoader(BatchLoader[ObjectId, Seating]):
    """Statuses and waitlist positions of a session, from its claims and enrolments."""

    def __init__(
        self,
        sessions: SessionByIdLoader,
        claims: SeatClaimsBySessionLoader,
        enrollments: EnrollmentsBySessionLoader,
    ) -> None:
        super().__init__()
        self.sessions = sessions
        self.claims = claims
        self.enrollments = enrollments

    async def batch_load_fn(self, keys: list[ObjectId]) -> list[Seating]:
        report_batch(self, len(keys))
        sessions = await self.sessions.load_many(keys)
        claims = await self.claims.load_many(keys)
        enrollments = await self.enrollments.load_many(keys)
        return [
            Seating(
                capacity=int(session["capacity"]) if session else 0,
                enrollments=docs,
                claims=held,
            )
            for session, held, docs in zip(sessions, claims, enrollments, strict=True)
        ]


class EnrollmentByUserSessionLoader(BatchLoader[tuple[ObjectId, ObjectId], Doc | None]):
    """A user's latest enrolment in a session, keyed by (userId, sessionId); one find."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    async def batch_load_fn(self, keys: list[tuple[ObjectId, ObjectId]]) -> list[Doc | None]:
        report_batch(self, len(keys))
        users = sorted({user for user, _ in keys})
        sessions = sorted({session for _, session in keys})
        query = {"userId": {"$in": users}, "sessionId": {"$in": sessions}}
        cursor = self.db[names.ENROLLMENTS].find(query).batch_size(BATCH_SIZE)
        found: dict[tuple[ObjectId, ObjectId], Doc] = {}
        async for doc in cursor:
            key = (doc["userId"], doc["sessionId"])
            if key not in found or doc.get("attempt", 1) > found[key].get("attempt", 1):
                found[key] = doc
        return [found.get(key) for key in keys]


def upcoming_scope(now: datetime) -> Scope:
    return Scope(query={"startsAt": {"$gt": now}}, matches=lambda doc: doc["startsAt"] > now)


class Loaders:
    """Every loader a request may use; cheap to build, never shared between requests."""

    def __init__(
        self,
        db: Database,
        *,
        now: datetime | None = None,
        cipher: FieldCipher | None = None,
        batching: bool = True,
    ) -> None:
        self.db = db
        # Off (LEETO_LOADER_BATCHING=false) every load is its own query, as in an
        # app written without DataLoaders: the benchmark's "naive" baseline.
        self.batching = batching
        self.now = now or datetime.now(UTC)
        self.course_by_id = CourseByIdLoader(db)
        self.course_by_slug = CourseBySlugLoader(db)
        self.user_by_id = UserByIdLoader(db)
        self.campus_by_id = CampusByIdLoader(db)
        self.session_by_id = SessionByIdLoader(db)
        self.review_by_id = ReviewByIdLoader(db)
        self.sessions_by_course = SessionsByCourseLoader(
            db, {"all": ALL, "upcoming": upcoming_scope(self.now)}
        )
        self.reviews_by_course = ReviewsByCourseLoader(db, {"all": ALL})
        self.session_count_by_course = SessionCountByCourseLoader(
            db, self.sessions_by_course.scopes
        )
        self.review_count_by_course = ReviewCountByCourseLoader(db, {"all": ALL})
        self.seat_claims_by_session = SeatClaimsBySessionLoader(db)
        self.seats_taken_by_session = SeatsTakenBySessionLoader(db)
        self.enrollments_by_session = EnrollmentsBySessionLoader(db)
        self.seating_by_session = SeatingBySessionLoader(
            self.session_by_id, self.seat_claims_by_session, self.enrollments_by_session
        )
        self.enrollment_by_id = EnrollmentByIdLoader(db)
        self.enrollment_by_user_session = EnrollmentByUserSessionLoader(db)
        self.user_ciphertext_by_id = UserCiphertextByIdLoader(db)
        self._cipher = cipher
        self._private_profile_by_user: PrivateProfileByUserLoader | None = None
        # The loaders of batched fields (schema.batched), by field and arguments.
        self.field_loaders: dict[Hashable, DataLoader[Any, Any]] = {}
        # Objects built from this request's documents, shared (schema.batched.built_once).
        self.built: dict[str, dict[int, tuple[Any, Any]]] = {}
        if not batching:
            for loader in vars(self).values():
                if isinstance(loader, DataLoader):
                    loader.batch = False

    @property
    def private_profile_by_user(self) -> PrivateProfileByUserLoader:
        """Decrypted personal data; only requests that read it build the loader."""
        if self._private_profile_by_user is None:
            if self._cipher is None:
                raise RuntimeError("no field cipher was given to this request's loaders")
            self._private_profile_by_user = PrivateProfileByUserLoader(
                self.user_ciphertext_by_id, self._cipher
            )
            self._private_profile_by_user.batch = self.batching
        return self._private_profile_by_user

    def forget_user(self, user_id: ObjectId) -> None:
        """After a write to the account: its next read in this request goes to the database."""
        self.user_by_id.clear(user_id)
        self.user_ciphertext_by_id.clear(user_id)
        if self._private_profile_by_user is not None:
            self._private_profile_by_user.clear(user_id)
