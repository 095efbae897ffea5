"""GraphiQL in a real browser, offline: Debian's headless Chromium against `leeto serve`.

Chromium resolves no host but the loopback server, and every request it made is
checked to have stayed on loopback: the page works from the assets Leeto serves
itself. A query typed into the editor runs and its result appears; a signed-in
query with an `Authorization` header (typed into the Headers tab) does too, and so
does a subscription over the WebSocket: a seat taken over HTTP shows up pushed
in the result pane. The last screen is written to tests/artifacts/graphiql.png.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from server.seed import seed_database
from server.settings import Settings
from tests.cli import ROOT
from tests.conftest import with_database
from tests.serving import Served, serve_env, serving_process

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOT = ROOT / "tests/artifacts/graphiql.png"
WAIT_SECONDS = 30

LOG_IN = """mutation {
  userLogIn(input: { email: "student@leeto.dev", password: "leeto-demo-password" }) {
    ... on AuthPayload { accessToken user { displayName } }
  }
}"""

OPEN_SESSIONS = """query {
  courses(first: 20) { edges { node { sessions(first: 10, upcoming: true) {
    edges { node { id seatsLeft waitlistLength viewerEnrollmentStatus } }
  } } } }
}"""
ENROL = """mutation($id: ID!) {
  sessionEnroll(input: { sessionId: $id }) { ... on EnrollmentPayload { enrollment { id status } } }
}"""
CANCEL = """mutation($id: ID!) {
  enrollmentCancel(input: { enrollmentId: $id }) {
    ... on EnrollmentPayload { enrollment { status } }
  }
}"""
SEATS_NOW = """query($id: ID!) { node(id: $id) { ... on Session { seatsLeft waitlistLength } } }"""


@pytest.fixture(scope="module")
def dev_server(
    mongo_uri: str, data_dir: Path, make_settings: Callable[..., Settings]
) -> Iterator[Served]:
    """`leeto serve` in development (GraphiQL is on there only), over demo data of its own."""
    name = f"leeto_graphiql_{uuid.uuid4().hex[:12]}"
    asyncio.run(seed_database(make_settings(name), seed=42))
    env = serve_env(with_database(mongo_uri, name), data_dir, LEETO_RATE_LIMIT_POINTS="0")
    env["LEETO_ENV"] = "development"
    with serving_process(env) as served:
        yield served


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        message = "run `make test` first: it installs chromium and chromium-driver"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Its debug log holds every command, page source and screenshot.
    logging.getLogger("selenium").setLevel(logging.INFO)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,900",
        f"--user-data-dir={tmp_path / 'chromium'}",
        # The network is cut off: no name resolves except the loopback server's
        # address, and anything that would use a proxy gets one that is not there.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=127.0.0.1",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _editor_value(driver: WebDriver, editor: WebElement) -> str:
    return str(driver.execute_script("return arguments[0].CodeMirror.getValue();", editor))


def _type_into(driver: WebDriver, editor: WebElement, text: str) -> None:
    """Click into a CodeMirror editor, clear it and type `text` key by key."""
    editor.click()
    field = editor.find_element(By.CSS_SELECTOR, "textarea")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    field.send_keys(text)
    # CodeMirror closes brackets and quotes as they are typed, and typing the
    # closing one steps over it: the editor ends up holding exactly `text`.
    assert _editor_value(driver, editor) == text


def _visible(driver: WebDriver, selector: str) -> WebElement:
    def find(d: WebDriver) -> WebElement | bool:
        for element in d.find_elements(By.CSS_SELECTOR, selector):
            if element.is_displayed():
                return element
        return False

    found: WebElement = WebDriverWait(driver, WAIT_SECONDS).until(find)
    return found


def _run_and_read(driver: WebDriver, query: str, expected: str) -> str:
    editor = _visible(driver, ".graphiql-query-editor .CodeMirror")
    _type_into(driver, editor, query)
    driver.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
    response = _visible(driver, ".graphiql-response .CodeMirror")
    WebDriverWait(driver, WAIT_SECONDS).until(
        lambda d: expected in _editor_value(d, response),
        message=f"{expected!r} never appeared in the response pane",
    )
    return _editor_value(driver, response)


def _network_log(driver: WebDriver) -> list[dict[str, Any]]:
    """The DevTools network events so far (reading the log empties it)."""
    return [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]


def _requested_urls(log: list[dict[str, Any]], page: str) -> list[str]:
    """Every request made by `page` (not the browser's own new-tab page before it)."""
    urls = []
    for message in log:
        if message.get("method") != "Network.requestWillBeSent":
            continue
        params = message["params"]
        if params.get("documentURL") == page:
            urls.append(str(params["request"]["url"]))
    return urls


def _gql(served: Served, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{served.url}/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
        timeout=WAIT_SECONDS,
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def _open_session(served: Served, token: str) -> dict[str, Any]:
    """An upcoming session with a free seat that the student is not in."""
    courses = _gql(served, token, OPEN_SESSIONS, {})["courses"]["edges"]
    for course in courses:
        for edge in course["node"]["sessions"]["edges"]:
            session: dict[str, Any] = edge["node"]
            if session["seatsLeft"] > 0 and session["viewerEnrollmentStatus"] in (
                None,
                "CANCELLED",
            ):
                return session
    raise AssertionError("the demo data has no open session for the student")


def _socket_urls(log: list[dict[str, Any]]) -> list[str]:
    """The WebSockets the page opened."""
    return [
        str(message["params"]["url"])
        for message in log
        if message.get("method") == "Network.webSocketCreated"
    ]


def test_graphiql_runs_queries_offline(dev_server: Served, browser: WebDriver) -> None:
    logged_in = httpx.post(f"{dev_server.url}/graphql", json={"query": LOG_IN}).json()
    payload = logged_in["data"]["userLogIn"]
    token, name = payload["accessToken"], payload["user"]["displayName"]

    browser.get(f"{dev_server.url}/graphql")
    assert browser.title == "Leeto GraphiQL"
    # The explorer plugin is there (its button in the sidebar).
    _visible(browser, "button[aria-label='Show GraphiQL Explorer']")

    anonymous = json.loads(_run_and_read(browser, "{ campuses { city } }", "Johannesburg"))
    assert "errors" not in anonymous
    assert {"city": "Cape Town"} in anonymous["data"]["campuses"]

    # The Headers tab starts open; the token goes there.
    headers = _visible(browser, ".graphiql-editor-tool .CodeMirror")
    _type_into(browser, headers, f'{{"Authorization": "Bearer {token}"}}')
    signed_in = json.loads(_run_and_read(browser, "{ viewer { displayName } }", name))
    assert signed_in["data"]["viewer"] == {"displayName": name}

    # A subscription runs over the WebSocket (signed in by the same Headers tab):
    # first the seats now, then the change an enrolment made over HTTP.
    session = _open_session(dev_server, token)
    seats = (
        f'subscription {{ sessionSeats(sessionId: "{session["id"]}") '
        "{ seatsLeft waitlistLength reason } }"
    )
    current = json.loads(_run_and_read(browser, seats, "CURRENT"))["data"]["sessionSeats"]
    assert current == {
        "seatsLeft": session["seatsLeft"],
        "waitlistLength": session["waitlistLength"],
        "reason": "CURRENT",
    }
    enrolled = _gql(dev_server, token, ENROL, {"id": session["id"]})["sessionEnroll"]
    assert enrolled["enrollment"]["status"] == "ACTIVE"
    response = _visible(browser, ".graphiql-response .CodeMirror")
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: "ENROLLED" in _editor_value(d, response),
        message="the enrolment was never pushed to the response pane",
    )
    pushed = json.loads(_editor_value(browser, response))["data"]["sessionSeats"]
    now = _gql(dev_server, token, SEATS_NOW, {"id": session["id"]})["node"]
    assert pushed == {**now, "reason": "ENROLLED"}
    assert pushed["seatsLeft"] == session["seatsLeft"] - 1
    cancelled = _gql(dev_server, token, CANCEL, {"id": enrolled["enrollment"]["id"]})
    assert cancelled["enrollmentCancel"]["enrollment"]["status"] == "CANCELLED"
    WebDriverWait(browser, WAIT_SECONDS).until(
        lambda d: "CANCELLED_BY_USER" in _editor_value(d, response),
        message="the cancellation was never pushed to the response pane",
    )

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))

    log = _network_log(browser)
    # The subscription's one socket went to the server, on the GraphQL path.
    assert _socket_urls(log) == [f"{dev_server.url}/graphql".replace("http://", "ws://", 1)]
    urls = _requested_urls(log, f"{dev_server.url}/graphql")
    assert any(url.endswith("/graphiql-assets/vendor/graphiql.min.js") for url in urls)
    left = [
        url
        for url in urls
        if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert left == [], f"requests left loopback: {left}"
    problems = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert problems == [], problems
