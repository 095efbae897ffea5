"""The profile change as a pydantic model: every given field checked before anything is stored."""

from __future__ import annotations

from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from resolvers.outcomes import Refusal, validation_error
from resolvers.personal_data import PersonalDataError, SaId, parse_phone, parse_sa_id
from resolvers.profile_text import clean_bio, clean_city, clean_display_name

# Model field -> the input field a client sent (named in ValidationError.field).
INPUT_NAMES: Final = {
    "display_name": "displayName",
    "bio": "bio",
    "city": "city",
    "phone": "phone",
    "national_id": "nationalId",
}


def _text(clean: Any, raw: str | None) -> str | None:
    if raw is None:
        return None
    value = clean(raw)
    if isinstance(value, Refusal):
        raise ValueError(value.message)
    return str(value)


class ProfileInput(BaseModel):
    """Left-out fields stay None; validators normalise what was given."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    display_name: str | None = None
    bio: str | None = None
    city: str | None = None
    phone: str | None = None
    national_id: SaId | None = None

    @field_validator("display_name", mode="before")
    @classmethod
    def _display_name(cls, raw: str | None) -> str | None:
        return _text(clean_display_name, raw)

    @field_validator("bio", mode="before")
    @classmethod
    def _bio(cls, raw: str | None) -> str | None:
        return _text(clean_bio, raw)

    @field_validator("city", mode="before")
    @classmethod
    def _city(cls, raw: str | None) -> str | None:
        return _text(clean_city, raw)

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, raw: str | None) -> str | None:
        return None if raw is None else parse_phone(raw)

    @field_validator("national_id", mode="before")
    @classmethod
    def _national_id(cls, raw: str | None) -> SaId | None:
        return None if raw is None else parse_sa_id(raw)


def parse_profile_input(**given: str | None) -> ProfileInput | Refusal:
    """The validated input, or a refusal naming the first field at fault."""
    try:
        return ProfileInput(**given)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = INPUT_NAMES.get(str(first["loc"][0]), str(first["loc"][0]))
        cause = (first.get("ctx") or {}).get("error")
        if isinstance(cause, PersonalDataError):
            return validation_error(field, cause.message)
        if isinstance(cause, ValueError):
            return validation_error(field, str(cause))
        return validation_error(field, "This value is not acceptable.")
