"""Relay global IDs: base64url("Type:objectid"), opaque to clients."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Container
from dataclasses import dataclass

from bson import ObjectId
from bson.errors import InvalidId

from resolvers.errors import BadUserInput

_URL_SAFE = bytes.maketrans(b"+/", b"-_")


@dataclass(frozen=True, slots=True)
class GlobalId:
    type_name: str
    id: ObjectId


def to_global_id(type_name: str, object_id: ObjectId) -> str:
    # base64.urlsafe_b64encode, without its two wrappers: built for every object shown.
    raw = binascii.b2a_base64(f"{type_name}:{object_id}".encode(), newline=False)
    return raw.translate(_URL_SAFE).decode().rstrip("=")


def from_global_id(
    value: str, *, argument: str = "id", types: Container[str] | None = None
) -> GlobalId:
    """Parse a global ID, or raise BadUserInput naming the argument.

    `types`: the node type names accepted (`node(id:)` passes the schema's
    registry of node types); without it, callers check the type themselves.
    """
    error = BadUserInput(f"`{argument}` is not a valid ID", argument=argument)
    if not value or len(value) > 64:
        raise error
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        type_name, _, hex_id = raw.partition(":")
        object_id = ObjectId(hex_id)
    except (binascii.Error, UnicodeDecodeError, InvalidId, TypeError, ValueError):
        raise error from None
    if not type_name or (types is not None and type_name not in types):
        raise error
    return GlobalId(type_name=type_name, id=object_id)


def expect_global_id(value: str, type_name: str, *, argument: str) -> ObjectId:
    """Parse a global ID that must name a node of `type_name`."""
    parsed = from_global_id(value, argument=argument)
    if parsed.type_name != type_name:
        raise BadUserInput(f"`{argument}` must be the ID of a {type_name}", argument=argument)
    return parsed.id
