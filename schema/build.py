"""The Schema object, and its SDL for `schema.graphql`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from schema.campus import Campus
from schema.cost import QueryCostLimit
from schema.course import Course
from schema.errors import ErrorShaping, MaskedErrorShaping
from schema.mutation import Mutation
from schema.operation_name import RequireOperationName
from schema.permissions import FreshOperationState, RejectInvalidAccessToken
from schema.query import Query
from schema.review import Review
from schema.session import Session
from schema.user import User

ExtensionFactory = type[SchemaExtension] | Callable[[], SchemaExtension]


class LeetoSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # ErrorShaping logs the unexpected errors; client errors are not worth a log line.
        return


def build_schema(
    *,
    mask_errors: bool = False,
    max_depth: int = 12,
    max_tokens: int = 5000,
    max_aliases: int = 30,
    introspection: bool = True,
    max_cost: int = 25_000,
    extra: Sequence[ExtensionFactory] = (),
    observers: Sequence[ExtensionFactory] = (),
) -> LeetoSchema:
    """`extra` run after the built-in checks; `observers` wrap everything, so they
    see each operation's whole duration and its errors as clients receive them."""
    extensions: list[ExtensionFactory] = [
        *observers,
        MaskedErrorShaping if mask_errors else ErrorShaping,
        partial(QueryDepthLimiter, max_depth=max_depth),
        partial(MaxTokensLimiter, max_token_count=max_tokens),
        partial(MaxAliasesLimiter, max_alias_count=max_aliases),
        partial(QueryCostLimit, max_cost=max_cost),
        partial(ParserCache, maxsize=256),
        partial(ValidationCache, maxsize=256),
        RequireOperationName,
        FreshOperationState,
        RejectInvalidAccessToken,
        *([] if introspection else [DisableIntrospection]),
        *extra,
    ]
    return LeetoSchema(
        query=Query,
        mutation=Mutation,
        types=[Campus, Course, Session, User, Review],
        extensions=extensions,
    )


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"
