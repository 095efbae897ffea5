"""Responses are encoded with orjson, byte for byte what the standard library
writes without ASCII escapes: floats print the same, non-ASCII text is UTF-8."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from tests.operations import operation

CATALOGUE_PAGE = operation("catalogue_page")
SIGN_UP = """mutation($input: UserSignUpInput!) { userSignUp(input: $input) {
  __typename ... on AuthPayload { user { displayName city } } } }"""
NAME = "Zoë Nkosi-Müller ✓ 学"


def _standard(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def test_floats_encode_as_the_standard_library_does(seeded_client: TestClient) -> None:
    response = seeded_client.post(
        "/graphql", json={"query": CATALOGUE_PAGE, "variables": {"first": 100}}
    )
    body = response.json()
    ratings = [edge["node"]["ratingAverage"] for edge in body["data"]["courses"]["edges"]]
    assert any(isinstance(r, float) and not r.is_integer() for r in ratings), ratings
    assert response.content == _standard(body)


def test_non_ascii_text_is_sent_as_utf8(fresh_client: TestClient) -> None:
    variables = {
        "input": {
            "email": "zoe@example.org",
            "password": "a long enough passphrase",
            "displayName": NAME,
            "city": "Gqeberha",
        }
    }
    response = fresh_client.post("/graphql", json={"query": SIGN_UP, "variables": variables})
    body = response.json()
    assert body["data"]["userSignUp"]["user"]["displayName"] == NAME
    assert NAME.encode() in response.content
    assert b"\\u" not in response.content
    assert response.content == _standard(body)
