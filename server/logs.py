"""Logging set-up: plain lines on stderr, no request bodies, no secrets."""

from __future__ import annotations

import logging

from server.access_log import drop_query_strings_from_access_log

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format=FORMAT)
    # The driver logs commands at DEBUG, and commands carry personal data.
    logging.getLogger("pymongo").setLevel(max(logging.INFO, logging.getLogger().level))
    # Queries sent with GET carry their variables in the URL.
    drop_query_strings_from_access_log()
