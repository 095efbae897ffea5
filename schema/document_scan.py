"""Refuse oversized documents before graphql-core's parser reads them.

graphql-core's lexer and parser are pure Python: a document of 5,000 tokens
takes tens of milliseconds to parse. One regular expression (run in C) finds the
same tokens — punctuators, names, numbers and strings; not whitespace, commas
or comments — and a small state machine over them counts definitions and field
nodes as written (each fragment once, a spread as one field), per selection set
and in the document. Those are lower bounds of what the checks after parsing
count (which write fragments out), so a document refused here would be refused
there too, only later. The document's length is checked first: tokens do not
bound a string or a comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from schema.document_limits import DocumentLimits, refusal, too_many_definitions

_TOKEN = re.compile(
    r'"""(?:\\"""|(?!""").)*"""'  # block string
    r'|"(?:[^"\\\n\r]|\\.)*"'  # string
    r"|#[^\n\r]*"  # comment: not a token
    r"|\.\.\."
    r"|[!$&():=@\[\]{|}]"
    r"|-?[0-9][0-9A-Za-z_.+-]*"  # number (malformed ones are the parser's to refuse)
    r"|[_A-Za-z][_0-9A-Za-z]*",
    re.DOTALL,
)
_NAME_START = frozenset("_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True)
class Scan:
    tokens: int
    fields: int
    widest: int  # field nodes written directly in one selection set
    definitions: int  # operations and fragments


def scan(source: str, max_tokens: int) -> Scan:
    """Tokens and field nodes of the document, reading no further than max_tokens + 1 tokens.

    Braces outside parentheses open selection sets (input objects only occur in
    arguments and variable defaults, inside parentheses). In a selection set, a
    name is a field unless it follows `@` (a directive), `...` (a fragment, or
    `on` and its type), or is an alias (the next token is `:`). A fragment
    spread counts as one field: its fragment holds at least one.
    """
    tokens = fields = widest = definitions = 0
    open_sets: list[int] = []  # fields so far in each open selection set
    parens = 0
    skip_names = 0  # names that follow `...` or `@`
    counted_last = False  # the previous token was counted as a field
    last = ""
    for match in _TOKEN.finditer(source):
        lexeme = match.group()
        if lexeme[0] == "#":
            continue
        tokens += 1
        if tokens > max_tokens:
            break
        was_counted, counted_last = counted_last, False
        previous, last = last, lexeme
        if lexeme == "(":
            parens += 1
        elif lexeme == ")":
            parens = max(parens - 1, 0)
        elif parens:
            continue
        elif lexeme == "{":
            definitions += not open_sets  # each definition has one outermost set
            open_sets.append(0)
            skip_names = 0
        elif lexeme == "}":
            if open_sets:
                widest = max(widest, open_sets.pop())
        elif lexeme == "..." or lexeme == "@":
            skip_names = 1
        elif lexeme == ":" and was_counted and open_sets:
            open_sets[-1] -= 1  # that name was an alias; the field's name comes next
            fields -= 1
        elif lexeme[0] in _NAME_START and open_sets:
            if skip_names:
                skip_names -= 1
                if lexeme == "on":
                    skip_names = 1  # the type condition's name
                elif previous == "...":
                    # A fragment spread brings at least one field into this set.
                    open_sets[-1] += 1
                    fields += 1
                continue
            open_sets[-1] += 1
            fields += 1
            counted_last = True
    widest = max([widest, *open_sets])
    return Scan(tokens=tokens, fields=fields, widest=widest, definitions=definitions)


def count_tokens(source: str, stop_after: int) -> int:
    """Tokens in the document, counting no further than `stop_after` + 1."""
    return scan(source, stop_after).tokens


class DocumentScan(SchemaExtension):
    def __init__(self, *, max_tokens: int, max_characters: int, limits: DocumentLimits) -> None:
        super().__init__()
        self.max_tokens = max_tokens
        self.max_characters = max_characters
        self.limits = limits

    def on_parse(self) -> Iterator[None]:
        query = self.execution_context.query
        if query and len(query) > self.max_characters:
            # Tokens do not bound a string's or a comment's length, and the
            # lexer reads them a character at a time (~0.2 ms per 1,000).
            raise GraphQLError(
                f"Syntax Error: Document is longer than {self.max_characters} characters. "
                "Parsing aborted."
            )
        if query:
            found = scan(query, self.max_tokens)
            if found.tokens > self.max_tokens:
                # graphql-core's own wording for the same refusal.
                raise GraphQLError(
                    f"Syntax Error: Document contains more than {self.max_tokens} tokens. "
                    "Parsing aborted."
                )
            error = refusal(found.fields, found.widest, self.limits) or too_many_definitions(
                found.definitions, self.limits
            )
            if error is not None:
                raise error
        yield
