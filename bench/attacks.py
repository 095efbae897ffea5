"""Sends hostile requests to a running server and times each refusal.

Each attack is refused before any resolver or MongoDB command runs; this script
sends each one ten times (its text varied, so no cache helps), prints how long
the server took to refuse it (median and slowest round trip on this machine,
an upper bound on the server's own time), and checks that `/healthz` kept
answering meanwhile, from a second connection polling it throughout. It
passes when every attack is refused with its code in a median under 50 ms.

    make bench-attacks                              # starts its own server
    python -m bench.attacks --url http://127.0.0.1:8000   # or attack a running one

The same attacks are the regression tests in tests/server/test_attacks.py.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 10
TARGET_MS = 50.0
# Sent by every attack that should get as far as GraphQL: CSRF prevention asks
# for it on GET requests, and attackers' scripts can send it too.
PREFLIGHT = {"Apollo-Require-Preflight": "true"}


@dataclass(frozen=True)
class Attack:
    name: str
    code: str  # the refusal's `extensions.code`
    json: Any = None  # a JSON body for POST
    content: bytes | None = None
    method: str = "POST"
    params: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=lambda: dict(PREFLIGHT))
    status: int = 200


def fragment_fanout(levels: int) -> str:
    """F1 spreads F0 twice, F2 spreads F1 twice, …: 2^levels fields once written out."""
    fragments = ["fragment F0 on Campus { id city }"]
    fragments += [
        f"fragment F{i} on Campus {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)
    ]
    return f"{{ campuses {{ ...F{levels} }} }} " + " ".join(fragments)


def nested_fanout(levels: int) -> str:
    """Like fragment_fanout, but each copy sits under its own field (a course's sessions)."""
    path = "sessions {{ edges {{ node {{ course {{ ...F{} }} }} }} }}"
    fragments = ["fragment F0 on Course { id slug }"]
    fragments += [
        f"fragment F{i} on Course {{ a: {path.format(i - 1)} b: {path.format(i - 1)} }}"
        for i in range(1, levels + 1)
    ]
    return f'{{ course(slug: "x") {{ ...F{levels} }} }} ' + " ".join(fragments)


def fragment_chain(levels: int) -> str:
    """F1 spreads F0, F2 spreads F1, …: small once written out, deep to follow."""
    fragments = ["fragment F0 on Campus { id }"]
    fragments += [f"fragment F{i} on Campus {{ ...F{i - 1} }}" for i in range(1, levels)]
    return f"{{ campuses {{ ...F{levels - 1} }} }} " + " ".join(fragments)


PAGE = "courses(first: $n) { edges { node { sessions(first: $n) { edges { node { id } } } } } }"


def alias_pages(count: int) -> str:
    return " ".join(f"a{i}: {PAGE}" for i in range(count))


def cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


AFTER = """query($a: String) {
  courses(first: 2, after: $a, orderBy: PRICE_LOW_TO_HIGH) { edges { cursor } } }"""


def nested(levels: int) -> str:
    inner = "slug"
    for _ in range(levels):
        inner = "sessions { edges { node { course { " + inner + " } } } }"
    return "{ courses(first: 1) { edges { node { " + inner + " } } } }"


ATTACKS: tuple[Attack, ...] = (
    # Both copies of each level merge into one selection set: too wide at once.
    Attack(
        "fragment fan-out, 18 levels",
        "GRAPHQL_VALIDATION_FAILED",
        {"query": fragment_fanout(18)},
    ),
    Attack(
        "fragment fan-out, 190 levels",
        "GRAPHQL_VALIDATION_FAILED",
        {"query": fragment_fanout(190)},
    ),
    # Each level in its own selection sets: too many fields once expanded.
    Attack(
        "nested fragment fan-out, 30 levels",
        "QUERY_TOO_COMPLEX",
        {"query": nested_fanout(30)},
    ),
    # About 4,970 tokens, but too many definitions to be parsed at all.
    Attack(
        "fragment fan-out, 495 levels",
        "GRAPHQL_VALIDATION_FAILED",
        {"query": fragment_fanout(495)},
    ),
    Attack(
        "fragment chain, 150 levels",
        "GRAPHQL_VALIDATION_FAILED",
        {"query": fragment_chain(150)},
    ),
    Attack(
        "fragment chain, 400 levels",
        "GRAPHQL_VALIDATION_FAILED",
        {"query": fragment_chain(400)},
    ),
    Attack(
        "fragment cycle",
        "GRAPHQL_VALIDATION_FAILED",
        {
            "query": "{ campuses { ...A } } fragment A on Campus { id ...B } "
            "fragment B on Campus { city ...A }"
        },
    ),
    Attack(
        "cost via variable default",
        "QUERY_TOO_COMPLEX",
        {"query": f"query($n: Int = 100) {{ {alias_pages(19)} }}"},
    ),
    Attack(
        "cost via 100.0",
        "QUERY_TOO_COMPLEX",
        {"query": f"query($n: Int) {{ {alias_pages(19)} }}", "variables": {"n": 100.0}},
    ),
    Attack(
        "cost via unknown page size",
        "QUERY_TOO_COMPLEX",
        {"query": f"query($n: Int) {{ {alias_pages(19)} }}"},
    ),
    Attack(
        "500 duplicate fields",
        "GRAPHQL_VALIDATION_FAILED",
        {"query": "{ campuses { " + " id" * 500 + " } }"},
    ),
    Attack(
        "400 overlapping fields",
        "GRAPHQL_VALIDATION_FAILED",
        {"query": "{ " + " courses { edges { node { id } } }" * 400 + " }"},
    ),
    Attack(
        "64 copies of a page",
        "GRAPHQL_VALIDATION_FAILED",
        {"query": "{ " + " courses(first: 1) { edges { node { id } } }" * 64 + " }"},
    ),
    Attack(
        "alias flood",
        "GRAPHQL_VALIDATION_FAILED",
        {"query": "{ " + " ".join(f"c{i}: campuses {{ id }}" for i in range(31)) + " }"},
    ),
    Attack("deep nesting", "GRAPHQL_VALIDATION_FAILED", {"query": nested(4)}),
    Attack(
        "token flood",
        "GRAPHQL_PARSE_FAILED",
        {"query": "{ campuses { " + " id" * 6000 + " } }"},
    ),
    Attack(
        "900 KB string argument",
        "GRAPHQL_PARSE_FAILED",
        {
            "query": '{ courses(first: 1, filter: {search: "'
            + "a" * 900_000
            + '"}) { edges { cursor } } }'
        },
    ),
    Attack(
        "600 unused fragments",
        "GRAPHQL_VALIDATION_FAILED",
        {
            "query": "{ __typename } "
            + " ".join(f"fragment F{i} on Query {{ __typename }}" for i in range(600))
        },
    ),
    Attack(
        "cursor beyond 64 bits",
        "BAD_USER_INPUT",
        {"query": AFTER, "variables": {"a": cursor(["course:price", ["n", 2**64 - 1], "0" * 24])}},
    ),
    Attack(
        "unknown field",
        "GRAPHQL_VALIDATION_FAILED",
        {"query": "{ coursez { id } }"},
    ),
    Attack(
        "GET without a preflight header (CSRF)",
        "BAD_REQUEST",
        method="GET",
        params={"query": "{ campuses { id } }"},
        headers={},
        status=400,
    ),
    Attack(
        "batch of operations",
        "BAD_REQUEST",
        [{"query": "{ campuses { id } }"}] * 50,
        status=400,
    ),
    Attack(
        "body over 1 MB",
        "PAYLOAD_TOO_LARGE",
        content=b'{"query": "' + b" " * 1_100_000 + b'{ campuses { id } }"}',
        headers={**PREFLIGHT, "content-type": "application/json"},
        status=413,
    ),
)


def varied(attack: Attack, repeat: int) -> Any:
    """The attack's JSON body with a comment that makes its text new to the server.

    An attacker varies the text so that no parse or validation cache helps;
    every repeat here is parsed afresh too.
    """
    if isinstance(attack.json, dict) and isinstance(attack.json.get("query"), str):
        return {**attack.json, "query": f"{attack.json['query']}\n# {repeat}"}
    return attack.json


async def send(http: httpx.AsyncClient, attack: Attack, repeat: int = 0) -> httpx.Response:
    return await http.request(
        attack.method,
        "/graphql",
        json=varied(attack, repeat),
        content=attack.content,
        params=attack.params,
        headers=attack.headers,
    )


def refusal_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if body.get("data"):
        return None  # something ran
    errors = body.get("errors") or [{}]
    code = errors[0].get("extensions", {}).get("code")
    return code if isinstance(code, str) else None


class HealthProbe:
    """Polls /healthz on its own connection; the slowest answer shows a blocked loop."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.latencies: list[float] = []
        self.failures = 0

    async def run(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as http:
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    ok = (await http.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    ok = False
                self.latencies.append((time.perf_counter() - started) * 1000)
                self.failures += not ok
                await asyncio.sleep(0.005)


async def attack_server(url: str) -> bool:
    stop = asyncio.Event()
    probe = HealthProbe(url)
    ok = True
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        await http.post("/graphql", json={"query": "{ campuses { id } }"}, headers=PREFLIGHT)
        prober = asyncio.create_task(probe.run(stop))
        await asyncio.sleep(0.2)  # the probe's connection is open before the first attack
        # This process's own garbage collections would pause its clocks (and
        # the probe) for tens of milliseconds: none while measuring.
        gc.collect()
        gc.disable()
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"{'attack':<40} {'status':>6} {'code':<26} {'median ms':>9} {'max ms':>7}")
        for attack in ATTACKS:
            timings, statuses, codes = [], set(), set()
            for repeat in range(REPEATS):
                started = time.perf_counter()
                response = await send(http, attack, repeat)
                timings.append((time.perf_counter() - started) * 1000)
                statuses.add(response.status_code)
                codes.add(refusal_code(response))
            refused = statuses == {attack.status} and codes == {attack.code}
            # The median: other processes on a shared machine make single
            # round trips slow now and then (the load average is printed).
            fast = statistics.median(timings) < TARGET_MS
            ok = ok and refused and fast
            shown = ",".join(sorted(str(c) for c in codes))
            flag = "" if refused and fast else "  <-- " + ("SLOW" if refused else "NOT REFUSED")
            print(
                f"{attack.name:<40} {','.join(map(str, sorted(statuses))):>6} {shown:<26} "
                f"{statistics.median(timings):9.1f} {max(timings):7.1f}{flag}"
            )
        stop.set()
        await prober
        gc.enable()
    healthy = probe.failures == 0 and len(probe.latencies) > 0
    print(
        f"/healthz meanwhile: {len(probe.latencies)} answers, {probe.failures} failures, "
        f"median {statistics.median(probe.latencies):.1f} ms, max {max(probe.latencies):.1f} ms"
    )
    ok = ok and healthy
    print(
        f"every attack refused with its code, each in a median under {TARGET_MS:.0f} ms: "
        f"{'yes' if ok else 'NO'} (load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs)"
    )
    return ok


async def _wait_ready(url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        for _ in range(600):
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the server did not become ready")


async def with_own_server() -> bool:
    from server.devdb import EmbeddedEngine, free_port

    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedEngine(port=free_port(), data_dir=Path(tmp) / "devdb") as engine,
    ):
        port = free_port()
        env = {
            **os.environ,
            "LEETO_ENV": "test",
            "MONGODB_URI": engine.uri + "leeto",
            "LEETO_DATA_DIR": tmp,
            "LEETO_PORT": str(port),
            "LEETO_LOG_LEVEL": "warning",
        }
        server = subprocess.Popen(  # noqa: ASYNC220 - started once, before any measuring
            [sys.executable, "-m", "server.cli", "serve"], env=env, cwd=ROOT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            await _wait_ready(url)
            return await attack_server(url)
        finally:
            server.terminate()
            await asyncio.to_thread(server.wait, 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="attack this running server instead of starting one")
    args = parser.parse_args()
    ok = asyncio.run(attack_server(args.url) if args.url else with_own_server())
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
