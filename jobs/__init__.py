"""Background jobs: e-mail notifications, reminders, the outbox sweep and cleanup.

Run on taskiq: in the server process by default, through a Redis stream to
`leeto worker` when LEETO_REDIS_URL is set. `server/` wires it; this package
imports only `datastore/` below it.
"""
