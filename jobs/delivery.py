"""Sending one notice at most once.

Order of steps: claim the attempt (an insert), hand the message to the SMTP
server, record the outcome. SMTP has no idempotency, so one window remains:
a sender that dies after claiming and before recording leaves the attempt in
SENDING, and nobody can know whether the server accepted the message. Such
an attempt is never sent again (a duplicate is ruled out) and, once stale, is
listed as a dead letter for administrators to check and retry (so it is not
silently lost). A refusal or an unreachable server is known not to have sent
anything: the attempt is recorded FAILED and the job retried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from datastore.client import Database
from datastore.encryption import FieldCipher
from jobs.mail import Mailer, MailNotSent
from jobs.notices import Notice, compose
from jobs.store import DeliveryState, claim_attempt, finish_attempt, histories

log = logging.getLogger("leeto.jobs.delivery")


@dataclass(frozen=True, slots=True)
class Postman:
    db: Database
    cipher: FieldCipher
    mailer: Mailer
    sender: str

    async def deliver(self, notice: Notice) -> str:
        """What happened, in a word: sent, skipped, done (earlier), busy (another
        sender holds the attempt, or one died mid-send). Raises MailNotSent."""
        key = notice.key
        history = (await histories(self.db, [key])).get(key)
        if history is not None and history.done:
            return "done"
        latest = history.latest if history is not None else None
        if latest is not None and latest["state"] == DeliveryState.SENDING:
            return "busy"
        attempt = history.next_attempt if history is not None else 1
        now = datetime.now(UTC)
        if not await claim_attempt(self.db, key, notice.args(), attempt, now):
            return "busy"
        letter = await compose(self.db, self.cipher, notice, sender=self.sender, now=now)
        if letter.message is None:
            await finish_attempt(self.db, key, attempt, DeliveryState.SKIPPED, now, letter.skipped)
            log.info("notice %s skipped: %s", key, letter.skipped)
            return "skipped"
        try:
            await self.mailer.send(letter.message)
        except MailNotSent as exc:
            await finish_attempt(
                self.db, key, attempt, DeliveryState.FAILED, datetime.now(UTC), exc.reason
            )
            raise
        await finish_attempt(self.db, key, attempt, DeliveryState.SENT, datetime.now(UTC))
        log.info("notice %s sent (attempt %d)", key, attempt)
        return "sent"
