"""GraphQL over HTTP's two response media types, and the status of a failed request.

`application/json` is what every GraphQL client understands: a well-formed
GraphQL response is sent with 200 even when the document did not parse or
validate (the errors say so). `application/graphql-response+json` is the
spec's own type, served when the client's Accept header names it at least as
highly as `application/json`: there the HTTP status tells a request that
failed before execution began (no `data` entry; 400 for a document that does
not parse or validate or variables that do not fit, 401 for a rejected access
token, 429 over the rate limit) from one that ran (200, with `data`). An Accept
header with only wildcards, none, or only types we do not serve gets
`application/json`, as the spec asks of servers during its migration.
"""

from __future__ import annotations

from typing import Final

from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE_JSON: Final = "application/graphql-response+json"
JSON: Final = "application/json"

# Codes of errors that refuse a whole request before execution, and the status
# each gets under application/graphql-response+json.
REQUEST_ERROR_STATUS: Final = {
    "GRAPHQL_PARSE_FAILED": 400,
    "GRAPHQL_VALIDATION_FAILED": 400,
    "QUERY_TOO_COMPLEX": 400,
    "BAD_USER_INPUT": 400,
    "UNAUTHENTICATED": 401,
    "RATE_LIMITED": 429,
    "INTERNAL_SERVER_ERROR": 500,
}

# A persisted query the server does not know yet is part of the protocol (the
# client sends the document next), answered with 200 under application/json. A
# response without `data` is never 2xx under application/graphql-response+json:
# 404 names the miss without looking like the 400 or 500 after which Apollo's
# persisted-queries link stops sending hashes.
UNKNOWN_DOCUMENT_STATUS: Final = 404


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value.strip()), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def negotiate(accept: str | None) -> str:
    """The response media type for this Accept header."""
    if not accept:
        return JSON
    preferred = 0.0  # application/graphql-response+json, named as such
    plain: tuple[int, float] = (-1, 0.0)  # application/json: (specificity, quality)
    for media_range in accept.split(","):
        media_type, *parameters = media_range.split(";")
        media_type = media_type.strip().lower()
        quality = _quality(parameters)
        if media_type == GRAPHQL_RESPONSE_JSON:
            preferred = max(preferred, quality)
        specificity = {JSON: 2, "application/*": 1, "*/*": 0}.get(media_type)
        if specificity is not None and specificity > plain[0]:
            plain = (specificity, quality)
    if preferred > 0 and preferred >= plain[1]:
        return GRAPHQL_RESPONSE_JSON
    return JSON


def request_error_status(result: ExecutionResult) -> int | None:
    """The status of a result that refused the request before execution, else None.

    Such a result has no data and only errors that name no field, each with a
    code from REQUEST_ERROR_STATUS. An operation that ran and failed as a
    whole (a timeout, a non-null root field's error) keeps `data: null` and 200.
    """
    if result.data is not None or not result.errors:
        return None
    statuses = []
    for error in result.errors:
        status = REQUEST_ERROR_STATUS.get(str((error.extensions or {}).get("code")))
        if error.path is not None or status is None:
            return None
        statuses.append(status)
    return statuses[0]
