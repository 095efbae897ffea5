"""userLogIn over HTTP: demo accounts, identical refusals, rehashing, timing."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from server.demo.build import DEMO_ADMIN, DEMO_INSTRUCTOR, DEMO_PASSWORD, DEMO_STUDENT
from tests.accounts.accounts_helpers import (
    LOG_IN,
    PASSWORD,
    VIEWER,
    AccountsApp,
    log_in,
    unique_email,
)
from tests.graphql_client import gql


@pytest.mark.parametrize(
    ("email", "role"),
    [(DEMO_STUDENT, "STUDENT"), (DEMO_INSTRUCTOR, "INSTRUCTOR"), (DEMO_ADMIN, "ADMIN")],
)
def test_demo_accounts_log_in(seeded_client: TestClient, email: str, role: str) -> None:
    result = log_in(seeded_client, email, DEMO_PASSWORD)
    assert result["__typename"] == "AuthPayload", result
    assert result["user"]["roles"] == [role]
    viewer = gql(seeded_client, VIEWER, token=result["accessToken"])
    assert viewer["data"]["viewer"]["id"] == result["user"]["id"]


def test_unknown_email_and_wrong_password_look_the_same(accounts_app: AccountsApp) -> None:
    email = unique_email()
    accounts_app.sign_up(email)
    wrong_password = accounts_app.log_in(email, "not the right password")
    unknown_email = accounts_app.log_in(unique_email(), "not the right password")
    assert wrong_password == unknown_email
    assert wrong_password == {
        "__typename": "InvalidCredentials",
        "code": "INVALID_CREDENTIALS",
        "message": "Incorrect email or password.",
    }


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"email": "nobody", "password": PASSWORD}, "email"),
        ({"email": "someone@example.org", "password": ""}, "password"),
    ],
)
def test_malformed_log_in_names_the_field(
    accounts_app: AccountsApp, variables: dict[str, str], field: str
) -> None:
    body = gql(accounts_app.client, LOG_IN, {"input": variables})
    result = body["data"]["userLogIn"]
    assert result["__typename"] == "ValidationError"
    assert result["field"] == field


def test_log_in_upgrades_a_weaker_stored_hash(
    accounts_app_factory: Callable[..., AccountsApp],
) -> None:
    weak = accounts_app_factory(argon2_time_cost=1, argon2_memory_kib=8192, argon2_parallelism=1)
    email = unique_email()
    weak.sign_up(email)
    (before,) = weak.db.users.find({}, {"passwordHash": 1})
    assert before["passwordHash"].startswith("$argon2id$v=19$m=8192,t=1,p=1$")

    strong = accounts_app_factory(argon2_time_cost=2, argon2_memory_kib=16384, argon2_parallelism=2)
    assert strong.log_in(email)["__typename"] == "AuthPayload"
    (after,) = strong.db.users.find({}, {"passwordHash": 1})
    assert after["passwordHash"].startswith("$argon2id$v=19$m=16384,t=2,p=2$")

    # The upgraded hash still accepts the same password, and is left alone next time.
    assert strong.log_in(email)["__typename"] == "AuthPayload"
    (again,) = strong.db.users.find({}, {"passwordHash": 1})
    assert again["passwordHash"] == after["passwordHash"]
    assert strong.log_in(email, "wrong password!")["__typename"] == "InvalidCredentials"


def test_wrong_password_does_not_touch_the_stored_hash(
    accounts_app_factory: Callable[..., AccountsApp],
) -> None:
    weak = accounts_app_factory()
    email = unique_email()
    weak.sign_up(email)
    (before,) = weak.db.users.find({}, {"passwordHash": 1})
    strong = accounts_app_factory(argon2_time_cost=2)
    assert strong.log_in(email, "wrong password!")["__typename"] == "InvalidCredentials"
    (after,) = strong.db.users.find({}, {"passwordHash": 1})
    assert after == before


def _median_seconds(client: TestClient, email: str, rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        body = gql(client, LOG_IN, {"input": {"email": email, "password": "wrong password!"}})
        timings.append(time.perf_counter() - started)
        assert body["data"]["userLogIn"]["__typename"] == "InvalidCredentials"
    return statistics.median(timings)


def test_unknown_and_known_emails_take_about_as_long(
    accounts_app_factory: Callable[..., AccountsApp],
) -> None:
    # Stronger than the suite's cheapest parameters, so hashing dominates as in production.
    app = accounts_app_factory(argon2_time_cost=2, argon2_memory_kib=16384)
    known = unique_email()
    app.sign_up(known)
    _median_seconds(app.client, known, 2)  # warm up connections and caches
    known_median = _median_seconds(app.client, known, 9)
    unknown_median = _median_seconds(app.client, unique_email(), 9)
    ratio = known_median / unknown_median
    assert 1 / 3 < ratio < 3, (known_median, unknown_median)
