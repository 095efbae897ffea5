"""What the benchmark asks each variant: one request (or one enrol + cancel pair) at a time.

Every scenario goes to Leeto's `/graphql` (the `leeto` and `naive` variants) or
to the floor app's plain route (`/catalogue`, `/course`, `/dashboard`,
`/log-in`, `/enrol` and `/cancel`); both answer `{"data": ...}` in the same
shape and the harness compares them (reads: equal; writes: equivalent, see
`bench.harness`).

Extension point — subscription fan-out: when subscriptions land, add a
Scenario of kind "fanout" here whose `run` opens N graphql-transport-ws
subscribers and times one enrolment's event reaching all of them; the harness
measures it like any other scenario (see `SCENARIOS` and `QUICK_SCENARIOS`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from tests.operations import operation

LEETO = "leeto"
NAIVE = "naive"
FLOOR = "floor"
ALL_VARIANTS = (LEETO, NAIVE, FLOOR)

LOG_IN = """
mutation LogIn($email: String!, $password: String!) {
  userLogIn(input: {email: $email, password: $password}) {
    __typename
    ... on AuthPayload { accessToken }
  }
}"""
ENROL = """
mutation Enrol($session: ID!) {
  sessionEnroll(input: {sessionId: $session}) {
    __typename
    ... on EnrollmentPayload { enrollment { id status } }
  }
}"""
CANCEL = """
mutation Cancel($enrollment: ID!) {
  enrollmentCancel(input: {enrollmentId: $enrollment}) {
    __typename
    ... on EnrollmentPayload { enrollment { id status } }
  }
}"""


class ScenarioFailed(Exception):
    """A request did not get the answer the scenario expects."""


@dataclass
class Fixtures:
    """What the scenarios need from the seeded data, found once by the harness."""

    slugs: list[str]
    password: str
    demo_email: str
    demo_token: str = ""
    enrol_session: str = ""  # a global ID
    student_emails: list[str] = field(default_factory=list)
    student_ids: list[str] = field(default_factory=list)  # the users of student_emails
    student_tokens: list[str] = field(default_factory=list)


async def graphql(
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
    token: str | None = None,
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body: dict[str, Any] = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise ScenarioFailed(f"{response.status_code}: {str(body)[:500]}")
    data: dict[str, Any] = body["data"]
    return data


async def plain(
    http: httpx.AsyncClient, path: str, payload: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post(path, json=payload, headers=headers)
    if response.status_code != 200:
        raise ScenarioFailed(f"{path}: {response.status_code} {response.text[:300]}")
    data: dict[str, Any] = response.json()["data"]
    return data


async def log_in(http: httpx.AsyncClient, email: str, password: str) -> str:
    data = await graphql(http, LOG_IN, {"email": email, "password": password})
    result = data["userLogIn"]
    if result["__typename"] != "AuthPayload":
        raise ScenarioFailed(f"log-in refused: {result['__typename']}")
    token: str = result["accessToken"]
    return token


Pause = Callable[[], Awaitable[None]]


class Run(Protocol):
    """One request (or pair) of a scenario; `between`, if given, is awaited
    between the two requests of a pair (the harness lets background work finish)."""

    def __call__(
        self,
        http: httpx.AsyncClient,
        variant: str,
        i: int,
        fx: Fixtures,
        /,
        *,
        between: Pause | None = None,
    ) -> Awaitable[dict[str, Any]]: ...


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    kind: str  # read, login, write
    variants: tuple[str, ...]
    run: Run
    grows: bool = False  # measured again on the larger data set


def _catalogue(first: int) -> Run:
    document = operation("catalogue_page")

    async def run(
        http: httpx.AsyncClient,
        variant: str,
        i: int,
        fx: Fixtures,
        /,
        *,
        between: Pause | None = None,
    ) -> dict[str, Any]:
        if variant == FLOOR:
            return await plain(http, "/catalogue", {"first": first})
        return await graphql(http, document, {"first": first})

    return run


_COURSE_DETAIL = operation("course_detail")
_DASHBOARD = operation("dashboard")


async def _course_detail(
    http: httpx.AsyncClient, variant: str, i: int, fx: Fixtures, /, *, between: Pause | None = None
) -> dict[str, Any]:
    slug = fx.slugs[i % len(fx.slugs)]
    if variant == FLOOR:
        return await plain(http, "/course", {"slug": slug})
    return await graphql(http, _COURSE_DETAIL, {"slug": slug})


async def _dashboard(
    http: httpx.AsyncClient, variant: str, i: int, fx: Fixtures, /, *, between: Pause | None = None
) -> dict[str, Any]:
    if variant == FLOOR:
        return await plain(http, "/dashboard", {}, fx.demo_token)
    return await graphql(http, _DASHBOARD, {}, fx.demo_token)


async def _log_in(
    http: httpx.AsyncClient, variant: str, i: int, fx: Fixtures, /, *, between: Pause | None = None
) -> dict[str, Any]:
    email = fx.student_emails[i % len(fx.student_emails)]
    if variant != FLOOR:
        return {"email": email, "token": await log_in(http, email, fx.password)}
    result = (await plain(http, "/log-in", {"email": email, "password": fx.password}))["userLogIn"]
    if result["__typename"] != "AuthPayload":
        raise ScenarioFailed(f"floor log-in refused: {result}")
    return {"email": email, "token": result["accessToken"]}


async def _enrol_and_cancel(
    http: httpx.AsyncClient, variant: str, i: int, fx: Fixtures, /, *, between: Pause | None = None
) -> dict[str, Any]:
    token = fx.student_tokens[i % len(fx.student_tokens)]
    if variant == FLOOR:
        answer = await plain(http, "/enrol", {"session": fx.enrol_session}, token)
    else:
        answer = await graphql(http, ENROL, {"session": fx.enrol_session}, token)
    enrolled = answer["sessionEnroll"]
    if enrolled["__typename"] != "EnrollmentPayload":
        raise ScenarioFailed(f"sessionEnroll answered {enrolled}")
    enrollment = enrolled["enrollment"]["id"]
    if between is not None:
        await between()
    if variant == FLOOR:
        answer = await plain(http, "/cancel", {"enrollment": enrollment}, token)
    else:
        answer = await graphql(http, CANCEL, {"enrollment": enrollment}, token)
    cancelled = answer["enrollmentCancel"]
    if cancelled["__typename"] != "EnrollmentPayload":
        raise ScenarioFailed(f"enrollmentCancel answered {cancelled}")
    return {"student": i % len(fx.student_tokens), "enrolled": enrolled, "cancelled": cancelled}


CATALOGUE_20 = Scenario(
    "catalogue_20", "catalogue page, first: 20", "read", ALL_VARIANTS, _catalogue(20), grows=True
)
CATALOGUE_100 = Scenario(
    "catalogue_100", "catalogue page, first: 100", "read", ALL_VARIANTS, _catalogue(100), grows=True
)
COURSE_DETAIL = Scenario(
    "course_detail", "course detail", "read", ALL_VARIANTS, _course_detail, grows=True
)
DASHBOARD = Scenario(
    "dashboard", "signed-in dashboard", "read", ALL_VARIANTS, _dashboard, grows=True
)
LOG_IN_SCENARIO = Scenario("log_in", "log-in (userLogIn)", "login", ALL_VARIANTS, _log_in)
ENROL_SCENARIO = Scenario(
    "enrol_cancel",
    "enrol + cancel (a pair of mutations)",
    "write",
    ALL_VARIANTS,
    _enrol_and_cancel,
)

SCENARIOS = (CATALOGUE_20, CATALOGUE_100, COURSE_DETAIL, DASHBOARD, LOG_IN_SCENARIO, ENROL_SCENARIO)
# One of each kind, cheap even for the naive variant: the test's run.
QUICK_SCENARIOS = (COURSE_DETAIL, LOG_IN_SCENARIO, ENROL_SCENARIO)
