"""Errors a client is meant to read: a message and a `code` in extensions."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from graphql import GraphQLError


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    # A subscriber that fell too far behind its events (see `live.fanout`).
    SLOW_CONSUMER = "SLOW_CONSUMER"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class ClientError(GraphQLError):
    """An error whose message is safe to show; never masked."""

    code: ErrorCode = ErrorCode.BAD_USER_INPUT

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": self.code.value, **extensions})


class BadUserInput(ClientError):
    code = ErrorCode.BAD_USER_INPUT


class Unauthenticated(ClientError):
    code = ErrorCode.UNAUTHENTICATED


class Forbidden(ClientError):
    code = ErrorCode.FORBIDDEN


class NotFound(ClientError):
    code = ErrorCode.NOT_FOUND


class SlowConsumerDropped(ClientError):
    code = ErrorCode.SLOW_CONSUMER
