"""The catalogue read API over HTTP, checked against the seeded documents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database
from starlette.testclient import TestClient

from datastore.search_terms import query_terms
from resolvers.global_ids import from_global_id, to_global_id
from server.settings import Settings
from tests.graphql_client import gql
from tests.seating_helpers import seats_taken

COURSE_PAGE = """
query($first: Int!, $after: String, $filter: CourseFilter, $orderBy: CourseOrder! = TITLE) {
  courses(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id slug title priceCents ratingAverage reviewCount createdAt } }
  }
}
"""


@pytest.fixture(scope="module")
def raw_db(seeded_settings: Settings) -> Iterator[Database[dict[str, Any]]]:
    client: MongoClient[dict[str, Any]] = MongoClient(seeded_settings.database_uri(), tz_aware=True)
    yield client[seeded_settings.database_name]
    client.close()


def _walk(client: TestClient, first: int, **variables: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    for _ in range(200):
        body = gql(client, COURSE_PAGE, {"first": first, "after": after, **variables})
        assert "errors" not in body, body
        page = body["data"]["courses"]
        nodes += [edge["node"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")


def _published(raw_db: Database[dict[str, Any]], **query: Any) -> list[dict[str, Any]]:
    return list(raw_db.courses.find({"published": True, **query}))


@pytest.mark.parametrize(
    ("order", "field", "descending"),
    [
        ("TITLE", "title", False),
        ("NEWEST", "createdAt", True),
        ("PRICE_LOW_TO_HIGH", "priceCents", False),
        ("PRICE_HIGH_TO_LOW", "priceCents", True),
        ("RATING", "ratingAverage", True),
    ],
)
def test_walking_every_page_visits_each_published_course_once_in_order(
    seeded_client: TestClient,
    raw_db: Database[dict[str, Any]],
    order: str,
    field: str,
    descending: bool,
) -> None:
    nodes = _walk(seeded_client, 7, orderBy=order)
    expected = _published(raw_db)
    assert len(nodes) == len(expected) == len({n["id"] for n in nodes})
    # Ties are broken by _id, in the same direction as the ordering.
    expected.sort(key=lambda c: (c[field], c["_id"]), reverse=descending)
    assert [n["slug"] for n in nodes] == [c["slug"] for c in expected]


def test_unpublished_courses_are_hidden(
    seeded_client: TestClient, raw_db: Database[dict[str, Any]]
) -> None:
    hidden = raw_db.courses.find_one({"published": False})
    assert hidden is not None
    slugs = {n["slug"] for n in _walk(seeded_client, 100)}
    assert hidden["slug"] not in slugs
    body = gql(
        seeded_client, "query($s: String!) { course(slug: $s) { id } }", {"s": hidden["slug"]}
    )
    assert body["data"]["course"] is None
    node = gql(
        seeded_client,
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": to_global_id("Course", hidden["_id"])},
    )
    assert node["data"]["node"] is None


@pytest.mark.parametrize(
    "filter_",
    [{"track": "CYBERSECURITY"}, {"level": "ADVANCED"}, {"track": "CODING", "level": "BEGINNER"}],
)
def test_track_and_level_filters(
    seeded_client: TestClient, raw_db: Database[dict[str, Any]], filter_: dict[str, str]
) -> None:
    nodes = _walk(seeded_client, 50, filter=filter_)
    expected = {c["slug"] for c in _published(raw_db, **filter_)}
    assert expected
    assert {n["slug"] for n in nodes} == expected


@pytest.mark.parametrize("search", ["python", "PYTH", "cloud security", "kubernetes"])
def test_search_matches_words_and_prefixes(
    seeded_client: TestClient, raw_db: Database[dict[str, Any]], search: str
) -> None:
    nodes = _walk(seeded_client, 50, filter={"search": search})
    words = query_terms(search)

    def matches(course: dict[str, Any]) -> bool:
        text = " ".join([course["title"], course["summary"], *course["tags"]]).lower()
        return all(any(t.startswith(w) for t in query_terms(text)) for w in words)

    expected = {c["slug"] for c in _published(raw_db) if matches(c)}
    assert expected, f"seed has nothing for {search!r}"
    assert {n["slug"] for n in nodes} == expected


def test_search_with_no_match_is_an_empty_page(seeded_client: TestClient) -> None:
    body = gql(seeded_client, COURSE_PAGE, {"first": 5, "filter": {"search": "zzzqqq"}})
    page = body["data"]["courses"]
    assert page["edges"] == []
    assert page["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


def test_campus_mode_and_start_filters(
    seeded_client: TestClient, raw_db: Database[dict[str, Any]]
) -> None:
    campus = raw_db.campuses.find_one({"city": "Durban"})
    assert campus is not None
    now = datetime.now(UTC)
    session_query = {"campusId": campus["_id"], "mode": "IN_PERSON", "startsAt": {"$gt": now}}
    course_ids = set(raw_db.sessions.distinct("courseId", session_query))
    expected = {c["slug"] for c in _published(raw_db, _id={"$in": list(course_ids)})}
    nodes = _walk(
        seeded_client,
        50,
        filter={
            "campusId": to_global_id("Campus", campus["_id"]),
            "mode": "IN_PERSON",
            "startsAfter": now.isoformat(),
        },
    )
    assert expected
    assert {n["slug"] for n in nodes} == expected


def test_course_by_slug_with_its_relations(
    seeded_client: TestClient, raw_db: Database[dict[str, Any]]
) -> None:
    course = raw_db.courses.find_one({"published": True, "ratingCount": {"$gte": 3}})
    assert course is not None
    body = gql(
        seeded_client,
        """query($slug: String!) { course(slug: $slug) {
            id title ratingAverage reviewCount instructors { id displayName }
            sessions(first: 100) { edges { node { id startsAt seatsLeft capacity
              course { slug } instructor { id } } } }
            upcoming: sessions(first: 100, upcoming: true) { edges { node { startsAt } } }
            reviews(first: 100) {
              edges { node { rating createdAt author { id } course { slug } } } }
        } }""",
        {"slug": course["slug"]},
    )
    assert "errors" not in body, body
    got = body["data"]["course"]
    assert from_global_id(got["id"]).id == course["_id"]
    assert got["reviewCount"] == course["ratingCount"]
    assert got["ratingAverage"] == round(course["ratingSum"] / course["ratingCount"], 2)
    assert [from_global_id(u["id"]).id for u in got["instructors"]] == course["instructorIds"]

    sessions = [e["node"] for e in got["sessions"]["edges"]]
    stored = list(
        raw_db.sessions.find({"courseId": course["_id"]}).sort([("startsAt", 1), ("_id", 1)])
    )
    assert [from_global_id(s["id"]).id for s in sessions] == [s["_id"] for s in stored]
    for session, doc in zip(sessions, stored, strict=True):
        taken = seats_taken(raw_db, doc)
        assert session["seatsLeft"] == max(0, doc["capacity"] - taken)
        assert session["course"]["slug"] == course["slug"]
        assert from_global_id(session["instructor"]["id"]).id == doc["instructorId"]

    now = datetime.now(UTC)
    upcoming = [e["node"]["startsAt"] for e in got["upcoming"]["edges"]]
    assert len(upcoming) == sum(1 for s in stored if s["startsAt"] > now)
    assert all(datetime.fromisoformat(s) > now for s in upcoming)

    reviews = [e["node"] for e in got["reviews"]["edges"]]
    assert len(reviews) == course["ratingCount"]
    created = [r["createdAt"] for r in reviews]
    assert created == sorted(created, reverse=True)
    assert {r["course"]["slug"] for r in reviews} == {course["slug"]}


def test_nested_connections_page_per_parent(
    seeded_client: TestClient, raw_db: Database[dict[str, Any]]
) -> None:
    course = raw_db.courses.find_one({"published": True, "ratingCount": {"$gte": 5}})
    assert course is not None
    query = """query($slug: String!, $after: String) { course(slug: $slug) {
        reviews(first: 2, after: $after) { pageInfo { hasNextPage endCursor }
          edges { node { id } } } } }"""
    seen: list[str] = []
    after = None
    for _ in range(50):
        page = gql(seeded_client, query, {"slug": course["slug"], "after": after})["data"]
        reviews = page["course"]["reviews"]
        seen += [e["node"]["id"] for e in reviews["edges"]]
        if not reviews["pageInfo"]["hasNextPage"]:
            break
        after = reviews["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == course["ratingCount"]


def test_campuses_are_listed_by_city(seeded_client: TestClient) -> None:
    body = gql(seeded_client, "{ campuses { id name city province address } }")
    cities = [c["city"] for c in body["data"]["campuses"]]
    assert cities == sorted(cities)
    assert {"Johannesburg", "Cape Town", "Durban", "Pretoria", "Bloemfontein", "Gqeberha"} <= set(
        cities
    )


def test_node_and_nodes_resolve_every_type(
    seeded_client: TestClient, raw_db: Database[dict[str, Any]]
) -> None:
    ids = {
        "Campus": raw_db.campuses.find_one()["_id"],
        "Course": raw_db.courses.find_one({"published": True})["_id"],
        "Session": raw_db.sessions.find_one()["_id"],
        "User": raw_db.users.find_one()["_id"],
        "Review": raw_db.reviews.find_one()["_id"],
    }
    global_ids = [to_global_id(t, i) for t, i in ids.items()]
    body = gql(
        seeded_client,
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
        {"ids": [*global_ids, to_global_id("Course", raw_db.sessions.find_one()["_id"])]},
    )
    assert "errors" not in body, body
    found = body["data"]["nodes"]
    assert [n["__typename"] for n in found[:-1]] == list(ids)
    assert [n["id"] for n in found[:-1]] == global_ids
    assert found[-1] is None  # a Course ID that names no course
    for global_id in global_ids:
        one = gql(seeded_client, "query($id: ID!) { node(id: $id) { id } }", {"id": global_id})
        assert one["data"]["node"]["id"] == global_id


def test_unpublished_courses_are_not_reachable_through_sessions_or_reviews(
    seeded_client: TestClient, raw_db: Database[dict[str, Any]]
) -> None:
    hidden = raw_db.courses.find_one({"published": False})
    assert hidden is not None
    session = raw_db.sessions.find_one({"courseId": hidden["_id"]})
    assert session is not None
    query = """query($ids: [ID!]!) { nodes(ids: $ids) {
        ... on Session { course { title } } ... on Review { course { title } } } }"""
    ids = [to_global_id("Session", session["_id"])]
    review = raw_db.reviews.find_one({"courseId": hidden["_id"]})
    if review is not None:
        ids.append(to_global_id("Review", review["_id"]))
    body = gql(seeded_client, query, {"ids": ids})
    assert "errors" not in body, body
    assert body["data"]["nodes"] == [None] * len(ids)
    assert hidden["title"] not in str(body)

    # The same kinds of node of a published course are reachable.
    public = raw_db.courses.find_one({"published": True})
    visible = raw_db.sessions.find_one({"courseId": public["_id"]})
    body = gql(seeded_client, query, {"ids": [to_global_id("Session", visible["_id"])]})
    assert body["data"]["nodes"] == [{"course": {"title": public["title"]}}]
