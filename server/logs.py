"""Logging set-up: JSON or text lines on stderr with request ids, no bodies, no secrets."""

from __future__ import annotations

import logging

from observability.logs import TEXT_FORMAT, LogFormat, install
from server.access_log import drop_query_strings_from_access_log


def configure_logging(level: str, log_format: LogFormat = "text") -> None:
    logging.basicConfig(level=level.upper(), format=TEXT_FORMAT)
    install(log_format)
    # The driver logs commands at DEBUG, and commands carry personal data.
    logging.getLogger("pymongo").setLevel(max(logging.INFO, logging.getLogger().level))
    # Queries sent with GET carry their variables in the URL.
    drop_query_strings_from_access_log()
