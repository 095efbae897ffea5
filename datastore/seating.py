"""Seats and waitlists, built only on inserts guarded by unique indexes.

Why not a counter: on the embedded engine `update` and `findAndModify` read,
then write, so fifty concurrent `$inc` on one document end anywhere between 1
and 10. The one operation atomic on every engine Leeto supports is an insert
that a unique index may refuse. Every invariant of a session's seating is
therefore decided by such inserts, and every status is derived from what was
inserted rather than stored and updated:

- An **enrolment** is a document inserted once per attempt, unique on
  `(sessionId, userId, attempt)`: of ten simultaneous requests from one
  student, one insert wins. Cancelling sets `cancelledAt`, the only field
  ever written after the insert (so no two writers update different fields of
  one document, which the embedded engine could lose).
- A **seat claim** fills seat `k` of a session for its `gen`-th time, with
  `_id` `"<sessionId>:<k>:<gen>"`. The `_id` lets exactly one claim win each
  seat generation; the unique `holderId` lets an enrolment hold at most one
  seat ever. A seat's latest generation says who holds it: a student
  (`SEAT`), nobody (`VACANT`, written when a cancelled student's seat is
  released and no one waits), or a capacity decrease (`BLOCK`).
- **Status** follows: cancelled if `cancelledAt` is set or its seat passed to
  a later generation; active if it holds the latest claim of a seat within the
  capacity; otherwise waitlisted, in order of `(createdAt, _id)`, so readers
  always see positions 1..n without gaps or repeats.

Whoever changes a session (an enrolment, a cancellation, a capacity change)
then settles it: read the claims and enrolments, and while a seat is free and
someone waits, insert the claim that seats the earliest waiting student (or
releases a cancelled student's seat). A lost race is a refused insert; the
loser reads again. Every writer reads after its own write, so the last read of
all sees every write, and a freed seat never stays free while someone waits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from datastore import collections as names
from datastore.client import Database
from datastore.pages import BATCH_SIZE

Doc = dict[str, Any]

__all__ = [
    "ClaimKind",
    "Seating",
    "SeatingStatus",
    "insert_claim",
    "latest_claims",
]


class ClaimKind(StrEnum):
    SEAT = "SEAT"
    VACANT = "VACANT"
    BLOCK = "BLOCK"


class SeatingStatus(StrEnum):
    ACTIVE = "ACTIVE"
    WAITLISTED = "WAITLISTED"
    CANCELLED = "CANCELLED"


# Settling stops after this many rounds even under endless contention; the next
# write to the session settles what is left.
MAX_SETTLE_ROUNDS: Final = 2_000


def claim_id(session_id: ObjectId, seat: int, gen: int) -> str:
    return f"{session_id}:{seat}:{gen}"


def latest_claims(claims: Iterable[Doc]) -> dict[int, Doc]:
    """The newest generation of each seat number."""
    latest: dict[int, Doc] = {}
    for claim in claims:
        seat = int(claim["seat"])
        if seat not in latest or claim["gen"] > latest[seat]["gen"]:
            latest[seat] = claim
    return latest


@dataclass(frozen=True, slots=True)
class Action:
    """One insert that moves a session towards its settled state."""

    seat: int
    gen: int
    kind: ClaimKind
    holder_id: ObjectId
    # What the previous generation of this seat was (None for the first).
    replaces: ClaimKind | None = None

    @property
    def delta(self) -> int:
        """How this claim changes the number of seated students: +1 for a student
        taking a seat, -1 for one leaving it, so a session's deltas sum to the
        students it seats — one `$sum` per session, on every engine."""
        return int(self.kind is ClaimKind.SEAT) - int(self.replaces is ClaimKind.SEAT)


@dataclass
class Seating:
    """A session's seats and waitlist as derived from its claims and enrolments."""

    capacity: int
    enrollments: Sequence[Doc]
    claims: Sequence[Doc]
    latest: dict[int, Doc] = field(init=False)
    status: dict[ObjectId, SeatingStatus] = field(init=False)
    waitlist: list[Doc] = field(init=False)
    seat_of: dict[ObjectId, Doc] = field(init=False)
    positions: dict[ObjectId, int] = field(init=False)

    def __post_init__(self) -> None:
        self.latest = latest_claims(self.claims)
        self.seat_of = {c["holderId"]: c for c in self.claims if c["kind"] == ClaimKind.SEAT}
        holding = {c["holderId"]: seat for seat, c in self.latest.items()}
        current = {holder for holder, seat in holding.items() if seat <= self.capacity}
        self.status = {}
        waiting: list[Doc] = []
        for doc in self.enrollments:
            enrollment_id = doc["_id"]
            if doc.get("cancelledAt") is not None:
                self.status[enrollment_id] = SeatingStatus.CANCELLED
            elif enrollment_id in current:
                self.status[enrollment_id] = SeatingStatus.ACTIVE
            elif enrollment_id in self.seat_of and enrollment_id not in holding:
                # Its seat went to a later generation: the student gave it up.
                self.status[enrollment_id] = SeatingStatus.CANCELLED
            else:
                self.status[enrollment_id] = SeatingStatus.WAITLISTED
                waiting.append(doc)
        self.waitlist = sorted(waiting, key=lambda d: (d["createdAt"], d["_id"]))
        # Looked up once per enrolment shown: a class list shows them all.
        self.positions = {doc["_id"]: n for n, doc in enumerate(self.waitlist, start=1)}

    @property
    def seated_by_claims(self) -> int:
        """Students the claims alone seat: the sum of their deltas, exactly what
        `SeatsTakenBySessionLoader` counts with one aggregate. Between a
        cancellation and the settling that releases its seat (one request's
        time) that seat still counts; statuses read the enrolments too."""
        return sum(int(claim.get("delta", 0)) for claim in self.claims)

    @property
    def changes(self) -> int:
        """How many changes made this seating: claims and enrolments are only ever
        inserted and a cancellation only ever set, so the number grows with every
        write and a later read never counts fewer (a version for live events)."""
        cancelled = sum(1 for doc in self.enrollments if doc.get("cancelledAt") is not None)
        return len(self.claims) + len(self.enrollments) + cancelled

    def position(self, enrollment_id: ObjectId) -> int | None:
        return self.positions.get(enrollment_id)

    def claim(self, seat: int, kind: ClaimKind, holder_id: ObjectId) -> Action:
        """The next generation of `seat`, taken by `holder_id`."""
        previous = self.latest.get(seat)
        if previous is None:
            return Action(seat, 1, kind, holder_id)
        return Action(seat, int(previous["gen"]) + 1, kind, holder_id, ClaimKind(previous["kind"]))

    def _holder_cancelled(self, claim: Doc) -> bool:
        return self.status.get(claim["holderId"]) is SeatingStatus.CANCELLED

    def free_seats(self) -> list[int]:
        """Seats within the capacity nobody holds (or a cancelled student still holds)."""
        free = []
        for seat in range(1, self.capacity + 1):
            claim = self.latest.get(seat)
            if (
                claim is None
                or claim["kind"] == ClaimKind.VACANT
                or (claim["kind"] == ClaimKind.SEAT and self._holder_cancelled(claim))
            ):
                free.append(seat)
        return free

    def next_action(self, pick: Callable[[int], int] = lambda n: 0) -> Action | None:
        """Seat one of the earliest waiting students, else release a cancelled
        student's seat, else nothing: the session is settled.

        With `f` free seats, the first `f` waiting students are the ones to seat,
        in any pairing; `pick` chooses which pair this writer tries, so that
        writers settling at once spread over different seats instead of all
        racing for the first.
        """
        free = self.free_seats()
        if free and self.waitlist:
            n = pick(min(len(free), len(self.waitlist)))
            seat = free[n]
            return self.claim(seat, ClaimKind.SEAT, self.waitlist[n]["_id"])
        for seat in free:
            claim = self.latest.get(seat)
            if claim is not None and claim["kind"] == ClaimKind.SEAT:
                return self.claim(seat, ClaimKind.VACANT, ObjectId())
        return None

    def occupied_above(self, capacity: int) -> list[int]:
        """Seats beyond `capacity` a student holds now (they block a decrease)."""
        return sorted(
            seat
            for seat, claim in self.latest.items()
            if seat > capacity
            and seat <= self.capacity
            and claim["kind"] == ClaimKind.SEAT
            and not self._holder_cancelled(claim)
        )

    def blocked(self, seat: int) -> bool:
        claim = self.latest.get(seat)
        return claim is not None and claim["kind"] == ClaimKind.BLOCK


async def insert_claim(
    db: Database, session_id: ObjectId, action: Action, *, now: datetime
) -> bool:
    """Try one claim; False when another writer took that seat generation first
    or the holder already has a seat."""
    try:
        await db[names.SEAT_CLAIMS].insert_one(
            {
                "_id": claim_id(session_id, action.seat, action.gen),
                "sessionId": session_id,
                "seat": action.seat,
                "gen": action.gen,
                "kind": action.kind.value,
                "holderId": action.holder_id,
                "delta": action.delta,
                "createdAt": now,
            }
        )
    except DuplicateKeyError:
        return False
    return True


async def claims_of_sessions(db: Database, session_ids: Sequence[ObjectId]) -> list[Doc]:
    cursor = db[names.SEAT_CLAIMS].find({"sessionId": {"$in": list(set(session_ids))}})
    return await cursor.batch_size(BATCH_SIZE).to_list()


async def enrollments_of_sessions(db: Database, session_ids: Sequence[ObjectId]) -> list[Doc]:
    cursor = db[names.ENROLLMENTS].find({"sessionId": {"$in": list(set(session_ids))}})
    return await cursor.batch_size(BATCH_SIZE).to_list()
