"""`leeto`: serve, work (background jobs), seed, run the embedded engine, manage keys and users."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from datastore.encryption_keys import MasterKeyError
from persisted.manifest import ManifestError
from server.auth_setup import AuthSetupError
from server.devdb import DevDBError
from server.settings import MAX_WORKERS, Settings, load_settings, variable_name

SCHEMA_FILE = Path("schema.graphql")


class CommandError(Exception):
    """A failure explained to the user in one line; exit status 1."""


def _settings() -> Settings:
    try:
        return load_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{_variable(e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise CommandError(f"invalid settings: {problems}") from None


def _variable(loc: tuple[int | str, ...]) -> str:
    """The environment variable behind a settings error's location."""
    if not loc:
        return "settings"
    if str(loc[0]).isupper():
        return str(loc[0])  # already the variable's name (an alias such as MONGODB_URI)
    return variable_name(str(loc[0]))


def cmd_serve(args: argparse.Namespace) -> None:
    from server.engine import database_available
    from server.logs import configure_logging
    from server.workers import run_server, run_workers

    settings = _settings()
    configure_logging(settings.log_level, settings.effective_log_format.value)
    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    with database_available(settings):
        if workers == 1:
            run_server(settings, host, port)
        elif run_workers(settings, host, port, workers) != 0:
            raise CommandError("a worker process stopped; the server was shut down")


def cmd_worker(_args: argparse.Namespace) -> None:
    from server.engine import database_available
    from server.logs import configure_logging
    from server.worker_cli import WorkerNotNeeded, run_worker

    settings = _settings()
    configure_logging(settings.log_level, settings.effective_log_format.value)
    try:
        with database_available(settings):
            asyncio.run(run_worker(settings))
    except WorkerNotNeeded as exc:
        raise CommandError(str(exc)) from None


def cmd_seed(args: argparse.Namespace) -> None:
    from server.engine import database_available
    from server.seed import DatabaseNotEmpty, WhenNotEmpty, print_report, seed_database

    settings = _settings()
    if settings.is_production:
        raise CommandError("refusing to seed: LEETO_ENV=production")
    name = settings.database_name
    if args.force:
        when_not_empty = WhenNotEmpty.WIPE
        print(f"wiping database {name!r} and loading the demo data again", flush=True)
    else:
        when_not_empty = WhenNotEmpty.KEEP if args.if_empty else WhenNotEmpty.REFUSE
    with database_available(settings):
        try:
            created = asyncio.run(
                seed_database(
                    settings, seed=args.seed, when_not_empty=when_not_empty, scale=args.scale
                )
            )
        except DatabaseNotEmpty:
            raise CommandError(
                f"database {name!r} already holds data; `leeto seed --force` "
                "(or `make reset`) wipes it and loads the demo data again"
            ) from None
    if created is None:
        print(
            f"database {name!r} already holds data: kept as it is "
            "(`make reset` wipes it and loads the demo data again)"
        )
        return
    print_report(settings, created)


def cmd_devdb(args: argparse.Namespace) -> None:
    from server.devdb import EmbeddedEngine, build

    settings = _settings()
    data_dir = Path(args.data_dir) if args.data_dir else settings.data_dir / "devdb"
    build()
    engine = EmbeddedEngine(port=args.port, data_dir=data_dir, log_level=args.log_level)
    print(f"embedded engine: mongodb://127.0.0.1:{args.port}/  (Ctrl-C stops it)", flush=True)
    engine.start()
    try:
        engine.wait()
    except KeyboardInterrupt:
        pass
    finally:
        engine.stop()


def cmd_export_schema(args: argparse.Namespace) -> None:
    from schema.build import schema_sdl

    target = Path(args.output)
    target.write_text(schema_sdl(), encoding="utf-8")
    print(f"wrote {target}")


def cmd_keys(args: argparse.Namespace) -> None:
    from server.keys import keys_command

    settings = _settings()
    asyncio.run(keys_command(settings, args.action))


def cmd_create_admin(args: argparse.Namespace) -> None:
    from server.engine import database_available
    from server.users_cli import UsersCommandError, create_admin

    settings = _settings()
    try:
        with database_available(settings):
            print(asyncio.run(create_admin(settings, args.email, display_name=args.name)))
    except UsersCommandError as exc:
        raise CommandError(str(exc)) from None


def _worker_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(f"a whole number from 1 to {MAX_WORKERS}")
    return count


def _scale(text: str) -> int:
    from server.demo.scale import MAX_SCALE

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= MAX_SCALE:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_SCALE}")
    return value


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="leeto", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API server (uvicorn)")
    serve.add_argument("--host", help="listen address (default LEETO_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default LEETO_PORT, 8000)")
    serve.add_argument(
        "--workers",
        type=_worker_count,
        help="server processes sharing the port (default LEETO_WORKERS, 1)",
    )
    serve.set_defaults(run=cmd_serve)

    worker = sub.add_parser(
        "worker",
        help="run background jobs (e-mails, reminders, cleanup) from Redis",
        description="Runs the jobs LEETO_REDIS_URL queues, and the periodic ones. Without "
        "Redis, `leeto serve` runs them in its own process.",
    )
    worker.set_defaults(run=cmd_worker)

    seed = sub.add_parser(
        "seed",
        help="load demo data into an empty database",
        description="Loads demo data into an empty database; one that holds data is refused "
        "unless --force (wipe it first) or --if-empty (keep it) is given.",
    )
    seed.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    seed.add_argument(
        "--scale",
        type=_scale,
        default=1,
        help="copies of the demo catalogue, each with its own slugs, titles, campuses, "
        "users, sessions, enrolments and reviews (default 1, at most 100)",
    )
    existing = seed.add_mutually_exclusive_group()
    existing.add_argument(
        "--force", action="store_true", help="wipe a database that holds data, then seed"
    )
    existing.add_argument(
        "--if-empty", action="store_true", help="seed only an empty database; keep one with data"
    )
    seed.set_defaults(run=cmd_seed)

    devdb = sub.add_parser("devdb", help="run the embedded engine in the foreground")
    devdb.add_argument("--port", type=int, default=27017, help="TCP port (default 27017)")
    devdb.add_argument("--data-dir", help="data directory (default LEETO_DATA_DIR/devdb)")
    devdb.add_argument(
        "--log-level",
        default="error",
        choices=["debug", "info", "warn", "error"],
        help="debug logs every command (default error)",
    )
    devdb.set_defaults(run=cmd_devdb)

    export = sub.add_parser("export-schema", help="write the schema's SDL")
    export.add_argument("--output", default=str(SCHEMA_FILE), help="default schema.graphql")
    export.set_defaults(run=cmd_export_schema)

    keys = sub.add_parser("keys", help="manage the encryption master key and data keys")
    keys.add_argument("action", choices=["init", "rotate", "status"])
    keys.set_defaults(run=cmd_keys)

    users = sub.add_parser("users", help="manage accounts")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    create_admin = users_sub.add_parser(
        "create-admin",
        help="create an administrator (or make an existing user one)",
        description="The password comes from LEETO_ADMIN_PASSWORD, or is asked for.",
    )
    create_admin.add_argument("email")
    create_admin.add_argument("--name", default="Administrator", help="display name")
    create_admin.set_defaults(run=cmd_create_admin)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except (CommandError, DevDBError, MasterKeyError, AuthSetupError, ManifestError) as exc:
        print(f"leeto: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
