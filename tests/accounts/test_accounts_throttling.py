"""Throttling of log-ins (per account, per address) and sign-ups (per address)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from server.settings import Settings
from tests.accounts.accounts_helpers import (
    LOG_IN,
    PASSWORD,
    RELAXED,
    SIGN_UP,
    AccountsApp,
    agql,
    serving,
    unique_email,
)

WRONG = "definitely wrong password"


def _kinds(app: AccountsApp, email: str, password: str, times: int) -> list[str]:
    return [app.log_in(email, password)["__typename"] for _ in range(times)]


def test_failed_log_ins_are_throttled_per_account(
    accounts_app_factory: Callable[..., AccountsApp],
) -> None:
    app = accounts_app_factory(login_free_failures=2)
    email = unique_email()
    app.sign_up(email)
    # Two failures spend the allowance; the next attempt waits.
    assert _kinds(app, email, WRONG, 2) == ["InvalidCredentials"] * 2
    limited = app.log_in(email, WRONG)
    assert limited["__typename"] == "RateLimited"
    assert limited["code"] == "RATE_LIMITED"
    assert 1 <= limited["retryAfterSeconds"] <= 2
    assert "Try again in" in limited["message"]
    # The right password waits too: otherwise the throttle would answer the guess.
    assert app.log_in(email, PASSWORD)["__typename"] == "RateLimited"
    # Other accounts are not affected.
    other = unique_email()
    app.sign_up(other)
    assert app.log_in(other)["__typename"] == "AuthPayload"


def test_unknown_accounts_are_throttled_the_same_way(
    accounts_app_factory: Callable[..., AccountsApp],
) -> None:
    app = accounts_app_factory(login_free_failures=2)
    known, unknown = unique_email(), unique_email()
    app.sign_up(known)
    known_answers = [app.log_in(known, WRONG) for _ in range(5)]
    unknown_answers = [app.log_in(unknown, WRONG) for _ in range(5)]
    assert [a["__typename"] for a in known_answers] == [a["__typename"] for a in unknown_answers]
    assert known_answers[-1]["__typename"] == "RateLimited"
    assert {a["message"] for a in known_answers[:2]} == {a["message"] for a in unknown_answers[:2]}


def test_the_back_off_grows_and_then_expires(
    accounts_app_factory: Callable[..., AccountsApp],
) -> None:
    app = accounts_app_factory(
        login_free_failures=1, login_throttle_window_seconds=1, login_max_delay_seconds=1
    )
    email = unique_email()
    app.sign_up(email)
    assert _kinds(app, email, WRONG, 1) == ["InvalidCredentials"]
    assert app.log_in(email)["__typename"] == "RateLimited"
    time.sleep(1.1)  # the window passes
    assert app.log_in(email)["__typename"] == "AuthPayload"


def test_old_failures_stop_counting(accounts_app_factory: Callable[..., AccountsApp]) -> None:
    app = accounts_app_factory(login_free_failures=2)
    email = unique_email()
    app.sign_up(email)
    assert _kinds(app, email, WRONG, 2) == ["InvalidCredentials"] * 2
    assert app.log_in(email)["__typename"] == "RateLimited"
    # Age the recorded failures past the 15-minute window.
    long_ago = datetime.now(UTC) - timedelta(minutes=16)
    app.db.loginFailures.update_many({}, {"$set": {"at": long_ago}})
    assert app.log_in(email)["__typename"] == "AuthPayload"


def test_a_successful_log_in_clears_the_account_failures(
    accounts_app_factory: Callable[..., AccountsApp],
) -> None:
    app = accounts_app_factory(login_free_failures=2)
    email = unique_email()
    app.sign_up(email)
    assert _kinds(app, email, WRONG, 1) == ["InvalidCredentials"]
    assert app.log_in(email)["__typename"] == "AuthPayload"
    # The allowance is whole again.
    assert _kinds(app, email, WRONG, 2) == ["InvalidCredentials"] * 2


def test_failures_are_throttled_per_address(
    accounts_app_factory: Callable[..., AccountsApp],
) -> None:
    app = accounts_app_factory(login_free_failures_per_address=3)
    victim = unique_email()
    app.sign_up(victim)
    # One guess each at many accounts: no account reaches its limit, the address does.
    answers = [app.log_in(unique_email(), WRONG)["__typename"] for _ in range(3)]
    assert answers == ["InvalidCredentials"] * 3
    assert app.log_in(victim)["__typename"] == "RateLimited"


def test_stored_failures_do_not_reveal_the_email(
    accounts_app_factory: Callable[..., AccountsApp],
) -> None:
    app = accounts_app_factory()
    email = unique_email()
    app.log_in(email, WRONG)
    keys = {doc["key"] for doc in app.db.loginFailures.find()}
    assert len(keys) == 2
    assert all(email not in key and email.split("@")[0] not in key for key in keys)
    assert {key.split(":")[0] for key in keys} == {"account", "address"}


async def test_a_burst_of_parallel_guesses_gets_no_more_than_the_allowance(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    free = 2
    settings = make_settings(fresh_db_name, **{**RELAXED, "login_free_failures": free})
    variables = {"input": {"email": unique_email(), "password": WRONG}}
    async with serving(settings) as client:
        bodies = await asyncio.gather(*(agql(client, LOG_IN, variables) for _ in range(12)))
        kinds = [body["data"]["userLogIn"]["__typename"] for body in bodies]
        # Attempts are recorded before they are judged, so parallel ones see each
        # other: at most the free allowance (plus the one judged last) gets a guess.
        guesses = kinds.count("InvalidCredentials")
        assert guesses <= free + 1, kinds
        assert kinds.count("RateLimited") == len(kinds) - guesses
        # Refused attempts are withdrawn: only real guesses count afterwards.
        after = await agql(client, LOG_IN, variables)
        expected = "InvalidCredentials" if guesses < free else "RateLimited"
        assert after["data"]["userLogIn"]["__typename"] == expected


async def test_a_classroom_behind_one_address_logs_in_at_once(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    # Far more simultaneous correct log-ins from one address than its failure allowance.
    settings = make_settings(fresh_db_name, **{**RELAXED, "login_free_failures_per_address": 3})
    emails = [unique_email("student") for _ in range(12)]
    async with serving(settings) as client:
        for email in emails:
            signed_up = await agql(
                client,
                SIGN_UP,
                {"input": {"email": email, "password": PASSWORD, "displayName": "Learner"}},
            )
            assert signed_up["data"]["userSignUp"]["__typename"] == "AuthPayload"
        bodies = await asyncio.gather(
            *(
                agql(client, LOG_IN, {"input": {"email": email, "password": PASSWORD}})
                for email in emails
            )
        )
    kinds = [body["data"]["userLogIn"]["__typename"] for body in bodies]
    assert kinds == ["AuthPayload"] * len(emails)


def test_sign_up_is_limited_per_address(
    accounts_app_factory: Callable[..., AccountsApp],
) -> None:
    app = accounts_app_factory(signup_limit_per_address=2, signup_window_seconds=600)
    assert app.sign_up()["__typename"] == "AuthPayload"
    assert app.sign_up()["__typename"] == "AuthPayload"
    limited = app.sign_up()
    assert limited["__typename"] == "RateLimited"
    assert 590 <= limited["retryAfterSeconds"] <= 600
    assert app.db.users.count_documents({}) == 2
    # Invalid input is answered without spending an attempt.
    assert app.sign_up("not-an-email")["__typename"] == "ValidationError"
