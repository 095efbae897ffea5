"""Every attack of bench/attacks.py is refused with its code, before any MongoDB
command, and the expensive ones before graphql-core's validation even starts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from strawberry.schema import schema as strawberry_schema

from bench.attacks import ATTACKS, Attack
from schema import validation
from server.app import create_app
from server.settings import Settings
from tests.command_counter import CommandCounter

# Refused before graphql-core parses them (parsing 5,000 tokens takes tens of ms).
BEFORE_PARSING = frozenset(
    {
        "500 duplicate fields",
        "400 overlapping fields",
        "token flood",
        "900 KB string argument",
        "600 unused fragments",
        "fragment fan-out, 495 levels",
        "fragment chain, 400 levels",
    }
)
# Refused by the document checks: validation (the slow part) must not run.
BEFORE_VALIDATION = BEFORE_PARSING | {
    "fragment fan-out, 18 levels",
    "fragment fan-out, 190 levels",
    "nested fragment fan-out, 30 levels",
    "fragment chain, 150 levels",
    "fragment cycle",
    "cost via variable default",
    "cost via 100.0",
    "cost via unknown page size",
    "64 copies of a page",
    "alias flood",
    "deep nesting",
}


@pytest.fixture(scope="module")
def counted(seeded_settings: Settings) -> Iterator[tuple[TestClient, CommandCounter]]:
    counter = CommandCounter()
    with TestClient(create_app(seeded_settings, event_listeners=[counter])) as client:
        yield client, counter


def _send(client: TestClient, attack: Attack) -> Any:
    return client.request(
        attack.method,
        "/graphql",
        json=attack.json,
        content=attack.content,
        params=attack.params,
        headers=attack.headers,
    )


def test_the_attack_list_names_each_early_refusal() -> None:
    assert {attack.name for attack in ATTACKS} >= BEFORE_VALIDATION


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attacks_are_refused_before_any_database_work(
    counted: tuple[TestClient, CommandCounter], attack: Attack, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, counter = counted
    work: Counter[str] = Counter()

    def counting(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def counted_call(*args: Any, **kwargs: Any) -> Any:
            work[name] += 1
            return function(*args, **kwargs)

        return counted_call

    monkeypatch.setattr(strawberry_schema, "parse", counting("parse", strawberry_schema.parse))
    monkeypatch.setattr(
        validation, "run_validation", counting("validate", validation.run_validation)
    )
    counter.reset()
    response = _send(client, attack)
    assert response.status_code == attack.status, response.text
    body = response.json()
    assert body.get("data") is None, body
    assert body["errors"][0]["extensions"]["code"] == attack.code, body
    assert counter.total == 0, dict(counter.commands)
    if attack.name in BEFORE_PARSING:
        assert work["parse"] == 0, "graphql-core parsed a document already refused"
    if attack.name in BEFORE_VALIDATION:
        assert work["validate"] == 0, "graphql-core validated a document already refused"
    if attack.name in BEFORE_VALIDATION - BEFORE_PARSING:
        assert work["parse"] == 1  # the counting works: these were parsed, once


def test_the_same_requests_with_small_pages_run(
    counted: tuple[TestClient, CommandCounter],
) -> None:
    # The cost checks refuse the page sizes, not the shape: 19 aliases of 2 run.
    client, _ = counted
    pages = " ".join(
        f"a{i}: courses(first: $n) {{ edges {{ node {{ sessions(first: $n) "
        "{ edges { node { id } } } } } }"
        for i in range(19)
    )
    body = client.post(
        "/graphql", json={"query": f"query($n: Int = 2) {{ {pages} }}", "variables": {"n": 2.0}}
    ).json()
    assert "errors" not in body, body
    assert len(body["data"]["a18"]["edges"]) == 2
