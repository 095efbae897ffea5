"""Entity tags: which stored objects a response was built from.

`Course:<id>` names one entity, `Course` every list of courses. The objects a
response shows are recorded where they are built from stored documents (the
schema types' `from_doc`), into the set of the operation that runs; writes name
what they changed with the same strings, and the cache purges by them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_seen: ContextVar[set[str] | None] = ContextVar("leeto_cache_tags", default=None)


def entity_tag(type_name: str, entity_id: object) -> str:
    return f"{type_name}:{entity_id}"


def type_tag(type_name: str) -> str:
    return type_name


def record_entity(type_name: str, entity_id: object) -> None:
    """Called wherever an object of the schema is built from a stored document."""
    seen = _seen.get()
    if seen is not None:
        seen.add(entity_tag(type_name, entity_id))


@contextmanager
def collecting() -> Iterator[set[str]]:
    """Tags recorded while the block runs (in this task and the tasks it starts)."""
    seen: set[str] = set()
    token = _seen.set(seen)
    try:
        yield seen
    finally:
        _seen.reset(token)
