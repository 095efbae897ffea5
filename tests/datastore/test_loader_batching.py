"""LEETO_LOADER_BATCHING=false: the same answers, one query per key (the naive baseline)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.command_counter import CommandCounter
from tests.graphql_client import gql
from tests.operations import operation

CATALOGUE_PAGE = operation("catalogue_page")
COURSE_DETAIL = operation("course_detail")


def _run(settings: Settings, query: str, variables: dict[str, object]) -> tuple[dict, int]:
    counter = CommandCounter()
    with TestClient(create_app(settings, event_listeners=[counter])) as client:
        gql(client, query, variables)  # warm: key vault and persisted-query lookups
        counter.reset()
        body = gql(client, query, variables)
    assert "errors" not in body, body
    return body["data"], counter.total


def test_unbatched_loaders_answer_the_same_with_a_query_per_key(
    seeded_settings: Settings,
) -> None:
    # A query per key is slow by design (each a whole scan on the embedded
    # engine): the naive app gets time to finish on a busy machine.
    naive = seeded_settings.model_copy(
        update={"loader_batching": False, "operation_timeout_seconds": 900}
    )
    batched_page, batched = _run(seeded_settings, CATALOGUE_PAGE, {"first": 3})
    naive_page, unbatched = _run(naive, CATALOGUE_PAGE, {"first": 3})
    assert naive_page == batched_page
    # Three courses: their sessions, reviews and seat counts are each loaded per key.
    sessions = sum(len(e["node"]["sessions"]["edges"]) for e in batched_page["courses"]["edges"])
    assert unbatched >= batched + sessions
    slug = batched_page["courses"]["edges"][0]["node"]["slug"]
    assert (
        _run(naive, COURSE_DETAIL, {"slug": slug})[0]
        == _run(seeded_settings, COURSE_DETAIL, {"slug": slug})[0]
    )


def test_loader_batching_is_on_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEETO_LOADER_BATCHING", raising=False)
    assert Settings().loader_batching is True
    monkeypatch.setenv("LEETO_LOADER_BATCHING", "false")
    assert Settings().loader_batching is False
