"""Whether two variants' writes did the same thing, when their answers cannot be equal.

Two log-ins never return the same token, nor two enrolments the same ID, so
the harness compares what can be compared:

- answers (`answer_facts`): a log-in's token passes Leeto's own verifier
  (signature, key id, type, issuer, audience) and names the user of the
  e-mail address with their roles and Leeto's lifetime; an enrol + cancel pair
  answers ACTIVE then CANCELLED for one enrolment, stored for that student in
  that session;
- effects (`snapshot`, `effects`): read from the database beside the counting
  proxy before and after a cell, per log-in or pair: refresh tokens stored,
  throttling records left; enrolments stored and cancelled, seats taken,
  notice e-mails recorded, and the session's seats left and waitlist as they
  were.

Any difference between a variant's facts and Leeto's fails the run.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import jwt
from bson import ObjectId

from auth.tokens import AccessTokens, InvalidAccessToken
from bench.scenarios import Fixtures, Scenario, ScenarioFailed
from bench.wire import CountingProxy
from datastore import collections as names
from datastore.client import Database
from datastore.enrollment import read_seating
from datastore.seating import ClaimKind
from jobs.store import DELIVERIES
from resolvers.global_ids import from_global_id

Facts = dict[str, Any]


def _student(fixtures: Fixtures, email: str) -> ObjectId:
    return ObjectId(fixtures.student_ids[fixtures.student_emails.index(email)])


def _session(fixtures: Fixtures) -> ObjectId:
    return from_global_id(fixtures.enrol_session).id


def login_facts(tokens: AccessTokens, fixtures: Fixtures, data: dict[str, Any]) -> Facts:
    token = data["token"]
    try:
        claims = tokens.verify(token)
    except InvalidAccessToken as exc:
        raise ScenarioFailed(f"a log-in's token is refused by Leeto's verifier: {exc}") from None
    header = jwt.get_unverified_header(token)
    payload = jwt.decode(token, options={"verify_signature": False})
    return {
        "user_is_the_student": claims.subject == str(_student(fixtures, data["email"])),
        "roles": list(claims.roles),
        "lifetime_s": payload["exp"] - payload["iat"],
        "header": {k: header.get(k) for k in ("alg", "typ", "kid")},
    }


async def enrol_facts(db: Database, fixtures: Fixtures, data: dict[str, Any]) -> Facts:
    enrolled, cancelled = data["enrolled"], data["cancelled"]
    enrollment_id = from_global_id(enrolled["enrollment"]["id"]).id
    stored = await db[names.ENROLLMENTS].find_one({"_id": enrollment_id})
    student = ObjectId(fixtures.student_ids[data["student"]])
    return {
        "statuses": [enrolled["enrollment"]["status"], cancelled["enrollment"]["status"]],
        "one_enrolment": enrolled["enrollment"]["id"] == cancelled["enrollment"]["id"],
        "stored_for_the_student": stored is not None and stored["userId"] == student,
        "stored_in_the_session": stored is not None and stored["sessionId"] == _session(fixtures),
        "stored_cancelled": stored is not None and stored.get("cancelledAt") is not None,
    }


async def answer_facts(
    scenario: Scenario,
    db: Database,
    tokens: AccessTokens,
    fixtures: Fixtures,
    data: dict[str, Any],
) -> Facts:
    """What must agree between variants: the data itself for reads."""
    if scenario.kind == "read":
        return data
    if scenario.kind == "login":
        facts = login_facts(tokens, fixtures, data)
    else:
        facts = await enrol_facts(db, fixtures, data)
    wrong = [name for name, value in facts.items() if value is False]
    if wrong:
        raise ScenarioFailed(f"{scenario.name}: not so: {', '.join(wrong)}")
    return facts


async def snapshot(db: Database, scenario: Scenario, fixtures: Fixtures) -> Counter[str]:
    """Counts of what the scenario writes, as stored now."""
    if scenario.kind == "login":
        students = [ObjectId(i) for i in fixtures.student_ids]
        return Counter(
            refresh_tokens=await db[names.REFRESH_TOKENS].count_documents(
                {"userId": {"$in": students}}
            ),
            throttle_records=await db[names.LOGIN_FAILURES].count_documents({}),
        )
    session_id = _session(fixtures)
    session = await db[names.SESSIONS].find_one({"_id": session_id})
    assert session is not None
    seating = await read_seating(db, session_id, int(session["capacity"]))
    found = Counter(
        enrolments=len(seating.enrollments),
        cancelled=sum(1 for d in seating.enrollments if d.get("cancelledAt") is not None),
        seats_left=int(session["capacity"]) - seating.seated_by_claims,
        waitlist=len(seating.waitlist),
        notices=await db[DELIVERIES].count_documents({}),
    )
    # Every enrolment of a pair is seated once (a free seat waits for it), so
    # SEAT claims count pairs; VACANT ones do not: a seat given up while another
    # student's enrolment waits for a seat passes straight to them.
    found["seat_claims"] = sum(1 for claim in seating.claims if claim["kind"] == ClaimKind.SEAT)
    return found


# What every log-in or enrol + cancel pair must change, whoever serves it.
REQUIRED = {
    "login": {"refresh_tokens": 1, "throttle_records": 0},
    "write": {
        "seats_left": 0,
        "waitlist": 0,
        "enrolments": 1,
        "cancelled": 1,
        "seat_claims": 1,
        "notices": 1,
    },
}


def effects(
    scenario: Scenario, before: Counter[str], after: Counter[str], requests: int
) -> dict[str, float]:
    """What each request (log-in or pair) changed, on average."""
    keys = sorted(set(before) | set(after))
    found = {key: round((after[key] - before[key]) / requests, 3) for key in keys}
    wrong = {k: found.get(k, 0) for k, v in REQUIRED[scenario.kind].items() if found.get(k, 0) != v}
    if wrong:
        raise ScenarioFailed(f"{scenario.name}: each request changed {wrong}")
    return found


async def wait_until_quiet(proxy: CountingProxy, quiet: float, limit: float = 60) -> None:
    """Until no command has crossed the proxy for `quiet` seconds (or `limit` passed)."""
    deadline = time.monotonic() + limit
    seen, since = proxy.total, time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        if proxy.total != seen:
            seen, since = proxy.total, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
