"""No password, token or hash ever reaches the logs, whatever the log level."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from server.auth_setup import access_tokens_from
from server.logs import configure_logging
from tests.accounts.accounts_helpers import (
    CHANGE_PASSWORD,
    LOG_OUT,
    NEW_PASSWORD,
    PASSWORD,
    VIEWER,
    AccountsApp,
    unique_email,
)
from tests.graphql_client import gql

WRONG = "a wrong password for the logs test"


@pytest.fixture
def driver_log_level() -> Iterator[None]:
    """Restore the driver's logger, which configure_logging adjusts."""
    logger = logging.getLogger("pymongo")
    level = logger.level
    yield
    logger.setLevel(level)


@dataclass
class Secrets:
    """What the flows handled: given by clients, issued to them, and stored."""

    passwords: set[str] = field(default_factory=lambda: {PASSWORD, NEW_PASSWORD, WRONG})
    emails: set[str] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)
    stored: set[str] = field(default_factory=set)

    @property
    def from_clients(self) -> set[str]:
        return self.passwords | self.emails | self.tokens

    @property
    def everything(self) -> set[str]:
        return self.from_clients | self.stored


def _exercise(app: AccountsApp) -> Secrets:
    """Every account flow, successful and not; returns the secrets it handled."""
    email = unique_email()
    signed_up = app.sign_up(email)
    logged_in = app.log_in(email)
    secrets = Secrets(emails={email})
    secrets.tokens |= {signed_up["accessToken"], signed_up["refreshToken"]}
    secrets.tokens |= {logged_in["accessToken"], logged_in["refreshToken"]}

    app.log_in(email, WRONG)
    stranger = unique_email()
    secrets.emails.add(stranger)
    for _ in range(4):
        app.log_in(stranger, WRONG)  # unknown, then throttled
    rotated = app.refresh(signed_up["refreshToken"])
    secrets.tokens |= {rotated["accessToken"], rotated["refreshToken"]}
    app.refresh(signed_up["refreshToken"])  # reuse: the family is revoked

    changed = gql(
        app.client,
        CHANGE_PASSWORD,
        {"input": {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}},
        token=logged_in["accessToken"],
    )["data"]["userChangePassword"]
    secrets.tokens |= {changed["accessToken"], changed["refreshToken"]}
    gql(app.client, LOG_OUT, {"input": {"refreshToken": changed["refreshToken"]}})

    user_id = str(app.db.users.find_one()["_id"])  # type: ignore[index]
    expired = access_tokens_from(app.settings).issue(
        user_id, ["STUDENT"], now=datetime.now(UTC) - timedelta(hours=1)
    )
    secrets.tokens.add(expired.token)
    gql(app.client, VIEWER, token=expired.token)
    gql(app.client, VIEWER, token=signed_up["refreshToken"])

    # What is stored in their place must not leak either.
    secrets.stored |= {doc["_id"] for doc in app.db.refreshTokens.find()}
    for user in app.db.users.find():
        stored = user["passwordHash"]
        secrets.stored |= {stored, *stored.split("$")[-2:]}  # the hash, its salt and digest
    assert {hashlib.sha256(t.encode()).hexdigest() for t in secrets.tokens} & secrets.stored
    return secrets


def _leaks(records: list[logging.LogRecord], secrets: set[str]) -> list[str]:
    found = []
    for record in records:
        text = record.getMessage() + (record.exc_text or "") + repr(record.args)
        found += [f"{record.name}: {secret[:6]}…" for secret in secrets if secret in text]
    return found


def test_account_flows_log_no_secrets_at_debug(
    accounts_app_factory: Callable[..., AccountsApp],
    caplog: pytest.LogCaptureFixture,
    driver_log_level: None,
) -> None:
    caplog.set_level(logging.DEBUG)
    configure_logging("debug")  # as `leeto serve` does with LEETO_LOG_LEVEL=debug
    app = accounts_app_factory(login_free_failures=2)
    secrets = _exercise(app)
    assert _leaks(caplog.records, secrets.everything) == []
    messages = caplog.text
    assert "signed up: user" in messages
    assert "refresh token reused" in messages
    assert "log-in throttled" in messages


def test_even_the_driver_command_log_sees_no_password_or_token(
    accounts_app_factory: Callable[..., AccountsApp],
    caplog: pytest.LogCaptureFixture,
    driver_log_level: None,
) -> None:
    # The driver logs whole commands at DEBUG, so `configure_logging` keeps it
    # quieter. Switched on anyway, it still sees only hashes and ciphertext:
    # passwords and tokens never leave the process.
    caplog.set_level(logging.DEBUG)
    logging.getLogger("pymongo").setLevel(logging.DEBUG)
    app = accounts_app_factory(login_free_failures=2)
    secrets = _exercise(app)
    driver = [r for r in caplog.records if r.name.startswith("pymongo")]
    assert driver, "the driver's command log was not captured"
    assert _leaks(driver, secrets.from_clients) == []
    ours = [r for r in caplog.records if not r.name.startswith("pymongo")]
    assert _leaks(ours, secrets.everything) == []


def test_the_access_log_drops_query_strings(
    caplog: pytest.LogCaptureFixture, driver_log_level: None
) -> None:
    configure_logging("info")
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    path = "/graphql?query=mutation{userLogIn(input:{password:%22" + PASSWORD + "%22})}"
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.1", 400
    )
    (record,) = [r for r in caplog.records if r.name == "uvicorn.access"]
    assert record.getMessage() == '127.0.0.1:5000 - "GET /graphql?… HTTP/1.1" 400'
