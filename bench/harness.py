"""`make bench`: Leeto side by side with a naive build of itself and a no-GraphQL floor.

Starts the embedded engine, seeds it (1x, and 10x for growth), puts the
counting proxy of `bench.wire` in front of it and runs each variant as its own
server process (uvicorn, one worker, LEETO_ENV=production) over loopback:

- leeto: as shipped;
- naive: the same schema with LEETO_LOADER_BATCHING=false (every DataLoader
  loads each key with its own query) and LEETO_FAST_EXECUTION=false;
- floor: bench/floor_app.py, the same MongoDB commands and the same JSON with
  no GraphQL at all, for every scenario. Its read answers are checked equal to
  Leeto's; its writes equivalent: the same user's token, valid for Leeto, and
  the same statuses, and per log-in or enrol + cancel pair the same effects in
  the database (`bench.write_checks`).

A write's figures include the notice job it schedules (run in the server
process, as without Redis): before the measured requests and after them the
harness waits until the database has been quiet for a moment.

Per variant and scenario: the server process's CPU ms per request
(/proc/PID/stat around the measured requests, after warm-up), MongoDB commands
per request (counted on the wire; `commands_alone`: those of the warm-up
request, run alone, which concurrent writes' races do not blur), p50/p99
latency at a fixed concurrency and peak RSS (VmHWM). Prints a table and
writes bench/results.json and bench/results.png. `--quick` is the test's tiny run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from bson import ObjectId
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from auth.tokens import AccessTokens
from bench.machine import describe, summary
from bench.processes import Server, floor_command, leeto_command, new_port, serving
from bench.scenarios import (
    CATALOGUE_20,
    CATALOGUE_100,
    COURSE_DETAIL,
    DASHBOARD,
    ENROL_SCENARIO,
    FLOOR,
    LEETO,
    LOG_IN_SCENARIO,
    NAIVE,
    QUICK_SCENARIOS,
    SCENARIOS,
    Fixtures,
    Scenario,
    ScenarioFailed,
    log_in,
)
from bench.wire import CountingProxy, start_proxy
from bench.write_checks import answer_facts, effects, snapshot, wait_until_quiet
from datastore.client import Database, open_client
from datastore.enrollment import cancel_enrollment, insert_enrollment, read_seating, settle
from jobs.notices import Notice, NoticeKind
from jobs.queue import NOTIFY_COALESCE_SECONDS
from jobs.store import DeliveryState, claim_attempt, finish_attempt
from resolvers.global_ids import to_global_id
from server.auth_setup import access_tokens_from
from server.demo.build import DEMO_PASSWORD, DEMO_STUDENT, build_demo
from server.devdb import EmbeddedEngine, free_port
from server.seed import seed_database
from server.settings import Settings

HERE = Path(__file__).resolve().parent
SEED = 42
# A write's notice job starts NOTIFY_COALESCE_SECONDS after it; this long with
# no command on the wire means every job the writes started has finished.
QUIET_SECONDS = 3 * NOTIFY_COALESCE_SECONDS
NAIVE_ORDER = [
    s.name
    for s in (
        COURSE_DETAIL,
        LOG_IN_SCENARIO,
        ENROL_SCENARIO,
        DASHBOARD,
        CATALOGUE_20,
        CATALOGUE_100,
    )
]


@dataclass(frozen=True)
class Plan:
    """How many requests each measurement makes, and at what concurrency."""

    quick: bool
    concurrency: int
    read_requests: int  # leeto and floor
    # The naive build is slow by design (hundreds of whole-collection scans on
    # the embedded engine): one wave of requests, no warm-up.
    naive_read_requests: int
    mutation_requests: int  # log-ins, enrol + cancel pairs
    growth_requests: int
    idle_sample_seconds: float  # per server process, before its requests
    burst_logins: int
    warm_up: int
    budget_seconds: float  # a cell stops starting requests after this (concurrency at least)
    # Past this many seconds of the whole run, the naive build's remaining cells
    # (slowest last) are skipped and marked so: `make bench` stays under 10 minutes.
    deadline_seconds: float
    scales: tuple[int, ...]
    scenarios: tuple[Scenario, ...]

    def requests_for(self, scenario: Scenario, variant: str) -> int:
        if scenario.kind != "read":
            return self.mutation_requests
        return self.naive_read_requests if variant == NAIVE else self.read_requests

    def describe(self) -> dict[str, Any]:
        return {
            "quick": self.quick,
            "concurrency": self.concurrency,
            "read_requests": self.read_requests,
            "naive_read_requests": self.naive_read_requests,
            "mutation_requests": self.mutation_requests,
            "growth_requests": self.growth_requests,
            "idle_sample_seconds": self.idle_sample_seconds,
            "burst_logins": self.burst_logins,
            "warm_up": self.warm_up,
            "budget_seconds_per_cell": self.budget_seconds,
            "deadline_seconds": self.deadline_seconds,
            "scales": list(self.scales),
            "scenarios": [s.name for s in self.scenarios],
        }


FULL = Plan(
    quick=False,
    concurrency=2,
    read_requests=40,
    naive_read_requests=2,
    mutation_requests=16,
    growth_requests=6,
    idle_sample_seconds=5,
    burst_logins=20,
    warm_up=1,
    budget_seconds=12,
    deadline_seconds=480,
    scales=(1, 10),
    scenarios=SCENARIOS,
)
QUICK = Plan(
    quick=True,
    concurrency=2,
    read_requests=3,
    naive_read_requests=2,
    mutation_requests=2,
    growth_requests=2,
    idle_sample_seconds=1,
    burst_logins=2,
    warm_up=1,
    budget_seconds=10,
    deadline_seconds=600,
    scales=(1,),
    scenarios=QUICK_SCENARIOS,
)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest rank: with few samples p99 is the slowest request."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


async def drive(
    http: httpx.AsyncClient,
    scenario: Scenario,
    variant: str,
    fixtures: Fixtures,
    *,
    requests: int,
    concurrency: int,
    budget: float,
    first_index: int,
) -> list[float]:
    """Latencies (ms) of up to `requests` runs, `concurrency` at a time."""
    latencies: list[float] = []
    issued = 0
    deadline = time.monotonic() + budget

    async def worker() -> None:
        nonlocal issued
        while issued < requests and (time.monotonic() < deadline or issued < concurrency):
            index = first_index + issued
            issued += 1
            started = time.perf_counter()
            await scenario.run(http, variant, index, fixtures)
            latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def _client(server: Server) -> httpx.AsyncClient:
    # Longer than any request can take: a slow answer is measured, not dropped.
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    return httpx.AsyncClient(base_url=server.url, timeout=900, limits=limits)


class Bench:
    def __init__(
        self,
        plan: Plan,
        proxy: CountingProxy,
        fixtures: Fixtures,
        *,
        db: Database,
        tokens: AccessTokens,
    ) -> None:
        self.plan = plan
        self.proxy = proxy
        self.fixtures = fixtures
        # Read beside the proxy (not counted): what the writes stored.
        self.db = db
        self.tokens = tokens  # Leeto's verifier, for every variant's tokens
        self.results: dict[str, dict[str, dict[str, Any]]] = {}
        self.reference: dict[tuple[str, int | str], Any] = {}
        self.matches: dict[str, dict[str, bool]] = {}
        self.effects: dict[str, dict[str, dict[str, float]]] = {}
        self.skipped: list[str] = []

    async def measure(
        self,
        server: Server,
        scenario: Scenario,
        variant: str,
        *,
        requests: int,
        check: bool = True,
    ) -> dict[str, Any]:
        plan = self.plan
        warm_up = 0 if variant == NAIVE else plan.warm_up
        writes = scenario.kind != "read"

        async def quiet() -> None:
            await wait_until_quiet(self.proxy, QUIET_SECONDS)

        if check and writes:
            before = await snapshot(self.db, scenario, self.fixtures)
        async with _client(server) as http:
            self.proxy.clear()
            for i in range(warm_up):
                data = await scenario.run(http, variant, i, self.fixtures, between=quiet)
                if check:
                    facts = await answer_facts(scenario, self.db, self.tokens, self.fixtures, data)
                    self._check(scenario, variant, i, facts)
            if scenario.kind == "write":
                await quiet()  # the warm-up's notice job
            # The warm-up runs alone, the jobs of a pair's first request done
            # before its second: its count is free of the races concurrent
            # writes run into (refused seat claims, notice jobs shared, a
            # notice composed before or after its enrolment is cancelled).
            alone = round(self.proxy.total / warm_up, 2) if warm_up else None
            self.proxy.clear()
            cpu_before = server.cpu_seconds()
            started = time.perf_counter()
            latencies = await drive(
                http,
                scenario,
                variant,
                self.fixtures,
                requests=requests,
                concurrency=plan.concurrency,
                budget=plan.budget_seconds,
                first_index=warm_up,
            )
            wall = time.perf_counter() - started
            if scenario.kind == "write":
                await quiet()  # their notice jobs
            cpu = server.cpu_seconds() - cpu_before
        done = len(latencies)
        if check and writes:
            after = await snapshot(self.db, scenario, self.fixtures)
            found = effects(scenario, before, after, warm_up + done)
            self.effects.setdefault(scenario.name, {})[variant] = found
            self._check(scenario, variant, "effects", found)
        idle = server.idle_cpu_ms_per_s
        return {
            "requests": done,
            "warm_up": warm_up,
            "concurrency": plan.concurrency,
            "cpu_ms_per_request": round(cpu * 1000 / done, 2),
            # Less what the process spends idle over the same wall time: what the
            # requests themselves cost, when requests take seconds (10x data).
            "busy_cpu_ms_per_request": (
                None if idle is None else round(max(0.0, cpu * 1000 - idle * wall) / done, 2)
            ),
            "idle_cpu_ms_per_s": idle,
            "commands_per_request": round(self.proxy.total / done, 2),
            "commands_alone": alone,
            "commands_by_name": {
                k: round(v / done, 2) for k, v in sorted(self.proxy.commands.items())
            },
            "p50_ms": round(statistics.median(latencies), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1),
            "throughput_per_s": round(done / wall, 2),
            "peak_rss_mib": round(server.peak_rss_mib(), 1),
        }

    def _check(self, scenario: Scenario, variant: str, index: int | str, data: Any) -> None:
        """The floor must answer what Leeto answers: the same data for reads, the
        same facts and effects for writes (`bench.write_checks`). The naive
        build is held to the same; its answers are also checked by
        tests/datastore/test_loader_batching.py."""
        key = (scenario.name, index)
        if variant == LEETO:
            self.reference[key] = data
            return
        same = self.reference.get(key) == data
        self.matches.setdefault(scenario.name, {})[variant] = (
            self.matches.get(scenario.name, {}).get(variant, True) and same
        )
        if not same:
            what = "data" if isinstance(index, int) else index
            raise ScenarioFailed(
                f"{variant}'s {what} differs from Leeto's for {scenario.name}: "
                f"{str(data)[:400]} vs {str(self.reference.get(key))[:400]}"
            )

    async def run_variant(
        self, server: Server, variant: str, scenarios: Sequence[Scenario], started: float
    ) -> None:
        for scenario in scenarios:
            if variant not in scenario.variants:
                continue
            if variant == NAIVE and time.monotonic() - started > self.plan.deadline_seconds:
                self.skipped.append(f"{scenario.name}/{variant}")
                print(f"{scenario.name:<14} {variant:<6} skipped: past the run's deadline")
                continue
            requests = self.plan.requests_for(scenario, variant)
            cell = await self.measure(server, scenario, variant, requests=requests)
            self.results.setdefault(scenario.name, {})[variant] = cell
            print(_row(scenario.name, variant, cell), flush=True)

    async def burst(self, server: Server) -> dict[str, Any]:
        """The catalogue's p99 alone, then while a burst of log-ins arrives with it."""
        plan, fx = self.plan, self.fixtures
        requests = plan.read_requests
        alone = self.results.get(CATALOGUE_20.name, {}).get(LEETO) or await self.measure(
            server, CATALOGUE_20, LEETO, requests=requests, check=False
        )
        async with _client(server) as http:
            emails = fx.student_emails
            logins = [
                log_in(http, emails[i % len(emails)], fx.password) for i in range(plan.burst_logins)
            ]
            catalogue = drive(
                http,
                CATALOGUE_20,
                LEETO,
                fx,
                requests=requests,
                concurrency=plan.concurrency,
                budget=plan.budget_seconds,
                first_index=0,
            )
            latencies, *_tokens = await asyncio.gather(catalogue, *logins)
        assert isinstance(latencies, list)
        with_burst = round(percentile(latencies, 0.99), 1)
        return {
            "scenario": CATALOGUE_20.name,
            "variant": LEETO,
            "logins": plan.burst_logins,
            "requests": len(latencies),
            "concurrency": plan.concurrency,
            "p99_ms_alone": alone["p99_ms"],
            "p99_ms_with_burst": with_burst,
            "p50_ms_alone": alone["p50_ms"],
            "p50_ms_with_burst": round(statistics.median(latencies), 1),
            "p99_ratio": round(with_burst / alone["p99_ms"], 2),
        }


def _row(scenario: str, variant: str, cell: dict[str, Any]) -> str:
    return (
        f"{scenario:<14} {variant:<6} {cell['requests']:>4} {cell['concurrency']:>4} "
        f"{cell['cpu_ms_per_request']:>9.2f} {cell['commands_per_request']:>8.1f} "
        f"{cell['p50_ms']:>9.1f} {cell['p99_ms']:>9.1f} {cell['peak_rss_mib']:>8.1f}"
    )


HEADER = (
    f"{'scenario':<14} {'varnt':<6} {'reqs':>4} {'conc':>4} {'CPU ms/r':>9} {'cmds/r':>8} "
    f"{'p50 ms':>9} {'p99 ms':>9} {'RSS MiB':>8}"
)


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 2)


def ratios(results: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    for name, cells in results.items():
        leeto, naive, floor = cells.get(LEETO), cells.get(NAIVE), cells.get(FLOOR)

        def get(cell: dict[str, Any] | None, key: str) -> float | None:
            return None if cell is None else float(cell[key])

        out[name] = {
            "efficiency_vs_floor": _ratio(
                get(floor, "cpu_ms_per_request"), get(leeto, "cpu_ms_per_request")
            ),
            "commands_vs_naive": _ratio(
                get(naive, "commands_per_request"), get(leeto, "commands_per_request")
            ),
            "latency_vs_naive": _ratio(get(naive, "p50_ms"), get(leeto, "p50_ms")),
        }
    return out


def signing_key(path: Path) -> Path:
    key = Ed25519PrivateKey.generate()
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    path.chmod(0o600)
    return path


async def _enrolled_and_left(
    db: Database, session: dict[str, Any], user_id: ObjectId, *, seated: bool
) -> None:
    """An enrolment the student cancelled; `seated`: with its seat claims and
    its notice handled, as a pair served by Leeto leaves them.

    Whichever variants ran before, each then finds the same kind of history:
    its enrolments read the student's earlier one (a first enrolment skips
    that read), and its notice jobs find a notice another process handled
    (those a process handled itself it skips without a read).
    """
    now, session_id, capacity = datetime.now(UTC), session["_id"], int(session["capacity"])
    doc = await insert_enrollment(db, session_id=session_id, user_id=user_id, attempt=1, now=now)
    assert doc is not None
    if seated:
        await settle(db, session_id, capacity, now=now)
    await cancel_enrollment(db, doc["_id"], now=now, reason="CANCELLED_BY_USER")
    if seated:
        await settle(db, session_id, capacity, now=now)
        notice = Notice(NoticeKind.CONFIRMED, doc["_id"], session_id)
        await claim_attempt(db, notice.key, notice.args(), 1, now)
        await finish_attempt(db, notice.key, 1, DeliveryState.SKIPPED, now, "cancelled since")


async def find_fixtures(uri: str, database: str, students: int, room: int) -> Fixtures:
    """Published slugs, an upcoming session with room, and students not in it
    who each enrolled in it once and left (`_enrolled_and_left`)."""
    demo = build_demo(SEED)
    client = open_client(uri)
    try:
        db = client[database]
        courses = db["courses"].find({"published": True}, {"slug": 1}).sort("title", 1)
        slugs = [doc["slug"] async for doc in courses][:20]
        soon = datetime.now(UTC) + timedelta(days=7)
        sessions = await db["sessions"].find({"startsAt": {"$gt": soon}}).to_list()
        published = {doc["_id"] for doc in await db["courses"].find({"published": True}).to_list()}
        open_sessions = [
            s for s in sessions if s["courseId"] in published and not s.get("cancelledAt")
        ]
        session = max(open_sessions, key=lambda s: (s["capacity"], s["_id"]))
        taken = {
            doc["userId"] async for doc in db["enrollments"].find({"sessionId": session["_id"]})
        }
        chosen = [
            u
            for u in demo.users
            if u.doc["roles"] == ["STUDENT"]
            and u.email != DEMO_STUDENT
            and u.doc["_id"] not in taken
        ][:students]
        seating = await read_seating(db, session["_id"], int(session["capacity"]))
        # Fewer free seats than enrolments at once would put some on the waitlist,
        # and each variant's seat claims would depend on timing.
        if len(seating.free_seats()) < room:
            raise RuntimeError(f"session {session['_id']} has fewer than {room} free seats")
        for n, user in enumerate(chosen):
            await _enrolled_and_left(db, session, user.doc["_id"], seated=n == 0)
    finally:
        await client.close()
    return Fixtures(
        slugs=slugs,
        password=DEMO_PASSWORD,
        demo_email=DEMO_STUDENT,
        enrol_session=to_global_id("Session", session["_id"]),
        student_emails=[u.email for u in chosen],
        student_ids=[str(u.doc["_id"]) for u in chosen],
    )


async def sign_in(server: Server, fixtures: Fixtures) -> None:
    """Tokens for the dashboard and the enrolments (not measured; valid for an hour)."""
    async with _client(server) as http:
        fixtures.demo_token = await log_in(http, fixtures.demo_email, fixtures.password)
        fixtures.student_tokens = [
            await log_in(http, email, fixtures.password) for email in fixtures.student_emails
        ]


async def run(plan: Plan) -> dict[str, Any]:
    started = time.monotonic()
    machine = describe()
    print(summary(machine), flush=True)
    print(f"plan: {json.dumps(plan.describe())}", flush=True)
    with (
        tempfile.TemporaryDirectory() as tmp_name,
        EmbeddedEngine(port=free_port(), data_dir=Path(tmp_name) / "devdb") as engine,
    ):
        tmp = Path(tmp_name)
        for scale in plan.scales:
            # Default argon2 costs: log-ins pay what production pays.
            settings = Settings(env="test", MONGODB_URI=f"{engine.uri}bench_{scale}x", data_dir=tmp)
            t = time.perf_counter()
            created = await seed_database(settings, seed=SEED, scale=scale, hash_once=True)
            print(
                f"seeded {scale}x in {time.perf_counter() - t:.1f} s: "
                + ", ".join(f"{k} {v}" for k, v in sorted((created or {}).items()) if " " not in k),
                flush=True,
            )
        key_file = signing_key(tmp / "jwt.pem")
        students = 4 if plan.quick else 16
        fixtures = await find_fixtures(engine.uri, "bench_1x", students, plan.concurrency)
        proxy = CountingProxy(engine.port)
        proxy_port = free_port()
        proxy_server = await start_proxy(proxy, proxy_port)
        base = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("LEETO_", "OTEL_"))},
            "LEETO_ENV": "production",
            "LEETO_DATA_DIR": str(tmp),
            "LEETO_JWT_PRIVATE_KEY_FILE": str(key_file),
            "LEETO_LOG_LEVEL": "warning",
            "LEETO_RATE_LIMIT_POINTS": "0",  # CPU and commands are measured, not budgets
            "LEETO_OPERATION_TIMEOUT_SECONDS": "900",  # the naive build is slow by design
            "LEETO_ACCESS_TOKEN_TTL_SECONDS": "3600",
            # Execution is what is compared: with the response cache on, every
            # repeated read would be a hit (those are measured by bench.response_cache,
            # which `make bench` runs next).
            "LEETO_RESPONSE_CACHE": "false",
            # Periodic jobs run in the server process without Redis; their commands
            # would be counted against the requests measured.
            "LEETO_OUTBOX_SWEEP_SECONDS": "86400",
            "LEETO_REMINDER_SCAN_SECONDS": "86400",
            "LEETO_CLEANUP_INTERVAL_SECONDS": "86400",
        }
        variants: dict[str, tuple[list[str], dict[str, str]]] = {
            LEETO: ([], {}),
            NAIVE: ([], {"LEETO_LOADER_BATCHING": "false", "LEETO_FAST_EXECUTION": "false"}),
            FLOOR: ([], {}),
        }
        # Leeto's own verifier with the key every variant signs with.
        tokens = access_tokens_from(
            Settings(env="test", data_dir=tmp, jwt_private_key_file=key_file)
        )
        checker = open_client(f"{engine.uri}bench_1x")  # beside the proxy: not counted
        bench = Bench(plan, proxy, fixtures, db=checker["bench_1x"], tokens=tokens)
        burst: dict[str, Any] = {}
        growth: dict[str, dict[str, dict[str, Any]]] = {}
        print(HEADER, flush=True)

        async def one_variant(variant: str) -> None:
            nonlocal burst
            port = new_port()
            env = {
                **base,
                **variants[variant][1],
                "MONGODB_URI": f"mongodb://127.0.0.1:{proxy_port}/bench_1x",
            }
            command = floor_command(port) if variant == FLOOR else leeto_command(port)
            # The naive build's cheapest cells first, so the deadline cuts the dearest.
            scenarios = (
                sorted(plan.scenarios, key=lambda s: NAIVE_ORDER.index(s.name))
                if variant == NAIVE
                else plan.scenarios
            )
            async with serving(command, port, env, tmp / f"{variant}.log") as server:
                await server.sample_idle(plan.idle_sample_seconds)
                if variant == LEETO:
                    await sign_in(server, fixtures)
                await bench.run_variant(server, variant, scenarios, started)
                if variant == LEETO:
                    burst = await bench.burst(server)

        try:
            await one_variant(LEETO)
            await one_variant(FLOOR)
            growth["1x"] = {
                s.name: _growth_cell(bench.results[s.name][LEETO])
                for s in plan.scenarios
                if s.grows and s.name in bench.results
            }
            for scale in plan.scales[1:]:
                port = new_port()
                env = {**base, "MONGODB_URI": f"mongodb://127.0.0.1:{proxy_port}/bench_{scale}x"}
                async with serving(
                    leeto_command(port), port, env, tmp / f"leeto-{scale}x.log"
                ) as server:
                    await server.sample_idle(plan.idle_sample_seconds)
                    cells = {}
                    for scenario in plan.scenarios:
                        if not scenario.grows:
                            continue
                        cell = await bench.measure(
                            server,
                            scenario,
                            LEETO,
                            requests=plan.growth_requests,
                            check=False,
                        )
                        print(_row(f"{scenario.name}@{scale}x", LEETO, cell), flush=True)
                        cells[scenario.name] = _growth_cell(cell)
                    growth[f"{scale}x"] = cells
            await one_variant(NAIVE)
        finally:
            proxy_server.close()
            await checker.close()
    return {
        "machine": machine,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "plan": plan.describe(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_seconds": round(time.monotonic() - started, 1),
        "variants": {
            LEETO: "Leeto as shipped (LEETO_ENV=production, one uvicorn worker)",
            NAIVE: "LEETO_LOADER_BATCHING=false, LEETO_FAST_EXECUTION=false",
            FLOOR: "bench/floor_app.py: the same MongoDB commands and JSON, no GraphQL "
            "(writes: bench/floor_writes.py)",
        },
        "scenarios": {s.name: {"label": s.label, "kind": s.kind} for s in plan.scenarios},
        "results": bench.results,
        "ratios": ratios(bench.results),
        "floor_matches_leeto": {
            name: found.get(FLOOR) for name, found in bench.matches.items() if FLOOR in found
        },
        # Per log-in or enrol + cancel pair, what each variant's writes stored.
        "write_effects": bench.effects,
        "skipped": bench.skipped,
        "burst": burst,
        "growth": growth,
        # Extension point: subscription fan-out figures go here (see bench/scenarios.py).
        "subscription_fanout": None,
    }


def _or_dash(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _growth_cell(cell: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "commands_per_request",
        "cpu_ms_per_request",
        "busy_cpu_ms_per_request",
        "p50_ms",
        "p99_ms",
        "requests",
    )
    return {key: cell[key] for key in keys}


def print_summary(results: dict[str, Any]) -> None:
    print("\nratios (efficiency_vs_floor = floor CPU / leeto CPU; *_vs_naive = naive / leeto)")
    for name, found in results["ratios"].items():
        parts = ", ".join(f"{k} {'-' if v is None else v}" for k, v in found.items())
        print(f"  {name:<14} {parts}")
    burst = results["burst"]
    if burst:
        print(
            f"catalogue p99 alone {burst['p99_ms_alone']} ms, with {burst['logins']} log-ins "
            f"arriving {burst['p99_ms_with_burst']} ms (x{burst['p99_ratio']})"
        )
    growth = results["growth"]
    if len(growth) > 1:
        print("growth (leeto): commands/request, CPU ms/request (less idle), p50 ms")
        for name in growth["1x"]:
            cells = "   ".join(
                f"{size}: {g[name]['commands_per_request']:g} cmds, "
                f"{g[name]['cpu_ms_per_request']:.1f} ms CPU "
                f"({_or_dash(g[name].get('busy_cpu_ms_per_request'))}), "
                f"{g[name]['p50_ms']:.0f} ms"
                for size, g in growth.items()
            )
            print(f"  {name:<14} {cells}")
    print(f"took {results['duration_seconds']} s")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.harness", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tiny run (the test's)")
    parser.add_argument("--out", type=Path, default=HERE, help="where results.json and .png go")
    parser.add_argument("--no-chart", action="store_true", help="skip the PNG")
    parser.add_argument(
        "--deadline",
        type=float,
        help="seconds after which the naive build's remaining cells are skipped "
        f"(default {FULL.deadline_seconds:g}; raise it on a busy machine to measure them all)",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.deadline is not None:
        plan = replace(plan, deadline_seconds=args.deadline)
    results = asyncio.run(run(plan))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print_summary(results)
    if not args.no_chart:
        from bench.chart import draw

        draw(results, args.out / "results.png")
    print(f"wrote {args.out / 'results.json'}" + ("" if args.no_chart else " and results.png"))


if __name__ == "__main__":
    main()
