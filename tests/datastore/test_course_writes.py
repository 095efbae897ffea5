"""Course writes: the unique slug index decides, on insert and on update, on either engine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bson import ObjectId

from datastore.client import Database
from datastore.course_edits import SlugTaken, insert_course, new_course_doc, update_course
from datastore.indexes import ensure_indexes


def _course(slug: str) -> dict:
    fields = {
        "slug": slug,
        "title": "A Title",
        "track": "CODING",
        "level": "BEGINNER",
        "priceCents": 0,
        "durationHours": 1,
    }
    return new_course_doc(fields, instructor_ids=[], now=datetime.now(UTC), search_terms=[])


async def test_a_taken_slug_is_refused_on_insert_and_on_update(fresh_async_db: Database) -> None:
    await ensure_indexes(fresh_async_db)
    first, second = _course("first-slug"), _course("second-slug")
    await insert_course(fresh_async_db, first)
    await insert_course(fresh_async_db, second)
    with pytest.raises(SlugTaken):
        await insert_course(fresh_async_db, _course("first-slug"))
    # FerretDB reports this one as InternalError (1), MongoDB as a duplicate key.
    with pytest.raises(SlugTaken):
        await update_course(
            fresh_async_db, second["_id"], expected={}, set_fields={"slug": "first-slug"}
        )
    stored = await fresh_async_db.courses.find_one({"_id": second["_id"]})
    assert stored is not None
    assert stored["slug"] == "second-slug"


async def test_an_update_that_is_not_about_the_slug_is_not_read_as_one(
    fresh_async_db: Database,
) -> None:
    await ensure_indexes(fresh_async_db)
    course = _course("only-course")
    await insert_course(fresh_async_db, course)
    updated = await update_course(
        fresh_async_db, course["_id"], expected={}, set_fields={"slug": "renamed-course"}
    )
    assert updated is not None
    assert updated["slug"] == "renamed-course"
    assert (
        await update_course(fresh_async_db, ObjectId(), expected={}, set_fields={"title": "Nobody"})
        is None
    )
    # A condition that no longer holds: nothing is written.
    assert (
        await update_course(
            fresh_async_db, course["_id"], expected={"title": "Other"}, set_fields={"title": "New"}
        )
        is None
    )


@pytest.mark.parametrize("field", ["ratingCount", "ratingSum", "ratingAverage"])
async def test_course_edits_never_write_ratings(fresh_async_db: Database, field: str) -> None:
    with pytest.raises(ValueError, match="never write"):
        await update_course(fresh_async_db, ObjectId(), expected={}, set_fields={field: 0})
