"""What is stored matches datastore/documents.py, field for field."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo import MongoClient

from datastore import collections as names
from datastore.documents import (
    CampusDoc,
    CourseDoc,
    EnrollmentDoc,
    ReviewDoc,
    SeatClaimDoc,
    SessionDoc,
    UserDoc,
)
from server.settings import Settings

SHAPES: dict[str, Any] = {
    names.CAMPUSES: CampusDoc,
    names.COURSES: CourseDoc,
    names.SESSIONS: SessionDoc,
    names.USERS: UserDoc,
    names.ENROLLMENTS: EnrollmentDoc,
    names.REVIEWS: ReviewDoc,
    names.SEAT_CLAIMS: SeatClaimDoc,
}


@pytest.mark.parametrize("collection", list(SHAPES))
def test_seeded_documents_have_the_documented_fields(
    seeded_settings: Settings, collection: str
) -> None:
    shape = SHAPES[collection]
    required, allowed = set(shape.__required_keys__), set(shape.__annotations__)
    with MongoClient(seeded_settings.database_uri()) as client:
        docs = list(client[seeded_settings.database_name][collection].find())
    assert docs
    for doc in docs:
        assert required <= set(doc), required - set(doc)
        assert set(doc) <= allowed, set(doc) - allowed
