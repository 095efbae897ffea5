"""ObjectId parsing that never raises anything but ValueError."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId


def parse_object_id(value: str) -> ObjectId:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError) as exc:
        raise ValueError("not a valid object id") from exc
