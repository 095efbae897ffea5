"""Who hears of each DataLoader batch: metrics, set per operation by the server.

A context variable, so a batch reports to whoever runs the operation that
asked for it, without the loaders knowing about metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

BatchObserver = Callable[[str, int], None]

batch_observer: ContextVar[BatchObserver | None] = ContextVar("leeto_batch_observer", default=None)


def report_batch(loader: object, size: int) -> None:
    observer = batch_observer.get()
    if observer is not None:
        observer(type(loader).__name__, size)


def report_field_batch(coordinate: str, size: int) -> None:
    """A batched field's call with `size` parents, reported as `Type.field`."""
    observer = batch_observer.get()
    if observer is not None:
        observer(coordinate, size)
