"""Fragments in an order where each comes after every fragment it spreads.

The document checks weigh each fragment once and reuse the figure wherever it
is spread. Following spreads by recursion would need a Python stack frame per
fragment level, and 5,000 tokens can chain about 500 fragments: more than
Python's recursion limit. Weighing fragments in this order needs recursion
only over selection sets nested inside one definition (at most 200 deep,
graphql-core's parser limit).
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)


def spreads(selection_set: SelectionSetNode) -> list[str]:
    """Names of the fragments spread anywhere inside the selection set."""
    names: list[str] = []
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.append(selection.name.value)
            elif (
                isinstance(selection, FieldNode | InlineFragmentNode)
                and selection.selection_set is not None
            ):
                pending.append(selection.selection_set)
    return names


def dependency_order(
    fragments: Mapping[str, FragmentDefinitionNode],
) -> tuple[list[str], str | None]:
    """Fragment names, each after those it spreads; and a fragment on a cycle, if any.

    Fragments on a cycle, or spreading one, are left out of the order.
    """
    order: list[str] = []
    state: dict[str, str] = {}  # "open" while its spreads are visited, then "done"
    cycle: str | None = None
    for root in fragments:
        if root in state:
            continue
        stack: list[tuple[str, list[str]]] = [(root, spreads(fragments[root].selection_set))]
        state[root] = "open"
        while stack:
            name, waiting = stack[-1]
            if not waiting:
                stack.pop()
                state[name] = "done"
                order.append(name)
                continue
            child = waiting.pop()
            if child not in fragments or state.get(child) in {"done", "cyclic"}:
                continue
            if state.get(child) == "open":
                cycle = cycle or child
                # Leave the whole path out: each of these spreads a fragment on the cycle.
                for open_name, _ in stack:
                    state[open_name] = "cyclic"
                stack.clear()
                break
            state[child] = "open"
            stack.append((child, spreads(fragments[child].selection_set)))
    return [name for name in order if state.get(name) == "done"], cycle
