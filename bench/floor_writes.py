"""The floor's writes: log-in, enrol and cancel with no GraphQL at all.

Each handler sends the MongoDB commands Leeto sends for the same mutation and
pays the same CPU for it: argon2id verification with Leeto's parameters (one
at a time per `parallelism` cores, as Leeto limits it), the deterministic
e-mail encryption the users collection is keyed by, an EdDSA access token
signed with the key Leeto is given, the attempt log of log-in throttling, the
refresh token insert; for enrolments the seat-claim protocol of
`datastore.seating` (its helpers: the rules of a shared data model, not a
second copy of them), the live seat event and the notice job Leeto schedules
after every enrolment write (`jobs.queue.Jobs`, whose e-mail is part of what
an enrolment does).

What a hand-written app would skip is skipped: no schema, no resolvers, no
DataLoaders, no per-request context; answers are shaped by hand as the
`data` of the GraphQL answer they stand for.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
import secrets
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from bson import ObjectId
from bson.errors import InvalidId
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auth.emails import normalise_email, validate_email
from auth.keys import thumbprint
from auth.refresh_tokens import (
    RefreshPolicy,
    hash_refresh_token,
    new_refresh_token,
    started_before,
)
from auth.throttle import ThrottlePolicy
from datastore import collections as names
from datastore.attempts import (
    forget_attempts,
    forget_key,
    mark_failed,
    recent_attempts,
    record_attempts,
)
from datastore.client import Database
from datastore.encryption import FieldCipher
from datastore.enrollment import (
    cancel_enrollment,
    find_enrollment,
    insert_enrollment,
    read_seating,
    settle,
    user_enrollments,
)
from datastore.refresh_token import start_family
from datastore.seating import Seating, SeatingStatus
from jobs.queue import Jobs
from live import channels
from live.broker import Broker
from server.settings import Settings

Doc = dict[str, Any]
LIVE = {"ACTIVE", "WAITLISTED"}


def gid(type_name: str, object_id: ObjectId) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{object_id}".encode()).decode().rstrip("=")


def parse_gid(value: str, type_name: str) -> ObjectId | None:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        kind, _, hex_id = raw.partition(":")
        return ObjectId(hex_id) if kind == type_name else None
    except (binascii.Error, UnicodeDecodeError, InvalidId, ValueError):
        return None


def refused(problem: str) -> Doc:
    return {"__typename": "Refusal", "problem": problem}


class FloorWrites:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        signing_key: Ed25519PrivateKey,
        cipher: FieldCipher,
        events: Broker,
        jobs: Jobs,
    ) -> None:
        self.db = db
        self.cipher = cipher
        self.events = events
        self.jobs = jobs
        self.hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
            type=Type.ID,
        )
        # One hash keeps `parallelism` cores busy; Leeto runs no more at once.
        cores = os.cpu_count() or 1
        self.hashing = ThreadPoolExecutor(max(1, cores // settings.argon2_parallelism))
        self.dummy_hash = self.hasher.hash(secrets.token_urlsafe(32))
        self.signing_key = signing_key
        self.kid = thumbprint(signing_key.public_key())
        self.issuer, self.audience = settings.jwt_issuer, settings.jwt_audience
        self.token_ttl = settings.access_token_ttl_seconds
        self.refresh = RefreshPolicy(
            absolute_ttl=timedelta(days=settings.refresh_token_ttl_days),
            idle_ttl=timedelta(days=settings.refresh_token_idle_days),
        )
        window = timedelta(seconds=settings.login_throttle_window_seconds)
        delay = timedelta(seconds=settings.login_max_delay_seconds)
        self.per_account = ThrottlePolicy(settings.login_free_failures, delay, window)
        self.per_address = ThrottlePolicy(settings.login_free_failures_per_address, delay, window)

    def close(self) -> None:
        self.hashing.shutdown(wait=False)

    # -- log-in ---------------------------------------------------------------

    async def _verify(self, stored: str, password: str) -> bool:
        def verify() -> bool:
            try:
                return self.hasher.verify(stored, password)
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.get_running_loop().run_in_executor(self.hashing, verify)

    def _sign(self, user: Doc, now: datetime) -> str:
        issued = int(now.timestamp())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user["_id"]),
            "iat": issued,
            "nbf": issued,
            "exp": issued + self.token_ttl,
            "jti": secrets.token_urlsafe(16),
            "roles": [str(role) for role in user.get("roles", [])],
        }
        headers = {"typ": "at+jwt", "kid": self.kid}
        return jwt.encode(claims, self.signing_key, algorithm="EdDSA", headers=headers)

    async def log_in(self, email: str, password: str, address: str) -> Doc:
        normalised = normalise_email(email)
        if validate_email(normalised) is not None or not password:
            return {"userLogIn": refused("VALIDATION_ERROR")}
        password = unicodedata.normalize("NFKC", password)  # as Leeto hashes it
        now = datetime.now(UTC)
        ciphertext = await self.cipher.encrypt_email(normalised)
        # Throttling: the attempt is written first, then the recent ones are counted.
        account = "account:" + hashlib.sha256(bytes(ciphertext)).hexdigest()
        keys = [account, "address:" + address]
        keep = now + max(self.per_account.window, self.per_address.window)
        records = await record_attempts(
            self.db, names.LOGIN_FAILURES, keys, now=now, expires_at=keep
        )
        by_account, by_address = await asyncio.gather(
            recent_attempts(
                self.db,
                names.LOGIN_FAILURES,
                account,
                since=self.per_account.window_start(now),
                excluding=records,
                limit=self.per_account.free_failures + 64,
            ),
            recent_attempts(
                self.db,
                names.LOGIN_FAILURES,
                keys[1],
                since=self.per_address.window_start(now),
                excluding=records,
                limit=self.per_address.free_failures + 64,
                failed_only=True,
            ),
        )
        waits = [
            policy.retry_after(recent.count, recent.newest, now)
            for policy, recent in ((self.per_account, by_account), (self.per_address, by_address))
            if recent.newest is not None
        ]
        if any(waits):
            await forget_attempts(self.db, names.LOGIN_FAILURES, records)
            return {"userLogIn": refused("RATE_LIMITED")}
        user = await self.db[names.USERS].find_one({"email": ciphertext})
        verified = await self._verify(
            self.dummy_hash if user is None else user["passwordHash"], password
        )
        if user is None or not verified:
            await mark_failed(self.db, names.LOGIN_FAILURES, records)
            return {"userLogIn": refused("INVALID_CREDENTIALS")}
        await asyncio.gather(
            forget_key(self.db, names.LOGIN_FAILURES, account),
            forget_attempts(self.db, names.LOGIN_FAILURES, records[1:]),
        )
        if self.hasher.check_needs_rehash(user["passwordHash"]):
            upgraded = await asyncio.get_running_loop().run_in_executor(
                self.hashing, self.hasher.hash, password
            )
            await self.db[names.USERS].update_one(
                {"_id": user["_id"], "passwordHash": user["passwordHash"]},
                {"$set": {"passwordHash": upgraded, "updatedAt": now}},
            )
        refresh_token = new_refresh_token()
        await start_family(
            self.db,
            token_hash=hash_refresh_token(refresh_token),
            user_id=user["_id"],
            now=now,
            expires_at=self.refresh.expires_at(now, now),
        )
        # A password change or deletion meanwhile outdates this log-in.
        current = await self.db[names.USERS].find_one({"_id": user["_id"]})
        if (
            current is None
            or current.get("deletedAt") is not None
            or started_before(now, current.get("sessionsValidAfter"))
        ):
            return {"userLogIn": refused("INVALID_CREDENTIALS")}
        token = self._sign(current, datetime.now(UTC))
        return {"userLogIn": {"__typename": "AuthPayload", "accessToken": token}}

    # -- enrolment ------------------------------------------------------------

    @staticmethod
    def _status(doc: Doc, session: Doc, seating: Seating) -> str:
        status = seating.status.get(doc["_id"], SeatingStatus.WAITLISTED).value
        if status == "ACTIVE" and session["endsAt"] <= datetime.now(UTC):
            return "COMPLETED"
        return status

    async def _changed(
        self,
        session_id: ObjectId,
        reason: str,
        enrollment: ObjectId,
        seated: list[ObjectId],
        seating: Seating,
    ) -> None:
        """The live seat event and the notice job, as after every enrolment write."""
        session = await self.db[names.SESSIONS].find_one({"_id": session_id})
        if session is not None:
            if seating.capacity != int(session["capacity"]):
                seating = await read_seating(self.db, session_id, int(session["capacity"]))
            cancelled = session.get("cancelledAt") is not None
            left = 0 if cancelled else max(0, int(session["capacity"]) - seating.seated_by_claims)
            version = seating.changes + int(session.get("capacityVersion", 0)) + int(cancelled)
            await self.events.publish(
                channels.session_seats(session_id),
                {
                    "sessionId": str(session_id),
                    "version": version,
                    "seatsLeft": left,
                    "waitlistLength": len(seating.waitlist),
                    "reason": reason,
                },
            )
            owners = {doc["_id"]: doc["userId"] for doc in seating.enrollments}
            changes = dict.fromkeys(seated, "PROMOTED") | {enrollment: reason}
            for changed, why in changes.items():
                if changed in owners:
                    await self.events.publish(
                        channels.user_enrollments(owners[changed]),
                        {"enrollmentId": str(changed), "sessionId": str(session_id), "reason": why},
                    )
        await self.jobs.enrollments_changed(session_id)

    async def enrol(self, viewer: ObjectId, session_gid: str) -> Doc:
        session_id = parse_gid(session_gid, "Session")
        if session_id is None:
            return {"sessionEnroll": refused("VALIDATION_ERROR")}
        session = await self.db[names.SESSIONS].find_one({"_id": {"$in": [session_id]}})
        course = None
        if session is not None:
            course = await self.db[names.COURSES].find_one({"_id": {"$in": [session["courseId"]]}})
        if course is None or not course.get("published") or course.get("archivedAt"):
            return {"sessionEnroll": refused("NOT_FOUND")}
        assert session is not None
        if session.get("cancelledAt") is not None or session["startsAt"] <= datetime.now(UTC):
            return {"sessionEnroll": refused("SESSION_CLOSED")}
        capacity = int(session["capacity"])
        earlier = await user_enrollments(self.db, viewer, session_id)
        if earlier:
            seating = await read_seating(self.db, session_id, capacity)
            if any(self._status(doc, session, seating) in LIVE for doc in earlier):
                return {"sessionEnroll": refused("ALREADY_ENROLLED")}
        attempt = 1 + max((int(doc.get("attempt", 1)) for doc in earlier), default=0)
        now = datetime.now(UTC)
        doc = await insert_enrollment(
            self.db, session_id=session_id, user_id=viewer, attempt=attempt, now=now
        )
        if doc is None:
            return {"sessionEnroll": refused("ALREADY_ENROLLED")}
        seated: list[ObjectId] = []
        seating = await settle(self.db, session_id, capacity, now=now, seated=seated)
        await self._changed(session_id, "ENROLLED", doc["_id"], seated, seating)
        return {"sessionEnroll": _payload(doc, self._status(doc, session, seating))}

    async def cancel(self, viewer: ObjectId, enrollment_gid: str) -> Doc:
        enrollment_id = parse_gid(enrollment_gid, "Enrollment")
        if enrollment_id is None:
            return {"enrollmentCancel": refused("VALIDATION_ERROR")}
        doc = await find_enrollment(self.db, enrollment_id)
        # The viewer's roles as stored now: the student, or an administrator.
        me = await self.db[names.USERS].find_one({"_id": {"$in": [viewer]}})
        allowed = (
            me is not None
            and me.get("deletedAt") is None
            and doc is not None
            and (doc["userId"] == viewer or "ADMIN" in me.get("roles", []))
        )
        if not allowed or doc is None:
            return {"enrollmentCancel": refused("NOT_FOUND")}
        session = await self.db[names.SESSIONS].find_one({"_id": {"$in": [doc["sessionId"]]}})
        if session is None:
            return {"enrollmentCancel": refused("NOT_FOUND")}
        capacity = int(session["capacity"])
        current = self._status(doc, session, await read_seating(self.db, session["_id"], capacity))
        if current not in LIVE:
            return {"enrollmentCancel": refused(f"ALREADY_{current}")}
        now = datetime.now(UTC)
        await cancel_enrollment(self.db, doc["_id"], now=now, reason="CANCELLED_BY_USER")
        stored = {"cancelledAt": now, **doc}
        seated: list[ObjectId] = []
        seating = await settle(self.db, session["_id"], capacity, now=now, seated=seated)
        await self._changed(session["_id"], "CANCELLED_BY_USER", doc["_id"], seated, seating)
        return {"enrollmentCancel": _payload(stored, self._status(stored, session, seating))}


def _payload(doc: Doc, status: str) -> Doc:
    return {
        "__typename": "EnrollmentPayload",
        "enrollment": {"id": gid("Enrollment", doc["_id"]), "status": status},
    }
