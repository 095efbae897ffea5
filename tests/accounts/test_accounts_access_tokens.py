"""Access tokens at the HTTP boundary: forged, expired and misused tokens are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auth.keys import KeySet, generate_private_key_pem, public_key_pem
from auth.tokens import AccessTokens
from server.auth_setup import access_tokens_from, keyset_from
from tests.accounts.accounts_helpers import LOG_IN, PASSWORD, VIEWER, AccountsApp, unique_email
from tests.accounts.accounts_helpers import error_code as only_error_code
from tests.graphql_client import gql

CAMPUSES = "{ campuses { id } }"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64json(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def _claims(app: AccountsApp, subject: str, **changes: Any) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, Any] = {
        "iss": app.settings.jwt_issuer,
        "aud": app.settings.jwt_audience,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "test-token",
        "roles": ["ADMIN"],
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def _signed(app: AccountsApp, payload: dict[str, Any], *, typ: str = "at+jwt") -> str:
    keys = keyset_from(app.settings)
    return jwt.encode(
        payload,
        keys.signing_key,
        algorithm="EdDSA",
        headers={"typ": typ, "kid": keys.signing_kid},
    )


def _tokens(app: AccountsApp, **overrides: Any) -> AccessTokens:
    keys = overrides.pop("keys", None) or keyset_from(app.settings)
    options = {
        "issuer": app.settings.jwt_issuer,
        "audience": app.settings.jwt_audience,
        **overrides,
    }
    return AccessTokens(keys, **options)


def _forgeries(app: AccountsApp, user_id: str, real: str) -> dict[str, str]:
    kid = keyset_from(app.settings).signing_kid
    now = datetime.now(UTC)
    header_b64, payload_b64, signature_b64 = real.split(".")
    payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=="))

    none_header = _b64json({"alg": "none", "typ": "at+jwt", "kid": kid})
    hs_header = _b64json({"alg": "HS256", "typ": "at+jwt", "kid": kid})
    hs_input = f"{hs_header}.{payload_b64}".encode()
    public_pem = public_key_pem(keyset_from(app.settings).signing_key).encode()
    hs_signature = _b64(hmac.new(public_pem, hs_input, hashlib.sha256).digest())
    tampered = _b64json({**payload, "roles": ["ADMIN"]})
    stranger = KeySet.create(Ed25519PrivateKey.generate())

    forged = {
        "alg none": f"{none_header}.{payload_b64}.",
        "HS256 with the public key": f"{hs_header}.{payload_b64}.{hs_signature}",
        "expired": _tokens(app).issue(user_id, ["STUDENT"], now=now - timedelta(hours=1)).token,
        "not yet valid": _tokens(app)
        .issue(user_id, ["STUDENT"], now=now + timedelta(hours=1))
        .token,
        "wrong issuer": _tokens(app, issuer="https://evil.example").issue(user_id, []).token,
        "wrong audience": _tokens(app, audience="another-api").issue(user_id, []).token,
        "unknown kid": _tokens(app, keys=stranger).issue(user_id, ["ADMIN"]).token,
        "tampered payload": f"{header_b64}.{tampered}.{signature_b64}",
        "wrong typ": _signed(app, _claims(app, user_id), typ="JWT"),
        "subject not a user id": _signed(app, _claims(app, "admin")),
        "garbage": "not-a-jwt",
    }
    for claim in ("iss", "aud", "sub", "iat", "nbf", "exp", "jti", "roles"):
        forged[f"missing {claim}"] = _signed(app, _claims(app, user_id, **{claim: None}))
    return forged


@pytest.fixture
def signed_up(accounts_app: AccountsApp) -> dict[str, Any]:
    result = accounts_app.sign_up()
    assert result["__typename"] == "AuthPayload"
    return result


def test_a_valid_token_identifies_the_viewer(
    accounts_app: AccountsApp, signed_up: dict[str, Any]
) -> None:
    body = gql(accounts_app.client, VIEWER, token=signed_up["accessToken"])
    assert body["data"]["viewer"]["id"] == signed_up["user"]["id"]


def test_without_a_token_the_viewer_is_null(accounts_app: AccountsApp) -> None:
    assert gql(accounts_app.client, VIEWER) == {"data": {"viewer": None}}


def test_every_forged_or_stale_token_is_unauthenticated(
    accounts_app: AccountsApp, signed_up: dict[str, Any]
) -> None:
    user_id = str(jwt.decode(signed_up["accessToken"], options={"verify_signature": False})["sub"])
    forgeries = _forgeries(accounts_app, user_id, signed_up["accessToken"])
    forgeries["refresh token"] = signed_up["refreshToken"]
    accepted = {}
    for name, token in forgeries.items():
        for query in (VIEWER, CAMPUSES):
            body = gql(accounts_app.client, query, token=token)
            if body.get("data") is not None or only_error_code(body) != "UNAUTHENTICATED":
                accepted[f"{name}: {query}"] = body
    assert accepted == {}


def test_an_expired_token_says_so(accounts_app: AccountsApp, signed_up: dict[str, Any]) -> None:
    user_id = str(jwt.decode(signed_up["accessToken"], options={"verify_signature": False})["sub"])
    past = datetime.now(UTC) - timedelta(hours=1)
    expired = access_tokens_from(accounts_app.settings).issue(user_id, [], now=past).token
    body = gql(accounts_app.client, VIEWER, token=expired)
    assert only_error_code(body) == "UNAUTHENTICATED"
    assert "expired" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["reason"] == "TOKEN_EXPIRED"


def test_refusals_tell_expired_from_invalid(
    accounts_app: AccountsApp, signed_up: dict[str, Any]
) -> None:
    # A client refreshes after TOKEN_EXPIRED and logs in again after TOKEN_INVALID.
    user_id = str(jwt.decode(signed_up["accessToken"], options={"verify_signature": False})["sub"])
    forgeries = _forgeries(accounts_app, user_id, signed_up["accessToken"])
    forgeries["refresh token"] = signed_up["refreshToken"]
    reasons = {}
    for name, token in forgeries.items():
        for query in (VIEWER, CAMPUSES):
            body = gql(accounts_app.client, query, token=token)
            reasons[f"{name}: {query}"] = body["errors"][0]["extensions"].get("reason")
    expected = {
        key: "TOKEN_EXPIRED" if key.startswith("expired:") else "TOKEN_INVALID" for key in reasons
    }
    assert reasons == expected
    bad_scheme = accounts_app.client.post(
        "/graphql", json={"query": CAMPUSES}, headers={"Authorization": "Basic dXNlcjpwYXNz"}
    )
    assert bad_scheme.json()["errors"][0]["extensions"]["reason"] == "TOKEN_INVALID"


@pytest.mark.parametrize(
    "authorization", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "Token abc", "bearer"]
)
def test_other_authorization_schemes_are_refused(
    accounts_app: AccountsApp, authorization: str
) -> None:
    response = accounts_app.client.post(
        "/graphql", json={"query": CAMPUSES}, headers={"Authorization": authorization}
    )
    assert only_error_code(response.json()) == "UNAUTHENTICATED"


def test_the_scheme_is_case_insensitive(
    accounts_app: AccountsApp, signed_up: dict[str, Any]
) -> None:
    response = accounts_app.client.post(
        "/graphql",
        json={"query": VIEWER},
        headers={"Authorization": f"bearer {signed_up['accessToken']}"},
    )
    assert response.json()["data"]["viewer"]["id"] == signed_up["user"]["id"]


def test_log_in_ignores_a_stale_access_token(accounts_app: AccountsApp) -> None:
    email = unique_email()
    accounts_app.sign_up(email)
    body = gql(
        accounts_app.client,
        LOG_IN,
        {"input": {"email": email, "password": PASSWORD}},
        token="stale.access.token",
    )
    assert body["data"]["userLogIn"]["__typename"] == "AuthPayload"


def test_a_stale_token_fails_a_mixed_mutation(accounts_app: AccountsApp) -> None:
    mixed = """
    mutation {
      userLogIn(input: {email: "a@example.org", password: "whatever password"}) { __typename }
      userChangePassword(input: {currentPassword: "a", newPassword: "b"}) { __typename }
    }
    """
    body = gql(accounts_app.client, mixed, token="stale.access.token")
    assert body["data"] is None
    assert only_error_code(body) == "UNAUTHENTICATED"


def test_jwks_publishes_the_verification_keys(
    accounts_app: AccountsApp, signed_up: dict[str, Any]
) -> None:
    response = accounts_app.client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    jwks = response.json()
    (key,) = jwks["keys"]
    assert key["kty"] == "OKP"
    assert key["crv"] == "Ed25519"
    assert key["alg"] == "EdDSA"
    assert "d" not in key  # no private part

    token = signed_up["accessToken"]
    assert jwt.get_unverified_header(token)["kid"] == key["kid"]
    claims = jwt.decode(
        token,
        jwt.PyJWK(key).key,
        algorithms=["EdDSA"],
        audience=accounts_app.settings.jwt_audience,
        issuer=accounts_app.settings.jwt_issuer,
    )
    assert claims["roles"] == ["STUDENT"]


def test_a_rotated_out_key_still_verifies_and_is_published(
    accounts_app_factory: Callable[..., AccountsApp],
) -> None:
    old = accounts_app_factory()
    old_pem = public_key_pem(keyset_from(old.settings).signing_key)
    old_token = old.sign_up()["accessToken"]

    rotated = accounts_app_factory(
        jwt_private_key=generate_private_key_pem(), jwt_public_keys=old_pem
    )
    kids = {key["kid"] for key in rotated.client.get("/.well-known/jwks.json").json()["keys"]}
    assert kids == {
        keyset_from(old.settings).signing_kid,
        keyset_from(rotated.settings).signing_kid,
    }
    # Tokens signed by the retired key verify until they expire; new ones use the new key.
    assert gql(rotated.client, VIEWER, token=old_token)["data"]["viewer"] is not None
    fresh = rotated.sign_up()["accessToken"]
    assert jwt.get_unverified_header(fresh)["kid"] == keyset_from(rotated.settings).signing_kid

    # Without the old public key, the old token is refused.
    forgetful = accounts_app_factory(jwt_private_key=generate_private_key_pem())
    assert only_error_code(gql(forgetful.client, VIEWER, token=old_token)) == "UNAUTHENTICATED"
