"""People with each role, and the catalogue mutations, for the course management tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from resolvers.global_ids import from_global_id
from tests.accounts.accounts_helpers import AccountsApp, unique_email
from tests.graphql_client import gql

ERRORS = """
  ... on MutationError { code message }
  ... on ValidationError { field }
  ... on NotFound { field }
"""
COURSE_FIELDS = """
  id slug title summary description track level tags priceCents durationHours
  published archivedAt reviewCount ratingAverage instructors { id }
"""


def _mutation(name: str, input_type: str, payload: str, errors: str = ERRORS) -> str:
    return f"""mutation Op($input: {input_type}!) {{
      {name}(input: $input) {{ __typename ... on {payload} {{ course {{ {COURSE_FIELDS} }} }}
      {errors} }} }}"""


CREATE = _mutation(
    "courseCreate",
    "CourseCreateInput",
    "CourseCreatePayload",
    "... on MutationError { code message } ... on ValidationError { field }",
)
UPDATE = _mutation("courseUpdate", "CourseUpdateInput", "CourseUpdatePayload")
PUBLISH = _mutation("coursePublish", "CoursePublishInput", "CoursePublishPayload")
ARCHIVE = _mutation("courseArchive", "CourseArchiveInput", "CourseArchivePayload")
BY_SLUG = "query BySlug($slug: String!) { course(slug: $slug) { id title published archivedAt } }"
TEACHING = """query Teaching { viewer { teaching(first: 50) { edges { node {
    slug published archivedAt } } } } }"""


def new_course(slug: str = "python-for-people", **overrides: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "title": "Python for People",
        "summary": "Learn Python from scratch, with friends.",
        "description": "Ten evenings.\n\nBring a laptop.",
        "track": "CODING",
        "level": "BEGINNER",
        "tags": ["python", "basics"],
        "priceCents": 150000,
        "durationHours": 24,
        **overrides,
    }


@dataclass
class Person:
    id: str  # global ID
    object_id: ObjectId
    token: str | None


@dataclass
class Cast:
    app: AccountsApp
    admin: Person
    instructor: Person
    other_instructor: Person
    student: Person
    anonymous: Person

    def person(self, role: str) -> Person:
        person: Person = getattr(self, role)
        return person

    def call(self, query: str, variables: dict[str, Any], role: str) -> dict[str, Any]:
        return gql(self.app.client, query, variables, token=self.person(role).token)

    def result(self, query: str, variables: dict[str, Any], role: str) -> dict[str, Any]:
        body = self.call(query, variables, role)
        assert "errors" not in body, body
        data: dict[str, Any] = next(iter(body["data"].values()))
        return data

    def create(self, role: str = "instructor", **fields: Any) -> dict[str, Any]:
        result = self.result(CREATE, {"input": new_course(**fields)}, role)
        assert result["__typename"] == "CourseCreatePayload", result
        course: dict[str, Any] = result["course"]
        return course

    def raw_course(self, global_id: str) -> dict[str, Any] | None:
        return self.app.db.courses.find_one({"_id": from_global_id(global_id).id})


def person(app: AccountsApp, roles: list[str]) -> Person:
    signed_up = app.sign_up(unique_email("-".join(roles).lower()))
    object_id = from_global_id(signed_up["user"]["id"]).id
    app.db.users.update_one({"_id": object_id}, {"$set": {"roles": roles}})
    return Person(id=signed_up["user"]["id"], object_id=object_id, token=signed_up["accessToken"])


def cast(app: AccountsApp) -> Cast:
    return Cast(
        app=app,
        admin=person(app, ["ADMIN"]),
        instructor=person(app, ["INSTRUCTOR"]),
        other_instructor=person(app, ["INSTRUCTOR"]),
        student=person(app, ["STUDENT"]),
        anonymous=Person(id="", object_id=ObjectId(), token=None),
    )
