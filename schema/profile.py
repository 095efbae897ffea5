"""The signed-in user's profile: input, payload and result of `userUpdateProfile`."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers.outcomes import Refusal, validation_error
from resolvers.profile import ProfileChanges
from schema.mutation_errors import ValidationError, mutation_error
from schema.user import User


@strawberry.input(
    description=(
        "Changes to the signed-in user's profile. Leave a field out to keep it; "
        "`phone: null` or `nationalId: null` removes it. If any field is invalid, "
        "nothing changes."
    )
)
class UserUpdateProfileInput:
    display_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="The name others see (1 to 80 characters)."
    )
    bio: str | None = strawberry.field(
        default=strawberry.UNSET, description="A short self-description (up to 500 characters)."
    )
    city: str | None = strawberry.field(
        default=strawberry.UNSET, description="Where the user lives (up to 80 characters)."
    )
    phone: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Phone number; stored in E.164 form. South African local numbers "
        "(082 123 4567) are accepted.",
    )
    national_id: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="South African ID number: 13 digits, valid check digit; the date of "
        "birth is taken from it.",
    )

    def to_changes(self) -> ProfileChanges | Refusal:
        def given(value: Any) -> bool:
            return value is not strawberry.UNSET

        for field, value in (("displayName", self.display_name), ("city", self.city)):
            if value is None:
                return validation_error(field, "This field cannot be removed; send a value.")
        return ProfileChanges(
            display_name=self.display_name if given(self.display_name) else None,
            bio=(self.bio or "") if given(self.bio) else None,
            city=self.city if given(self.city) else None,
            phone=self.phone if given(self.phone) else None,
            national_id=self.national_id if given(self.national_id) else None,
            clear_phone=self.phone is None,
            clear_national_id=self.national_id is None,
        )


@strawberry.type(description="The profile as now stored.")
class UserUpdateProfilePayload:
    user: User = strawberry.field(description="The signed-in user.")


UserUpdateProfileResult = Annotated[
    UserUpdateProfilePayload | ValidationError, strawberry.union("UserUpdateProfileResult")
]


def update_profile_result(outcome: dict[str, Any] | Refusal) -> Any:
    if isinstance(outcome, Refusal):
        return mutation_error(outcome)
    return UserUpdateProfilePayload(user=User.from_doc(outcome))
