"""Operations, fixtures and helpers shared by the account tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from pymongo.database import Database
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.graphql_client import gql, remember_tokens

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a whole new passphrase 2"

# Generous limits, so only the throttling tests ever meet them.
RELAXED = {
    "login_free_failures": 1000,
    "login_free_failures_per_address": 1000,
    "signup_limit_per_address": 1000,
}

BASE_ERROR = "... on MutationError { code message }"
FIELD_ERRORS = {
    "ValidationError": "... on ValidationError { field }",
    "WeakPassword": "... on WeakPassword { field }",
    "RateLimited": "... on RateLimited { retryAfterSeconds }",
}
AUTH_FIELDS = """
  ... on AuthPayload {
    accessToken refreshToken accessTokenExpiresAt refreshTokenExpiresAt
    user { id displayName city roles }
  }
"""


def _errors(*members: str) -> str:
    """Selections for the error members of one result union (others would not validate)."""
    return " ".join([BASE_ERROR, *(FIELD_ERRORS[member] for member in members)])


SIGN_UP = f"""
mutation SignUp($input: UserSignUpInput!) {{
  userSignUp(input: $input) {{
    __typename {AUTH_FIELDS} {_errors("ValidationError", "WeakPassword", "RateLimited")}
  }}
}}
"""
LOG_IN = f"""
mutation LogIn($input: UserLogInInput!) {{
  userLogIn(input: $input) {{
    __typename {AUTH_FIELDS} {_errors("ValidationError", "RateLimited")}
  }}
}}
"""
REFRESH = f"""
mutation Refresh($input: TokenRefreshInput!) {{
  tokenRefresh(input: $input) {{ __typename {AUTH_FIELDS} {_errors()} }}
}}
"""
LOG_OUT = f"""
mutation LogOut($input: UserLogOutInput!) {{
  userLogOut(input: $input) {{
    __typename
    ... on LogOutPayload {{ revokedSessions }}
    {_errors()}
  }}
}}
"""
CHANGE_PASSWORD = f"""
mutation ChangePassword($input: UserChangePasswordInput!) {{
  userChangePassword(input: $input) {{
    __typename {AUTH_FIELDS} {_errors("ValidationError", "WeakPassword", "RateLimited")}
  }}
}}
"""
SET_ROLES = f"""
mutation SetRoles($input: UserSetRolesInput!) {{
  userSetRoles(input: $input) {{
    __typename
    ... on UserSetRolesPayload {{ user {{ id roles }} }}
    {_errors("ValidationError")}
  }}
}}
"""
VIEWER = "query Viewer { viewer { id displayName city roles } }"


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"


@dataclass
class AccountsApp:
    """An app over its own database, with a plain PyMongo view of that database."""

    client: TestClient
    settings: Settings
    db: Database[dict[str, Any]]

    def sign_up(self, email: str | None = None, password: str = PASSWORD, **extra: Any) -> dict:
        return sign_up(self.client, email or unique_email(), password, **extra)

    def log_in(self, email: str, password: str = PASSWORD) -> dict:
        return log_in(self.client, email, password)

    def refresh(self, refresh_token: str, *, token: str | None = None) -> dict:
        return refresh(self.client, refresh_token, token=token)


def sign_up(
    client: TestClient,
    email: str,
    password: str = PASSWORD,
    *,
    display_name: str = "Test User",
    city: str = "Durban",
) -> dict[str, Any]:
    body = gql(
        client,
        SIGN_UP,
        {
            "input": {
                "email": email,
                "password": password,
                "displayName": display_name,
                "city": city,
            }
        },
    )
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["userSignUp"]
    return result


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    body = gql(client, LOG_IN, {"input": {"email": email, "password": password}})
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["userLogIn"]
    return result


def refresh(client: TestClient, refresh_token: str, *, token: str | None = None) -> dict[str, Any]:
    body = gql(client, REFRESH, {"input": {"refreshToken": refresh_token}}, token=token)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["tokenRefresh"]
    return result


def error_code(body: dict[str, Any]) -> str:
    """The extensions code of the only error in a response."""
    assert len(body.get("errors") or []) == 1, body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run in the current event loop, for concurrent requests."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def agql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    remember_tokens(body)
    return body
