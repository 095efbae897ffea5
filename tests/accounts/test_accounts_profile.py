"""userUpdateProfile: validated, encrypted, only given fields change, bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from bson import Binary

from tests.accounts.accounts_helpers import AccountsApp, error_code
from tests.graphql_client import gql

UPDATE = """mutation($input: UserUpdateProfileInput!) {
  userUpdateProfile(input: $input) {
    __typename
    ... on UserUpdateProfilePayload {
      user { displayName bio city email phone nationalId dateOfBirth } }
    ... on ValidationError { code field message }
  }
}"""
ME = "{ viewer { displayName bio city email phone nationalId dateOfBirth } }"

# 1990-01-01, citizen, valid Luhn check digit.
ID_1990 = "9001015009086"
ID_2005 = "0506150800080"
FEB_30 = "9002305009083"


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def test_the_test_ids_are_valid() -> None:
    assert luhn_ok(ID_1990)
    assert luhn_ok(ID_2005)
    assert not luhn_ok(ID_1990[:-1] + "7")
    assert luhn_ok(FEB_30)


def _signed_in(app: AccountsApp) -> tuple[str, str, str]:
    email = f"profile-{id(app)}@example.org"
    result = app.sign_up(email)
    return result["accessToken"], result["user"]["id"], email


def _update(app: AccountsApp, token: str, **changes: Any) -> dict[str, Any]:
    body = gql(app.client, UPDATE, {"input": changes}, token=token)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["userUpdateProfile"]
    return result


def _raw_user(app: AccountsApp) -> dict[str, Any]:
    users = list(app.db.users.find())
    assert len(users) == 1
    return users[0]


def test_personal_data_is_validated_normalised_and_encrypted(accounts_app: AccountsApp) -> None:
    token, _, email = _signed_in(accounts_app)
    result = _update(accounts_app, token, phone="082 123 4567", nationalId=ID_1990)
    assert result["__typename"] == "UserUpdateProfilePayload"
    user = result["user"]
    assert user["phone"] == "+27821234567"
    assert user["nationalId"] == ID_1990
    assert user["dateOfBirth"] == "1990-01-01"
    assert user["email"] == email

    stored = _raw_user(accounts_app)
    for field in ("email", "phone", "nationalId", "dateOfBirth"):
        assert isinstance(stored[field], Binary)
        assert stored[field].subtype == 6
    assert b"27821234567" not in stored["phone"]
    assert gql(accounts_app.client, ME, token=token)["data"]["viewer"]["phone"] == "+27821234567"


def test_only_the_given_fields_change(accounts_app: AccountsApp) -> None:
    token, _, _ = _signed_in(accounts_app)
    _update(accounts_app, token, displayName="Naledi M", city="Gqeberha", phone="+27 82 555 0000")
    result = _update(accounts_app, token, bio="Cloud learner.\nLoves Kubernetes.")
    user = result["user"]
    assert user["bio"] == "Cloud learner.\nLoves Kubernetes."
    assert (user["displayName"], user["city"], user["phone"]) == (
        "Naledi M",
        "Gqeberha",
        "+27825550000",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"nationalId": ID_1990[:-1] + "7"}, "nationalId"),  # bad check digit
        ({"nationalId": "900101500908"}, "nationalId"),  # 12 digits
        ({"nationalId": FEB_30}, "nationalId"),  # valid check digit, no such date
        ({"phone": "12"}, "phone"),
        ({"phone": "not a phone"}, "phone"),
        ({"displayName": ""}, "displayName"),
        ({"displayName": None}, "displayName"),
        ({"city": None}, "city"),
        ({"bio": "x" * 501}, "bio"),
        # A valid change next to an invalid one: neither is applied.
        (
            {"displayName": "Changed Name", "phone": "+27821234567", "nationalId": "123"},
            "nationalId",
        ),
    ],
)
def test_bad_input_is_a_validation_error_and_changes_nothing(
    accounts_app: AccountsApp, changes: dict[str, Any], field: str
) -> None:
    token, _, _ = _signed_in(accounts_app)
    _update(accounts_app, token, phone="+27820000000", nationalId=ID_2005)
    before = _raw_user(accounts_app)
    result = _update(accounts_app, token, **changes)
    assert result["__typename"] == "ValidationError"
    assert result["code"] == "VALIDATION_ERROR"
    assert result["field"] == field
    assert result["message"]
    for value in changes.values():
        if isinstance(value, str) and len(value) > 6:
            assert value not in result["message"]
    assert _raw_user(accounts_app) == before


def test_null_removes_phone_and_national_id(accounts_app: AccountsApp) -> None:
    token, _, _ = _signed_in(accounts_app)
    _update(accounts_app, token, phone="+27820000000", nationalId=ID_2005)
    result = _update(accounts_app, token, phone=None, nationalId=None)
    user = result["user"]
    assert (user["phone"], user["nationalId"], user["dateOfBirth"]) == (None, None, None)
    stored = _raw_user(accounts_app)
    assert not {"phone", "nationalId", "dateOfBirth"} & set(stored)


def test_anonymous_callers_are_refused(accounts_app: AccountsApp) -> None:
    body = gql(accounts_app.client, UPDATE, {"input": {"bio": "hello"}})
    assert error_code(body) == "UNAUTHENTICATED"
    assert body["data"] is None
