"""Search that works on every engine: lower-case tokens in a multikey field.

Text indexes are MongoDB-only (FerretDB refuses them), so each course stores
the words of its title, summary and tags, plus their prefixes, in
`searchTerms`; a search asks for documents holding every query token.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MIN_PREFIX = 3
MAX_QUERY_TOKENS = 8
_WORD = re.compile(r"[a-z0-9][a-z0-9+#]*")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Words of a text, lower-cased and without accents, in order, no repeats."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(_fold(text)):
        seen.setdefault(word, None)
    return list(seen)


def index_terms(texts: Iterable[str]) -> list[str]:
    """What a document stores: each word and each of its prefixes of 3+ letters."""
    terms: set[str] = set()
    for text in texts:
        for word in tokens(text):
            terms.add(word)
            terms.update(word[:n] for n in range(MIN_PREFIX, len(word)))
    return sorted(terms)


def query_terms(search: str) -> list[str]:
    """What a search asks for; words shorter than a prefix must match whole."""
    return tokens(search)[:MAX_QUERY_TOKENS]
