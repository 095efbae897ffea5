"""GraphQL validation, and a cache of the documents that passed it.

Strawberry's ParserCache and ValidationCache keep every document they see,
refused ones included: an attacker who fills them with large documents keeps
hundreds of thousands of AST objects alive, and every full garbage collection
then walks them all, blocking the event loop for a second or more. Here only
documents that passed validation, and are of an ordinary size, are kept.

Validation also steps aside when an earlier check already refused the
document (the work those checks exist to avoid), and can leave out graphql-
core's "Did you mean …?" suggestions, which name fields, arguments, types and
enum values a server without introspection keeps to itself.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

# Rules Strawberry adds to graphql-core's for its own input types.
_STRAWBERRY_RULES: tuple[type[ASTValidationRule], ...] = (
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)
# Operations as clients write them are a few hundred to a few thousand characters.
MAX_CACHED_CHARACTERS = 10_000


class ValidDocuments:
    """Parsed documents that passed validation, by their text; least recently used go first."""

    def __init__(self, maxsize: int = 256, max_characters: int = MAX_CACHED_CHARACTERS) -> None:
        self.maxsize = maxsize
        self.max_characters = max_characters
        self._documents: OrderedDict[str, DocumentNode] = OrderedDict()

    def get(self, query: str) -> DocumentNode | None:
        document = self._documents.get(query)
        if document is not None:
            self._documents.move_to_end(query)
        return document

    def add(self, query: str, document: DocumentNode) -> None:
        if len(query) > self.max_characters:
            return
        self._documents[query] = document
        self._documents.move_to_end(query)
        while len(self._documents) > self.maxsize:
            self._documents.popitem(last=False)

    def __len__(self) -> int:
        return len(self._documents)


def run_validation(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    return validate(
        schema, document, (*rules, *_STRAWBERRY_RULES), hide_suggestions=hide_suggestions
    )


class ReuseValidDocument(SchemaExtension):
    """Skips parsing a text that was parsed and validated before."""

    def __init__(self, *, documents: ValidDocuments) -> None:
        super().__init__()
        self.documents = documents

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and context.graphql_document is None:
            context.graphql_document = self.documents.get(context.query)
        yield


class Validation(SchemaExtension):
    def __init__(self, *, documents: ValidDocuments, hide_suggestions: bool) -> None:
        super().__init__()
        self.documents = documents
        self.hide_suggestions = hide_suggestions

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            if context.query and self.documents.get(context.query) is document:
                context.pre_execution_errors = []  # validated when it was first seen
            else:
                errors = run_validation(
                    context.schema._schema,
                    document,
                    tuple(context.validation_rules),
                    self.hide_suggestions,
                )
                context.pre_execution_errors = errors
                if not errors and context.query:
                    self.documents.add(context.query, document)
        yield
