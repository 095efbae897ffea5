"""What background jobs cost the API process, and how soon the e-mail arrives.

Starts a fresh embedded engine, a redis-server and a real SMTP server (aiosmtpd),
then, for each mode, a `leeto serve` (and, on Redis, one `leeto worker`):
students enrol one after another in a session with a seat for each, and every
enrolment's confirmation e-mail is awaited at the SMTP server. Prints the API
process's own CPU per enrolment, request and (in process) its jobs
(/proc/PID/stat; the embedded engine's scanning does not count), and the
delay from the enrolment's response to the e-mail's arrival. Run with `make bench-jobs`.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from pymongo import MongoClient

from bench.processes import cpu_seconds
from server.devdb import EmbeddedEngine, free_port
from tests.jobs.jobs_helpers import enroll, make_admin, new_session, people
from tests.jobs.mail_catcher import MailCatcher, catching_mail
from tests.redis_server import running_redis

ROOT = Path(__file__).resolve().parents[1]
STUDENTS = 40


def start(command: str, env: dict[str, str], port: int | None = None) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "server.cli", command]
    if port is not None:
        args += ["--port", str(port)]
    return subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def wait_ready(url: str) -> None:
    for _ in range(600):
        try:
            if httpx.get(f"{url}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("leeto serve did not start")


def run_mode(name: str, env: dict[str, str], mail: MailCatcher, with_worker: bool) -> str:
    database = f"bench_jobs_{'redis' if with_worker else 'in_process'}"
    env = {**env, "MONGODB_URI": env["MONGODB_URI"] + database}
    raw: MongoClient[dict[str, Any]] = MongoClient(env["MONGODB_URI"], tz_aware=True)
    port = free_port()
    server = start("serve", env, port)
    worker = start("worker", env) if with_worker else None
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url)
        with httpx.Client(base_url=url, timeout=60) as client:
            admin = make_admin(client, raw[database])
            students = people(client, STUDENTS)
            session_id = new_session(
                raw[database], admin, capacity=STUDENTS, starts_in=timedelta(days=10)
            )
            delays = []
            before = cpu_seconds(server.pid)
            for student in students:
                enroll(client, student, session_id)
                answered = time.perf_counter()
                mail.wait_for(lambda s=student: len(mail.to(s.email)) == 1, seconds=120)
                delays.append((time.perf_counter() - answered) * 1000)
            settle_cpu = cpu_seconds(server.pid)
            cpu = settle_cpu - before
            time.sleep(1)
            idle = cpu_seconds(server.pid) - settle_cpu
    finally:
        for process in (server, worker):
            if process is not None:
                process.terminate()
                process.wait(30)
        raw.drop_database(database)
        raw.close()
    delays.sort()
    p95 = delays[int(len(delays) * 0.95) - 1]
    return (
        f"{name:<28} {cpu * 1000 / STUDENTS:>9.1f} {statistics.median(delays):>10.0f} "
        f"{p95:>8.0f} {idle * 1000:>8.0f}"
    )


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedEngine(port=free_port(), data_dir=Path(tmp) / "devdb") as engine,
        running_redis(Path(tmp)) as redis_url,
        catching_mail() as mail,
    ):
        base = {
            **{k: v for k, v in os.environ.items() if not k.startswith("LEETO_")},
            "LEETO_ENV": "test",
            "MONGODB_URI": engine.uri,
            "LEETO_DATA_DIR": tmp,
            "LEETO_RATE_LIMIT_POINTS": "0",
            "LEETO_SIGNUP_LIMIT_PER_ADDRESS": "1000",
            "LEETO_ARGON2_MEMORY_KIB": "8192",
            "LEETO_ARGON2_TIME_COST": "1",
            "LEETO_LOG_LEVEL": "warning",
            "LEETO_SMTP_URL": mail.url,
        }
        print(f"{STUDENTS} enrolments, one at a time; each waits for its confirmation e-mail")
        print(f"{'mode':<28} {'API CPU ms':>9} {'mail p50 ms':>10} {'p95 ms':>8} {'idle ms':>8}")
        print(run_mode("in process (no Redis)", base, mail, with_worker=False))
        redis = {**base, "LEETO_REDIS_URL": redis_url}
        print(run_mode("Redis + leeto worker", redis, mail, with_worker=True))
        print("API CPU: the server's own CPU per enrolment, from the request until its e-mail")
        print("arrived (in process, that includes running the jobs).")
        print("idle ms: the server's CPU over one second after the last e-mail (the schedule).")


if __name__ == "__main__":
    main()
