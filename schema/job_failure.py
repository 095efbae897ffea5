"""JobFailure: a background job that failed on every attempt (administrators only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

import strawberry


@strawberry.type(
    description="A background job that failed on every attempt and will not run again by "
    "itself. It names what failed by kind and ids only: no addresses, no message text."
)
class JobFailure:
    id: strawberry.ID = strawberry.field(description="This failure's ID.")
    kind: str = strawberry.field(
        description="What the job was: CONFIRMED, PROMOTED, SESSION_CANCELLED, REMINDER (an "
        "e-mail of that kind) or the name of a periodic job."
    )
    attempts: int = strawberry.field(description="How many times it was tried.")
    last_error: str = strawberry.field(
        description="The last failure, e.g. `SMTP reply 451`, `ConnectionRefusedError`, or "
        "`sender stopped mid-send: delivery unknown` (the mail server may have it)."
    )
    failed_at: datetime = strawberry.field(description="When it was given up.")

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            id=strawberry.ID(str(doc["_id"])),
            kind=doc["kind"],
            attempts=int(doc["attempts"]),
            last_error=doc["lastError"],
            failed_at=doc["failedAt"],
        )
