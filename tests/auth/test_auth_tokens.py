from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auth.keys import KeySet, public_key_pem
from auth.refresh_tokens import new_refresh_token
from auth.tokens import AccessClaims, AccessTokens, InvalidAccessToken

ISSUER = "https://api.leeto.test"
AUDIENCE = "leeto-api"
REQUIRED = ["iss", "aud", "sub", "iat", "nbf", "exp", "jti", "roles"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64json(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


@pytest.fixture
def keys() -> KeySet:
    return KeySet.create(Ed25519PrivateKey.generate())


@pytest.fixture
def tokens(keys: KeySet) -> AccessTokens:
    return AccessTokens(keys, issuer=ISSUER, audience=AUDIENCE)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "token-1",
        "roles": ["STUDENT"],
    }
    payload.update(overrides)
    return payload


def sign(keys: KeySet, payload: dict[str, Any], **header: Any) -> str:
    """Signed with the real key, so only the deliberate defect can cause rejection."""
    headers = {"typ": "at+jwt", "kid": keys.signing_kid, **header}
    return jwt.encode(payload, keys.signing_key, algorithm="EdDSA", headers=headers)


def rejected(tokens: AccessTokens, token: str) -> InvalidAccessToken:
    with pytest.raises(InvalidAccessToken) as caught:
        tokens.verify(token)
    assert not token or token not in str(caught.value)
    return caught.value


# Happy path


def test_issue_and_verify(tokens: AccessTokens, keys: KeySet) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    issued = tokens.issue("user-42", ["STUDENT", "INSTRUCTOR"])
    result = tokens.verify(issued.token)
    assert result == AccessClaims(
        subject="user-42",
        roles=("STUDENT", "INSTRUCTOR"),
        token_id=issued.token_id,
        expires_at=issued.expires_at,
    )
    assert before + timedelta(minutes=15) <= result.expires_at
    assert result.expires_at <= before + timedelta(minutes=15, seconds=2)

    header = jwt.get_unverified_header(issued.token)
    assert header == {"alg": "EdDSA", "typ": "at+jwt", "kid": keys.signing_kid}
    payload = jwt.decode(issued.token, options={"verify_signature": False})
    assert set(payload) == set(REQUIRED)
    assert payload["iss"] == ISSUER
    assert payload["aud"] == AUDIENCE
    assert payload["nbf"] == payload["iat"]
    assert payload["exp"] - payload["iat"] == 15 * 60


def test_token_ids_are_unique(tokens: AccessTokens) -> None:
    ids = {tokens.issue("user-1", []).token_id for _ in range(50)}
    assert len(ids) == 50


def test_empty_roles_are_fine(tokens: AccessTokens) -> None:
    assert tokens.verify(tokens.issue("user-1", []).token).roles == ()


def test_custom_ttl(keys: KeySet) -> None:
    short = AccessTokens(keys, issuer=ISSUER, audience=AUDIENCE, ttl=timedelta(minutes=2))
    payload = jwt.decode(short.issue("u", []).token, options={"verify_signature": False})
    assert payload["exp"] - payload["iat"] == 120


def test_full_media_type_is_accepted(tokens: AccessTokens, keys: KeySet) -> None:
    assert tokens.verify(sign(keys, claims(), typ="application/at+jwt")).subject == "user-1"


# Algorithm attacks


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_is_rejected(tokens: AccessTokens, keys: KeySet, alg: str) -> None:
    header = {"alg": alg, "typ": "at+jwt", "kid": keys.signing_kid}
    rejected(tokens, f"{b64json(header)}.{b64json(claims())}.")


@pytest.mark.parametrize("form", ["raw", "pem"])
def test_hs256_keyed_with_public_key_is_rejected(
    tokens: AccessTokens, keys: KeySet, form: str
) -> None:
    public = keys.signing_key.public_key()
    secret = (
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if form == "raw"
        else public_key_pem(public).encode()
    )
    header = {"alg": "HS256", "typ": "at+jwt", "kid": keys.signing_kid}
    signing_input = f"{b64json(header)}.{b64json(claims())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    rejected(tokens, f"{signing_input}.{b64url(signature)}")


def test_eddsa_header_with_other_signature_alg_is_rejected(
    tokens: AccessTokens, keys: KeySet
) -> None:
    # Header says EdDSA but the signature segment is an HMAC: still refused.
    header = {"alg": "EdDSA", "typ": "at+jwt", "kid": keys.signing_kid}
    signing_input = f"{b64json(header)}.{b64json(claims())}"
    signature = hmac.new(b"secret", signing_input.encode(), hashlib.sha256).digest()
    rejected(tokens, f"{signing_input}.{b64url(signature)}")


# Time


def test_expired_is_rejected(tokens: AccessTokens) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    error = rejected(tokens, tokens.issue("user-1", [], now=past).token)
    assert error.expired is True


def test_within_leeway_is_accepted(tokens: AccessTokens, keys: KeySet) -> None:
    now = int(datetime.now(UTC).timestamp())
    token = sign(keys, claims(iat=now - 100, nbf=now - 100, exp=now - 10))
    assert tokens.verify(token).subject == "user-1"


def test_beyond_leeway_is_rejected(tokens: AccessTokens, keys: KeySet) -> None:
    now = int(datetime.now(UTC).timestamp())
    rejected(tokens, sign(keys, claims(iat=now - 100, nbf=now - 100, exp=now - 60)))


def test_leeway_is_configurable(keys: KeySet) -> None:
    strict = AccessTokens(keys, issuer=ISSUER, audience=AUDIENCE, leeway=timedelta(0))
    now = int(datetime.now(UTC).timestamp())
    rejected(strict, sign(keys, claims(iat=now - 100, nbf=now - 100, exp=now - 10)))


def test_not_yet_valid_is_rejected(tokens: AccessTokens, keys: KeySet) -> None:
    now = int(datetime.now(UTC).timestamp())
    error = rejected(tokens, sign(keys, claims(nbf=now + 3600, exp=now + 7200)))
    assert error.expired is False


def test_issued_in_the_future_is_rejected(tokens: AccessTokens) -> None:
    future = datetime.now(UTC) + timedelta(hours=1)
    rejected(tokens, tokens.issue("user-1", [], now=future).token)


# Claims


def test_wrong_issuer_is_rejected(tokens: AccessTokens, keys: KeySet) -> None:
    rejected(tokens, sign(keys, claims(iss="https://evil.example")))


def test_wrong_audience_is_rejected(tokens: AccessTokens, keys: KeySet) -> None:
    rejected(tokens, sign(keys, claims(aud="some-other-api")))


def test_audience_list_is_rejected(tokens: AccessTokens, keys: KeySet) -> None:
    rejected(tokens, sign(keys, claims(aud=[AUDIENCE, "some-other-api"])))


def test_same_keys_other_service_rejects(keys: KeySet, tokens: AccessTokens) -> None:
    other = AccessTokens(keys, issuer=ISSUER, audience="billing-api")
    rejected(other, tokens.issue("user-1", []).token)


@pytest.mark.parametrize("claim", REQUIRED)
def test_missing_claim_is_rejected(tokens: AccessTokens, keys: KeySet, claim: str) -> None:
    payload = claims()
    del payload[claim]
    rejected(tokens, sign(keys, payload))


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("sub", 42),
        ("sub", ""),
        ("jti", 7),
        ("jti", ""),
        ("roles", "ADMIN"),
        ("roles", [1, 2]),
        ("roles", None),
        ("exp", "soon"),
        ("exp", 10**20),
    ],
)
def test_malformed_claim_is_rejected(
    tokens: AccessTokens, keys: KeySet, claim: str, value: Any
) -> None:
    rejected(tokens, sign(keys, claims(**{claim: value})))


# Integrity and key selection


def test_tampered_payload_is_rejected(tokens: AccessTokens) -> None:
    token = tokens.issue("user-1", ["STUDENT"]).token
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["roles"] = ["ADMIN"]
    rejected(tokens, f"{header}.{b64json(data)}.{signature}")


def test_tampered_signature_is_rejected(tokens: AccessTokens) -> None:
    header, payload, signature = tokens.issue("user-1", []).token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 0x01
    rejected(tokens, f"{header}.{payload}.{b64url(bytes(raw))}")


def test_unknown_kid_is_rejected(tokens: AccessTokens) -> None:
    stranger = KeySet.create(Ed25519PrivateKey.generate())
    rejected(tokens, sign(stranger, claims()))


def test_known_kid_with_foreign_signature_is_rejected(tokens: AccessTokens, keys: KeySet) -> None:
    attacker = Ed25519PrivateKey.generate()
    headers = {"typ": "at+jwt", "kid": keys.signing_kid}
    rejected(tokens, jwt.encode(claims(), attacker, algorithm="EdDSA", headers=headers))


@pytest.mark.parametrize("kid", [None, 123, ""])
def test_missing_or_odd_kid_is_rejected(tokens: AccessTokens, keys: KeySet, kid: Any) -> None:
    header = {"alg": "EdDSA", "typ": "at+jwt"}
    if kid is not None:
        header["kid"] = kid
    signing_input = f"{b64json(header)}.{b64json(claims())}"
    signature = keys.signing_key.sign(signing_input.encode())
    rejected(tokens, f"{signing_input}.{b64url(signature)}")


def test_crit_header_is_rejected(tokens: AccessTokens, keys: KeySet) -> None:
    header = {"alg": "EdDSA", "typ": "at+jwt", "kid": keys.signing_kid, "crit": ["exp"]}
    signing_input = f"{b64json(header)}.{b64json(claims())}"
    signature = keys.signing_key.sign(signing_input.encode())
    rejected(tokens, f"{signing_input}.{b64url(signature)}")


# Token type confusion


@pytest.mark.parametrize("typ", ["JWT", "jwt", "rt+jwt", "", None])
def test_wrong_typ_is_rejected(tokens: AccessTokens, keys: KeySet, typ: str | None) -> None:
    header = {"alg": "EdDSA", "kid": keys.signing_kid}
    if typ is not None:
        header["typ"] = typ
    signing_input = f"{b64json(header)}.{b64json(claims())}"
    signature = keys.signing_key.sign(signing_input.encode())
    rejected(tokens, f"{signing_input}.{b64url(signature)}")


def test_refresh_token_is_not_an_access_token(tokens: AccessTokens) -> None:
    rejected(tokens, new_refresh_token())


@pytest.mark.parametrize("junk", ["", "a.b.c", "...", "x" * 10_000, "Bearer abc"])
def test_junk_is_rejected(tokens: AccessTokens, junk: str) -> None:
    rejected(tokens, junk)


def test_error_message_is_generic(tokens: AccessTokens, keys: KeySet) -> None:
    error = rejected(tokens, sign(keys, claims(iss="https://evil.example")))
    assert str(error) == "invalid access token"


# Rotation


def test_rotation_keeps_old_tokens_valid_while_old_key_is_trusted() -> None:
    old = Ed25519PrivateKey.generate()
    new = Ed25519PrivateKey.generate()
    before = AccessTokens(KeySet.create(old), issuer=ISSUER, audience=AUDIENCE)
    old_token = before.issue("user-1", ["ADMIN"]).token

    rotated_keys = KeySet.create(new, [old.public_key()])
    rotated = AccessTokens(rotated_keys, issuer=ISSUER, audience=AUDIENCE)
    assert rotated.verify(old_token).roles == ("ADMIN",)
    new_token = rotated.issue("user-1", []).token
    assert jwt.get_unverified_header(new_token)["kid"] == rotated_keys.signing_kid
    assert rotated.verify(new_token).subject == "user-1"
    # The old deployment cannot verify what the new key signs.
    rejected(before, new_token)

    retired = AccessTokens(KeySet.create(new), issuer=ISSUER, audience=AUDIENCE)
    rejected(retired, old_token)


def test_jwks_lists_every_verification_key() -> None:
    old = Ed25519PrivateKey.generate()
    keys = KeySet.create(Ed25519PrivateKey.generate(), [old.public_key()])
    jwks = AccessTokens(keys, issuer=ISSUER, audience=AUDIENCE).jwks()
    assert {key["kid"] for key in jwks["keys"]} == set(keys.verification_keys)
    assert len(jwks["keys"]) == 2
    for key in jwks["keys"]:
        assert set(key) == {"kty", "crv", "x", "kid", "use", "alg"}
        assert (key["kty"], key["crv"], key["use"], key["alg"]) == (
            "OKP",
            "Ed25519",
            "sig",
            "EdDSA",
        )
        assert len(base64.urlsafe_b64decode(key["x"] + "=")) == 32
    # Interoperates: a stock JWKS consumer can verify our tokens.
    token = AccessTokens(keys, issuer=ISSUER, audience=AUDIENCE).issue("u", []).token
    jwk = jwt.PyJWKSet.from_dict(jwks)[keys.signing_kid]
    decoded = jwt.decode(token, jwk, algorithms=["EdDSA"], audience=AUDIENCE, issuer=ISSUER)
    assert decoded["sub"] == "u"


# Configuration and issuing guards


@pytest.mark.parametrize(
    "kwargs",
    [
        {"issuer": "", "audience": AUDIENCE},
        {"issuer": ISSUER, "audience": ""},
        {"issuer": ISSUER, "audience": AUDIENCE, "ttl": timedelta(0)},
        {"issuer": ISSUER, "audience": AUDIENCE, "ttl": timedelta(milliseconds=500)},
        {"issuer": ISSUER, "audience": AUDIENCE, "leeway": timedelta(seconds=-1)},
    ],
)
def test_bad_configuration_is_refused(keys: KeySet, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        AccessTokens(keys, **kwargs)


def test_naive_now_is_utc(tokens: AccessTokens) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    issued = tokens.issue("user-1", [], now=now.replace(tzinfo=None))
    assert issued.expires_at == now + timedelta(minutes=15)


def test_issue_requires_subject(tokens: AccessTokens) -> None:
    with pytest.raises(ValueError, match="subject"):
        tokens.issue("", [])
