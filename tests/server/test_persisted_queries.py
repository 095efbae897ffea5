"""Automatic persisted queries (Apollo's protocol) and trusted documents, over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from starlette.testclient import TestClient

from persisted.manifest import ManifestError, load_manifest
from persisted.protocol import sha256_hex
from server.app import create_app
from server.settings import Settings
from tests.cli import leeto_env, run_leeto

CAMPUSES = "query Campuses { campuses { id city } }"
COURSES = "query Courses { courses(first: 2) { edges { node { id } } } }"
CAMPUSES_HASH = sha256_hex(CAMPUSES)
# Browsers' CSRF protection for GET asks for a header no simple request can carry.
PREFLIGHT = {"Apollo-Require-Preflight": "true"}


def apq(sha: str, version: int = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": sha}}


def post(client: TestClient, **body: Any) -> Any:
    return client.post("/graphql", json=body)


def get(client: TestClient, **params: Any) -> Any:
    encoded = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
    return client.get("/graphql", params=encoded, headers=PREFLIGHT)


def stored(settings: Settings) -> dict[str, str]:
    with MongoClient(settings.database_uri()) as raw:
        docs = raw[settings.database_name]["persistedQueries"].find()
        return {doc["_id"]: doc["query"] for doc in docs}


@pytest.fixture
def settings(make_settings: Callable[..., Settings], fresh_db_name: str) -> Settings:
    return make_settings(fresh_db_name)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_miss_asks_for_the_query_then_the_hash_alone_runs(
    client: TestClient, settings: Settings
) -> None:
    miss = post(client, extensions=apq(CAMPUSES_HASH))
    assert miss.status_code == 200
    [error] = miss.json()["errors"]
    assert error == {
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
    }

    registered = post(client, query=CAMPUSES, extensions=apq(CAMPUSES_HASH))
    assert registered.json() == {"data": {"campuses": []}}
    assert stored(settings) == {CAMPUSES_HASH: CAMPUSES}

    again = post(client, extensions=apq(CAMPUSES_HASH))
    assert again.status_code == 200
    assert again.json() == {"data": {"campuses": []}}


def test_every_process_shares_the_registered_documents(settings: Settings) -> None:
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        assert post(one, query=COURSES, extensions=apq(sha256_hex(COURSES))).status_code == 200
        # The other app's cache is empty: the document comes from MongoDB.
        response = post(two, extensions=apq(sha256_hex(COURSES)))
        assert response.json() == {"data": {"courses": {"edges": []}}}
        # Registering again from another process is harmless (an insert guarded by _id).
        assert post(two, query=COURSES, extensions=apq(sha256_hex(COURSES))).status_code == 200
    assert stored(settings) == {sha256_hex(COURSES): COURSES}


def test_a_hash_that_is_not_the_querys_is_refused(client: TestClient, settings: Settings) -> None:
    response = post(client, query=CAMPUSES, extensions=apq(sha256_hex(COURSES)))
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "provided sha does not match query",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }
    assert stored(settings) == {}


@pytest.mark.parametrize(
    ("extensions", "message"),
    [
        (apq(CAMPUSES_HASH, version=2), "Unsupported persisted query version"),
        (apq("not-a-hash"), "64 hexadecimal digits"),
        (apq(CAMPUSES_HASH.upper()[:40]), "64 hexadecimal digits"),
        ({"persistedQuery": "yes"}, "must be an object"),
        ({"persistedQuery": {"version": 1, "sha256Hash": 7}}, "must be a string"),
    ],
)
def test_malformed_persisted_query_extensions_are_refused(
    client: TestClient, settings: Settings, extensions: dict[str, Any], message: str
) -> None:
    response = post(client, query=CAMPUSES, extensions=extensions)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert message in error["message"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert stored(settings) == {}


def test_documents_that_do_not_validate_are_not_registered(
    client: TestClient, settings: Settings
) -> None:
    for bad in ("query Bad { nope }", "query Broken {"):
        response = post(client, query=bad, extensions=apq(sha256_hex(bad)))
        assert response.status_code == 200
        code = response.json()["errors"][0]["extensions"]["code"]
        assert code in {"GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"}
    assert stored(settings) == {}


def test_get_works_for_queries(client: TestClient) -> None:
    assert get(client, extensions=apq(CAMPUSES_HASH)).json()["errors"][0]["extensions"] == {
        "code": "PERSISTED_QUERY_NOT_FOUND"
    }
    registered = get(client, query=CAMPUSES, extensions=apq(CAMPUSES_HASH))
    assert registered.json() == {"data": {"campuses": []}}
    response = get(client, extensions=apq(CAMPUSES_HASH), operationName="Campuses")
    assert response.status_code == 200
    assert response.json() == {"data": {"campuses": []}}


def test_a_persisted_mutation_does_not_run_over_get(client: TestClient) -> None:
    mutation = 'mutation Out { userLogOut(input: {refreshToken: "x"}) { __typename } }'
    assert post(client, query=mutation, extensions=apq(sha256_hex(mutation))).status_code == 200
    response = get(client, extensions=apq(sha256_hex(mutation)))
    assert response.status_code in {400, 405}
    assert "data" not in response.json()


def test_document_id_names_a_persisted_document(client: TestClient) -> None:
    post(client, query=CAMPUSES, extensions=apq(CAMPUSES_HASH))
    for document_id in (CAMPUSES_HASH, f"sha256:{CAMPUSES_HASH}"):
        assert post(client, documentId=document_id).json() == {"data": {"campuses": []}}
        assert get(client, documentId=document_id).json() == {"data": {"campuses": []}}
    clash = post(client, documentId=CAMPUSES_HASH, extensions=apq(sha256_hex(COURSES)))
    assert clash.status_code == 400


def test_persisted_queries_can_be_turned_off(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    settings = make_settings(fresh_db_name, persisted_queries=False)
    with TestClient(create_app(settings)) as client:
        response = post(client, query=CAMPUSES, extensions=apq(CAMPUSES_HASH))
        assert response.status_code == 200
        assert response.json()["errors"][0]["extensions"]["code"] == (
            "PERSISTED_QUERY_NOT_SUPPORTED"
        )
        assert post(client, query=CAMPUSES).json() == {"data": {"campuses": []}}


# Trusted documents ------------------------------------------------------------------


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "persisted-documents.json"
    documents = {CAMPUSES_HASH: CAMPUSES, f"sha256:{sha256_hex(COURSES)}": COURSES}
    path.write_text(json.dumps(documents), encoding="utf-8")
    return path


@pytest.fixture
def trusted(
    make_settings: Callable[..., Settings], fresh_db_name: str, manifest: Path
) -> Iterator[TestClient]:
    settings = make_settings(fresh_db_name, trusted_documents=manifest)
    with TestClient(create_app(settings)) as client:
        yield client
    assert stored(settings) == {}  # trusted documents are never registered


def test_trusted_documents_run_by_hash(trusted: TestClient) -> None:
    assert post(trusted, documentId=f"sha256:{CAMPUSES_HASH}").json() == {"data": {"campuses": []}}
    assert post(trusted, extensions=apq(sha256_hex(COURSES))).json() == {
        "data": {"courses": {"edges": []}}
    }
    assert get(trusted, documentId=CAMPUSES_HASH).json() == {"data": {"campuses": []}}
    # Sending the listed text along with its hash, as APQ clients do, is fine too.
    assert post(trusted, query=CAMPUSES, extensions=apq(CAMPUSES_HASH)).status_code == 200


def test_unlisted_documents_do_not_run(trusted: TestClient) -> None:
    other = "query Other { campuses { id } }"
    miss = post(trusted, documentId=sha256_hex(other))
    assert miss.status_code == 200
    [error] = miss.json()["errors"]
    assert error["extensions"] == {"code": "PERSISTED_QUERY_NOT_FOUND"}
    assert "trusted documents manifest" in error["message"]

    # An APQ client then sends the text: still not in the manifest, still refused.
    retried = post(trusted, query=other, extensions=apq(sha256_hex(other)))
    assert retried.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    free_form = post(trusted, query=other)
    assert free_form.status_code == 400
    [error] = free_form.json()["errors"]
    assert error["extensions"] == {"code": "PERSISTED_QUERY_NOT_IN_LIST"}
    assert "trusted documents manifest" in error["message"]
    assert "data" not in free_form.json()

    # The text of a listed operation, sent as is, is that operation.
    assert post(trusted, query=CAMPUSES).json() == {"data": {"campuses": []}}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        (json.dumps({"abc": CAMPUSES}), "is not a SHA-256 hash"),
        (json.dumps({CAMPUSES_HASH: 1}), "is not a string"),
        (json.dumps({sha256_hex(COURSES): CAMPUSES}), "is not the SHA-256 of its document"),
    ],
)
def test_a_bad_manifest_stops_the_server_at_start(
    tmp_path: Path,
    make_settings: Callable[..., Settings],
    fresh_db_name: str,
    content: str,
    message: str,
) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        create_app(make_settings(fresh_db_name, trusted_documents=path))


def test_a_missing_manifest_is_named(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read"):
        load_manifest(tmp_path / "absent.json")


def test_serve_names_a_bad_manifest_and_exits(tmp_path: Path, settings: Settings) -> None:
    env = leeto_env(
        LEETO_ENV="test",
        MONGODB_URI=settings.database_uri(),
        LEETO_TRUSTED_DOCUMENTS=str(tmp_path / "absent.json"),
    )
    result = run_leeto("serve", "--port", "1", env=env)
    assert result.returncode == 1
    assert "leeto: cannot read the trusted documents manifest" in result.stderr
    assert "Traceback" not in result.stderr
