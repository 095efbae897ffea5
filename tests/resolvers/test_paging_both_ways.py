"""Relay paging in both directions, page info and `totalCount`, over HTTP on the demo data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database
from starlette.testclient import TestClient

from datastore.search_terms import query_terms
from resolvers.global_ids import from_global_id
from server.app import create_app
from server.demo.build import DEMO_ADMIN, DEMO_PASSWORD, DEMO_STUDENT
from server.settings import Settings
from tests.command_counter import CommandCounter
from tests.graphql_client import gql

ORDERS = ["TITLE", "NEWEST", "PRICE_LOW_TO_HIGH", "PRICE_HIGH_TO_LOW", "RATING"]
PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
COURSES = f"""
query($first: Int, $after: String, $last: Int, $before: String, $filter: CourseFilter,
      $orderBy: CourseOrder! = TITLE) {{
  courses(first: $first, after: $after, last: $last, before: $before, filter: $filter,
          orderBy: $orderBy) {{ {PAGE_INFO} edges {{ cursor node {{ id slug }} }} }}
}}
"""
COURSE_COUNT = """query($filter: CourseFilter) { courses(first: 1, filter: $filter) {
  totalCount edges { node { id } } } }"""
LOG_IN = """mutation($email: String!, $password: String!) {
  userLogIn(input: {email: $email, password: $password}) {
    __typename ... on AuthPayload { accessToken } } }"""


@pytest.fixture(scope="module")
def raw_db(seeded_settings: Settings) -> Iterator[Database[dict[str, Any]]]:
    client: MongoClient[dict[str, Any]] = MongoClient(seeded_settings.database_uri(), tz_aware=True)
    yield client[seeded_settings.database_name]
    client.close()


def log_in(client: TestClient, email: str) -> str:
    body = gql(client, LOG_IN, {"email": email, "password": DEMO_PASSWORD})
    token: str = body["data"]["userLogIn"]["accessToken"]
    return token


def _connection(body: dict[str, Any], path: list[str]) -> dict[str, Any]:
    assert "errors" not in body, body
    value: Any = body["data"]
    for key in path:
        value = value[key]
    result: dict[str, Any] = value
    return result


def walk(
    client: TestClient,
    query: str,
    path: list[str],
    size: int,
    *,
    backward: bool = False,
    token: str | None = None,
    **variables: Any,
) -> list[str]:
    """Every node id, page by page, checking each page's page info; in list order."""
    ids: list[str] = []
    cursor: str | None = None
    for _ in range(300):
        given = {"last": size, "before": cursor} if backward else {"first": size, "after": cursor}
        page = _connection(gql(client, query, {**variables, **given}, token=token), path)
        info, edges = page["pageInfo"], page["edges"]
        page_ids = [edge["node"]["id"] for edge in edges]
        assert info["startCursor"] == (edges[0]["cursor"] if edges else None)
        assert info["endCursor"] == (edges[-1]["cursor"] if edges else None)
        if backward:
            ids = page_ids + ids
            # Exact both ways: something follows the cursor; more precede this page?
            assert info["hasNextPage"] == (cursor is not None)
            more = info["hasPreviousPage"]
            cursor = info["startCursor"]
        else:
            ids += page_ids
            assert info["hasPreviousPage"] == (cursor is not None)
            more = info["hasNextPage"]
            cursor = info["endCursor"]
        if not more:
            return ids
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("order", ORDERS)
def test_catalogue_walked_backwards_is_the_forward_walk(
    seeded_client: TestClient, order: str
) -> None:
    forward = walk(seeded_client, COURSES, ["courses"], 7, orderBy=order)
    backward = walk(seeded_client, COURSES, ["courses"], 7, backward=True, orderBy=order)
    assert len(forward) > 7 * 3
    assert backward == forward
    assert len(set(forward)) == len(forward)


@pytest.mark.parametrize("size", [1, 5, 100])
def test_backward_walk_with_a_filter_and_any_page_size(
    seeded_client: TestClient, size: int
) -> None:
    filters = {"filter": {"track": "CYBERSECURITY"}, "orderBy": "PRICE_HIGH_TO_LOW"}
    forward = walk(seeded_client, COURSES, ["courses"], size, **filters)
    assert walk(seeded_client, COURSES, ["courses"], size, backward=True, **filters) == forward


def test_last_page_without_before_ends_the_list(seeded_client: TestClient) -> None:
    every = walk(seeded_client, COURSES, ["courses"], 100)
    page = _connection(gql(seeded_client, COURSES, {"last": 4}), ["courses"])
    assert [e["node"]["id"] for e in page["edges"]] == every[-4:]
    assert page["pageInfo"]["hasNextPage"] is False
    assert page["pageInfo"]["hasPreviousPage"] is True
    # Going forward again from a backward page's end cursor meets nothing.
    after = _connection(
        gql(seeded_client, COURSES, {"first": 3, "after": page["pageInfo"]["endCursor"]}),
        ["courses"],
    )
    assert after["edges"] == []
    assert after["pageInfo"]["hasNextPage"] is False


def test_forward_and_backward_cursors_meet_in_the_middle(seeded_client: TestClient) -> None:
    every = walk(seeded_client, COURSES, ["courses"], 100)
    middle = _connection(gql(seeded_client, COURSES, {"first": 10}), ["courses"])
    before = _connection(
        gql(seeded_client, COURSES, {"last": 3, "before": middle["pageInfo"]["endCursor"]}),
        ["courses"],
    )
    assert [e["node"]["id"] for e in before["edges"]] == every[6:9]
    assert before["pageInfo"]["hasPreviousPage"] is True
    assert before["pageInfo"]["hasNextPage"] is True


SESSIONS = f"""query($slug: String!, $first: Int, $after: String, $last: Int, $before: String) {{
  course(slug: $slug) {{ sessions(first: $first, after: $after, last: $last, before: $before) {{
    totalCount {PAGE_INFO} edges {{ cursor node {{ id }} }} }} }} }}"""
REVIEWS = f"""query($slug: String!, $first: Int, $after: String, $last: Int, $before: String) {{
  course(slug: $slug) {{ reviews(first: $first, after: $after, last: $last, before: $before) {{
    totalCount {PAGE_INFO} edges {{ cursor node {{ id }} }} }} }} }}"""


def _busiest_course(raw_db: Database[dict[str, Any]], collection: str) -> tuple[str, int]:
    slugs = {c["_id"]: c["slug"] for c in raw_db.courses.find({"published": True})}
    counts: dict[Any, int] = {}
    for doc in raw_db[collection].find({"courseId": {"$in": list(slugs)}}, {"courseId": 1}):
        counts[doc["courseId"]] = counts.get(doc["courseId"], 0) + 1
    course_id = max(counts, key=lambda key: counts[key])
    return slugs[course_id], counts[course_id]


@pytest.mark.parametrize(
    ("query", "field", "collection"),
    [
        (SESSIONS, "sessions", "sessions"),
        (REVIEWS, "reviews", "reviews"),
    ],
)
def test_a_course_s_sessions_and_reviews_page_both_ways(
    seeded_client: TestClient,
    raw_db: Database[dict[str, Any]],
    query: str,
    field: str,
    collection: str,
) -> None:
    slug, stored = _busiest_course(raw_db, collection)
    assert stored > 3
    path = ["course", field]
    forward = walk(seeded_client, query, path, 2, slug=slug)
    assert walk(seeded_client, query, path, 2, backward=True, slug=slug) == forward
    assert len(forward) == stored
    count = _connection(gql(seeded_client, query, {"slug": slug, "last": 1}), path)["totalCount"]
    assert count == stored


def test_the_last_sessions_of_many_courses_in_one_request(seeded_client: TestClient) -> None:
    query = """query { courses(first: 60) { edges { node {
      all: sessions(first: 50) { totalCount edges { node { id } } }
      tail: sessions(last: 2) { totalCount pageInfo { hasNextPage hasPreviousPage }
        edges { node { id } } } } } } }"""
    edges = _connection(gql(seeded_client, query), ["courses", "edges"])
    assert edges
    for edge in edges:
        every = [e["node"]["id"] for e in edge["node"]["all"]["edges"]]
        tail = edge["node"]["tail"]
        assert [e["node"]["id"] for e in tail["edges"]] == every[-2:]
        assert tail["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": len(every) > 2}
        assert tail["totalCount"] == edge["node"]["all"]["totalCount"] == len(every)


def _course_count(client: TestClient, filters: dict[str, Any]) -> int:
    page = _connection(gql(client, COURSE_COUNT, {"filter": filters}), ["courses"])
    count: int = page["totalCount"]
    return count


def test_total_count_of_the_catalogue_honours_the_filter(
    seeded_client: TestClient, raw_db: Database[dict[str, Any]]
) -> None:
    published = {"published": True}
    assert _course_count(seeded_client, {}) == raw_db.courses.count_documents(published)
    for track in ("CODING", "CYBERSECURITY", "DATA_SCIENCE"):
        expected = raw_db.courses.count_documents({**published, "track": track})
        assert _course_count(seeded_client, {"track": track}) == expected
    expected = raw_db.courses.count_documents(
        {**published, "level": "BEGINNER", "searchTerms": {"$all": query_terms("python")}}
    )
    assert _course_count(seeded_client, {"level": "BEGINNER", "search": "python"}) == expected
    with_virtual = set(raw_db.sessions.distinct("courseId", {"mode": "VIRTUAL"}))
    expected = raw_db.courses.count_documents({**published, "_id": {"$in": list(with_virtual)}})
    assert _course_count(seeded_client, {"mode": "VIRTUAL"}) == expected
    assert _course_count(seeded_client, {"search": "no-such-course-anywhere"}) == 0
    # The count is of the whole list, whatever page was asked for.
    walked = walk(seeded_client, COURSES, ["courses"], 100, filter={"track": "CODING"})
    assert len(walked) == _course_count(seeded_client, {"track": "CODING"})


ENROLLMENTS = f"""query($first: Int, $after: String, $last: Int, $before: String,
    $status: EnrollmentStatus) {{ viewer {{ enrollments(first: $first, after: $after,
    last: $last, before: $before, status: $status) {{ totalCount {PAGE_INFO}
    edges {{ cursor node {{ id status }} }} }} }} }}"""


def test_viewer_enrollments_page_both_ways_and_count(
    seeded_client: TestClient, raw_db: Database[dict[str, Any]]
) -> None:
    token = log_in(seeded_client, DEMO_STUDENT)
    path = ["viewer", "enrollments"]
    forward = walk(seeded_client, ENROLLMENTS, path, 2, token=token)
    assert len(forward) > 2
    assert walk(seeded_client, ENROLLMENTS, path, 2, backward=True, token=token) == forward
    page = _connection(gql(seeded_client, ENROLLMENTS, {"first": 1}, token=token), path)
    enrollment = raw_db.enrollments.find_one({"_id": from_global_id(forward[0]).id})
    assert enrollment is not None
    stored = raw_db.enrollments.count_documents({"userId": enrollment["userId"]})
    assert page["totalCount"] == stored == len(forward)
    for status in ("ACTIVE", "COMPLETED", "WAITLISTED", "CANCELLED"):
        variables = {"first": 1, "status": status}
        counted = _connection(gql(seeded_client, ENROLLMENTS, variables, token=token), path)
        walked = walk(seeded_client, ENROLLMENTS, path, 100, token=token, status=status)
        assert counted["totalCount"] == len(walked)


USERS = f"""query($first: Int, $after: String, $last: Int, $before: String, $role: Role) {{
  users(first: $first, after: $after, last: $last, before: $before, role: $role) {{
    totalCount {PAGE_INFO} edges {{ cursor node {{ id }} }} }} }}"""


def test_users_page_both_ways_and_count(
    seeded_client: TestClient, raw_db: Database[dict[str, Any]]
) -> None:
    token = log_in(seeded_client, DEMO_ADMIN)
    forward = walk(seeded_client, USERS, ["users"], 25, token=token, role="INSTRUCTOR")
    backward = walk(
        seeded_client, USERS, ["users"], 25, backward=True, token=token, role="INSTRUCTOR"
    )
    assert backward == forward
    page = _connection(gql(seeded_client, USERS, {"last": 1}, token=token), ["users"])
    assert page["totalCount"] == raw_db.users.count_documents({})
    page = _connection(
        gql(seeded_client, USERS, {"last": 1, "role": "INSTRUCTOR"}, token=token), ["users"]
    )
    assert (
        page["totalCount"] == len(forward) == raw_db.users.count_documents({"roles": "INSTRUCTOR"})
    )


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({"first": 2, "last": 2}, "first"),
        ({"after": "x", "last": 2}, "after"),
        ({"first": 2, "before": "x"}, "first"),
        ({"last": 0}, "last"),
        ({"last": 101}, "last"),
        ({"last": -1}, "last"),
        ({"last": 2, "before": "not-a-cursor"}, "before"),
    ],
)
def test_bad_paging_arguments_are_refused(
    seeded_client: TestClient, variables: dict[str, Any], argument: str
) -> None:
    body = gql(seeded_client, COURSES, variables)
    assert body["data"] is None or body["data"]["courses"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}


def test_a_cursor_of_another_ordering_is_refused_as_before(seeded_client: TestClient) -> None:
    page = _connection(gql(seeded_client, COURSES, {"first": 2}), ["courses"])
    body = gql(
        seeded_client,
        COURSES,
        {"last": 2, "before": page["pageInfo"]["endCursor"], "orderBy": "NEWEST"},
    )
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "before"}
    assert "another ordering" in error["message"]


@pytest.fixture(scope="module")
def counted(seeded_settings: Settings) -> Iterator[tuple[TestClient, CommandCounter]]:
    counter = CommandCounter()
    with TestClient(create_app(seeded_settings, event_listeners=[counter])) as client:
        yield client, counter


def _commands(
    counted: tuple[TestClient, CommandCounter], query: str, variables: dict[str, Any]
) -> dict[str, int]:
    client, counter = counted
    counter.reset()
    body = gql(client, query, variables)
    assert "errors" not in body, body
    return dict(counter.commands)


NESTED = """query($first: Int, $last: Int, $before: String) {
  courses(first: $first, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { id sessions(first: 3) { %s edges { node { id } } }
      reviews(last: 2) { %s edges { node { id } } } } } } }"""


def test_total_count_costs_a_command_only_when_selected(
    counted: tuple[TestClient, CommandCounter],
) -> None:
    plain = _commands(counted, NESTED % ("", ""), {"first": 20})
    assert "count" not in plain
    assert "aggregate" not in plain
    outer = NESTED.replace("pageInfo {", "totalCount pageInfo {") % ("", "")
    with_count = _commands(counted, outer, {"first": 20})
    assert with_count == {**plain, "aggregate": 1}  # count_documents is an aggregate
    # Per-parent counts: one command for every course's sessions, one for reviews.
    nested = _commands(counted, NESTED % ("totalCount", "totalCount"), {"first": 20})
    assert nested == {**plain, "aggregate": plain.get("aggregate", 0) + 2}


def test_backward_pages_cost_what_forward_pages_cost(
    counted: tuple[TestClient, CommandCounter],
) -> None:
    query = NESTED % ("", "")
    forward = _commands(counted, query, {"first": 20})
    assert _commands(counted, query, {"last": 20}) == forward
    client, _ = counted
    end = _connection(gql(client, query, {"first": 30}), ["courses"])["pageInfo"]["endCursor"]
    # The cursor's own row proves the next page: no extra command.
    assert _commands(counted, query, {"last": 20, "before": end}) == forward
