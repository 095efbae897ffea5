"""Indexes, created idempotently at start-up (createIndexes is a no-op when present)."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, IndexModel

from datastore import collections as names
from datastore.client import Database, server_info
from datastore.expiry import EXPIRING_COLLECTIONS

INDEXES: dict[str, list[IndexModel]] = {
    names.COURSES: [
        IndexModel([("slug", ASCENDING)], unique=True, name="slug_unique"),
        IndexModel([("searchTerms", ASCENDING)], name="searchTerms"),
        IndexModel([("published", ASCENDING), ("title", ASCENDING)], name="published_title"),
        IndexModel([("track", ASCENDING), ("level", ASCENDING)], name="track_level"),
    ],
    names.SESSIONS: [
        IndexModel([("courseId", ASCENDING), ("startsAt", ASCENDING)], name="course_startsAt"),
        IndexModel([("campusId", ASCENDING), ("startsAt", ASCENDING)], name="campus_startsAt"),
    ],
    names.ENROLLMENTS: [
        # One live enrolment per student per session: each attempt is numbered,
        # and a new attempt follows only a cancelled one (datastore.seating).
        IndexModel(
            [("sessionId", ASCENDING), ("userId", ASCENDING), ("attempt", ASCENDING)],
            unique=True,
            name="session_user_attempt_unique",
        ),
        IndexModel([("userId", ASCENDING), ("createdAt", DESCENDING)], name="user_newest"),
    ],
    names.SEAT_CLAIMS: [
        # `_id` is "<session>:<seat>:<generation>": one winner per seat generation.
        IndexModel([("holderId", ASCENDING)], unique=True, name="holder_unique"),
        IndexModel([("sessionId", ASCENDING)], name="sessionId"),
    ],
    names.REVIEWS: [
        IndexModel(
            [("courseId", ASCENDING), ("authorId", ASCENDING)],
            unique=True,
            name="course_author_unique",
        ),
        IndexModel([("courseId", ASCENDING), ("createdAt", DESCENDING)], name="course_newest"),
    ],
    names.USERS: [
        IndexModel([("email", ASCENDING)], unique=True, name="email_unique"),
    ],
    names.REFRESH_TOKENS: [
        # The rotation guard: a token can have only one successor.
        IndexModel([("parentHash", ASCENDING)], unique=True, name="parentHash_unique"),
        IndexModel([("userId", ASCENDING), ("expiresAt", ASCENDING)], name="user_expiresAt"),
    ],
    names.LOGIN_FAILURES: [
        IndexModel([("key", ASCENDING), ("at", DESCENDING)], name="key_at"),
    ],
    names.SIGN_UP_ATTEMPTS: [
        IndexModel([("key", ASCENDING), ("at", DESCENDING)], name="key_at"),
    ],
}

# MongoDB only: FerretDB refuses TTL indexes (datastore.expiry prunes there instead).
TTL_INDEXES: dict[str, list[IndexModel]] = {
    collection: [IndexModel([("expiresAt", ASCENDING)], expireAfterSeconds=0, name="expiresAt_ttl")]
    for collection in EXPIRING_COLLECTIONS
}


# Indexes of earlier releases that would now refuse valid writes.
OBSOLETE_INDEXES: dict[str, list[str]] = {
    # One enrolment per student per session for ever: re-enrolling after a
    # cancellation needs the attempt number in the key.
    names.ENROLLMENTS: ["session_user_unique", "user_status"],
}


async def _drop_obsolete(db: Database) -> None:
    for collection, index_names in OBSOLETE_INDEXES.items():
        existing = {index["name"] async for index in await db[collection].list_indexes()}
        for name in index_names:
            if name in existing:
                await db[collection].drop_index(name)


async def ensure_indexes(db: Database) -> None:
    await _drop_obsolete(db)
    for collection, models in INDEXES.items():
        # One index per command: FerretDB 1.24 drops the connection when a single
        # createIndexes names several indexes that already exist.
        for model in models:
            await db[collection].create_indexes([model])
    if (await server_info(db)).supports_ttl_and_partial_indexes:
        for collection, models in TTL_INDEXES.items():
            for model in models:
                await db[collection].create_indexes([model])
