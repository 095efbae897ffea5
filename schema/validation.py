"""GraphQL validation, cached, that steps aside for errors found before it.

Strawberry's ValidationCache validates even when an earlier check already
refused the document, which is the work those checks exist to avoid; and it
cannot ask graphql-core to leave out "Did you mean …?" suggestions, which name
fields, arguments, types and enum values a server without introspection keeps
to itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

# Rules Strawberry adds to graphql-core's for its own input types.
_STRAWBERRY_RULES: tuple[type[ASTValidationRule], ...] = (
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)


@lru_cache(maxsize=256)
def _validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    return validate(
        schema, document, (*rules, *_STRAWBERRY_RULES), hide_suggestions=hide_suggestions
    )


class Validation(SchemaExtension):
    def __init__(self, *, hide_suggestions: bool) -> None:
        super().__init__()
        self.hide_suggestions = hide_suggestions

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and not context.pre_execution_errors:
            context.pre_execution_errors = _validate(
                context.schema._schema,
                context.graphql_document,
                tuple(context.validation_rules),
                self.hide_suggestions,
            )
        yield
