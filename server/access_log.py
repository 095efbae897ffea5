"""Keeps query strings out of the access log.

GraphQL over GET puts the whole operation in the URL, variables included, so
a client that sends `userLogIn` that way (refused: mutations need POST) would
otherwise leave a password in uvicorn's access log.
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"
_PATH_ARG = 2  # uvicorn's args: client, method, path with query string, version, status


class DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > _PATH_ARG:
            target = args[_PATH_ARG]
            if isinstance(target, str) and "?" in target:
                path = target.partition("?")[0]
                record.args = (*args[:_PATH_ARG], f"{path}?…", *args[_PATH_ARG + 1 :])
        return True


def drop_query_strings_from_access_log() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
        logger.addFilter(DropQueryStrings())
