"""The checks that hold the floor's writes to Leeto's: they pass equivalent writes
and fail different ones (the quick run in test_harness.py shows them passing
on real servers)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from bson import ObjectId
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auth.keys import KeySet
from auth.tokens import AccessTokens
from bench.scenarios import ENROL_SCENARIO, LOG_IN_SCENARIO, Fixtures, ScenarioFailed
from bench.write_checks import answer_facts, effects
from datastore.client import Database, open_client

FIXTURES = Fixtures(
    slugs=[],
    password="",
    demo_email="",
    student_emails=["ana@example.com", "ben@example.com"],
    student_ids=[str(ObjectId()), str(ObjectId())],
)


def _tokens(key: Ed25519PrivateKey, ttl: timedelta = timedelta(hours=1)) -> AccessTokens:
    return AccessTokens(KeySet.create(key), issuer="leeto", audience="leeto-api", ttl=ttl)


@pytest.fixture
async def unused_db() -> AsyncIterator[Database]:
    """Log-in facts read nothing stored; the client never connects."""
    client = open_client("mongodb://127.0.0.1:9/unused")
    yield client["unused"]
    await client.close()


async def test_two_log_ins_of_one_student_are_equivalent(unused_db: Database) -> None:
    key = Ed25519PrivateKey.generate()
    tokens = _tokens(key)
    issued = [
        issuer.issue(FIXTURES.student_ids[0], ["STUDENT"]).token
        for issuer in (tokens, _tokens(key))  # another process, the same key
    ]
    assert issued[0] != issued[1]
    facts = [
        await answer_facts(
            LOG_IN_SCENARIO, unused_db, tokens, FIXTURES, {"email": "ana@example.com", "token": t}
        )
        for t in issued
    ]
    assert facts[0] == facts[1]
    assert facts[0]["roles"] == ["STUDENT"]
    assert facts[0]["lifetime_s"] == 3600


async def test_a_token_for_someone_else_or_from_another_key_fails(unused_db: Database) -> None:
    tokens = _tokens(Ed25519PrivateKey.generate())
    ben = tokens.issue(FIXTURES.student_ids[1], ["STUDENT"]).token
    with pytest.raises(ScenarioFailed, match="user_is_the_student"):
        await answer_facts(
            LOG_IN_SCENARIO, unused_db, tokens, FIXTURES, {"email": "ana@example.com", "token": ben}
        )
    stranger = _tokens(Ed25519PrivateKey.generate()).issue(FIXTURES.student_ids[0], ["STUDENT"])
    with pytest.raises(ScenarioFailed, match="verifier"):
        await answer_facts(
            LOG_IN_SCENARIO,
            unused_db,
            tokens,
            FIXTURES,
            {"email": "ana@example.com", "token": stranger.token},
        )


async def test_another_lifetime_is_not_equivalent(unused_db: Database) -> None:
    key = Ed25519PrivateKey.generate()
    leeto, floor = _tokens(key), _tokens(key, ttl=timedelta(minutes=15))
    found = [
        await answer_facts(
            LOG_IN_SCENARIO,
            unused_db,
            leeto,
            FIXTURES,
            {"email": "ana@example.com", "token": t.issue(FIXTURES.student_ids[0], []).token},
        )
        for t in (leeto, floor)
    ]
    assert found[0] != found[1]


def test_effects_are_per_pair_and_must_leave_the_seats_as_they_were() -> None:
    before = Counter(enrolments=10, cancelled=8, seats_left=5, notices=3, seat_claims=4)
    after = Counter(enrolments=12, cancelled=10, seats_left=5, notices=5, seat_claims=6)
    assert effects(ENROL_SCENARIO, before, after, 2) == {
        "cancelled": 1.0,
        "enrolments": 1.0,
        "notices": 1.0,
        "seat_claims": 1.0,
        "seats_left": 0.0,
    }
    kept_a_seat = after - Counter(seats_left=1, cancelled=1)
    with pytest.raises(ScenarioFailed, match="seats_left"):
        effects(ENROL_SCENARIO, before, kept_a_seat, 2)
    no_notice = after - Counter(notices=2)
    with pytest.raises(ScenarioFailed, match="notices"):
        effects(ENROL_SCENARIO, before, no_notice, 2)
    no_refresh_token = Counter(throttle_records=0)
    with pytest.raises(ScenarioFailed, match="refresh_tokens"):
        effects(LOG_IN_SCENARIO, no_refresh_token, no_refresh_token, 1)
