"""Personal data: who may read it, and the signed-in user's profile changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from datastore.private_profile import PrivateProfile
from datastore.user import update_profile as store_profile
from resolvers.authorization import may_act_for_user
from resolvers.context import Context
from resolvers.errors import Forbidden
from resolvers.outcomes import Refusal, validation_error
from resolvers.profile_input import parse_profile_input

PRIVATE_FIELD_MESSAGE = "Only this user and administrators may read this field."


async def may_read_private(
    ctx: Context, owner_id: Any, *, authenticated_as: Any | None = None
) -> bool:
    """Personal data is for its owner and for administrators.

    `authenticated_as` is the user a mutation has just authenticated (log-in,
    sign-up, refresh, password change): the request itself may be anonymous,
    yet the payload it answers with is that user's own.
    """
    if authenticated_as is not None and authenticated_as == owner_id:
        return True
    return await may_act_for_user(ctx, owner_id)


async def private_profile(ctx: Context, user: dict[str, Any]) -> PrivateProfile:
    """The user's decrypted personal data.

    Who may call this is decided once, by the IsSelfOrAdmin permission on every
    field that reads it (`may_read_private`).
    """
    profile = await ctx.loaders.private_profile_by_user.load(user["_id"])
    if profile is None:
        raise Forbidden(PRIVATE_FIELD_MESSAGE)
    return profile


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    """What the client sent; a field left out is None here and changes nothing."""

    display_name: str | None = None
    bio: str | None = None
    city: str | None = None
    phone: str | None = None
    national_id: str | None = None
    clear_phone: bool = False
    clear_national_id: bool = False


class _Invalid(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


async def _validated(ctx: Context, changes: ProfileChanges) -> tuple[dict[str, Any], list[str]]:
    checked = parse_profile_input(
        display_name=changes.display_name,
        bio=changes.bio,
        city=changes.city,
        phone=changes.phone,
        national_id=changes.national_id,
    )
    if isinstance(checked, Refusal):
        raise _Invalid(checked)
    set_fields: dict[str, Any] = {}
    for field, value in (
        ("displayName", checked.display_name),
        ("bio", checked.bio),
        ("city", checked.city),
    ):
        if value is not None:
            set_fields[field] = value
    # Encrypted only once everything is known to be valid.
    cipher = ctx.require_cipher()
    if checked.phone is not None:
        set_fields["phone"] = await cipher.encrypt_private(checked.phone)
    if checked.national_id is not None:
        born = datetime.combine(checked.national_id.date_of_birth, time(), tzinfo=UTC)
        set_fields["nationalId"] = await cipher.encrypt_private(checked.national_id.number)
        set_fields["dateOfBirth"] = await cipher.encrypt_private(born)
    unset_fields: list[str] = []
    if changes.clear_phone:
        unset_fields.append("phone")
    if changes.clear_national_id:
        unset_fields += ["nationalId", "dateOfBirth"]
    return set_fields, unset_fields


async def update_profile(ctx: Context, changes: ProfileChanges) -> dict[str, Any] | Refusal:
    """Validate every given field first, so bad input changes nothing; then one update."""
    viewer = ctx.require_viewer()
    try:
        set_fields, unset_fields = await _validated(ctx, changes)
    except _Invalid as invalid:
        return invalid.refusal
    doc = await store_profile(
        ctx.db, viewer.user_id, set_fields=set_fields, unset_fields=unset_fields
    )
    if doc is None:
        return validation_error("userId", "This account no longer exists.")
    ctx.loaders.forget_user(viewer.user_id)
    ctx.loaders.user_by_id.prime(viewer.user_id, doc)
    ctx.changed("User", viewer.user_id, lists=True)  # the directory is ordered by name
    return doc
