"""Settling a node's results: what its failures become (n8n's error items, the error output),
and retried items' results merged back."""

from __future__ import annotations

from collections.abc import Sequence

from ..model import Item
from ..outcomes import Failure
from .conditions import ConditionError
from .model import NodeFailed, WorkflowNode, malformed
from .nodes import Outputs
from .nodes.base import Results
from .values import ConversionError


def malformed_node(node: WorkflowNode, exc: Exception) -> NodeFailed:
    """A node whose parameters are not of the shapes its type reads (a hand-edited export, a
    version that writes them otherwise) fails with what went wrong, not with a traceback."""
    if isinstance(exc, ConditionError | ConversionError):  # n8n's own messages
        return NodeFailed(node.name, 0, str(exc), None)
    return NodeFailed(
        node.name, 0, malformed(exc), "compare them with what n8n writes for this node and version"
    )


def failures(results: Results) -> list[Failure]:
    return [entry for out in results.values() for entry in out if isinstance(entry, Failure)]


def items_of(entries: Sequence[Item | Failure]) -> list[Item]:
    """The n8n items of one output: each failure as the item that stands for it, if any."""
    out: list[Item] = []
    for entry in entries:
        if not isinstance(entry, Failure):
            out.append(entry)
        elif entry.item is not None:
            out.append(entry.item)
    return out


def replaced(results: Results, retried: set[int], again: Results) -> Results:
    """``results`` with the entries of the retried input items replaced by the new ones."""
    merged: dict[str, list[Item | Failure]] = {}
    for name in dict.fromkeys([*results, *again]):
        kept = [e for e in results.get(name, ()) if _index(e) not in retried]
        merged[name] = sorted([*kept, *again.get(name, ())], key=_index)
    return merged


def _index(entry: Item | Failure) -> int:
    if isinstance(entry, Failure):
        return entry.index
    paired = entry.get("pairedItem")
    return paired.get("item", 0) if isinstance(paired, dict) else 0


def error_output(outs: Outputs, inputs: list[list[Item]], failed: set[int]) -> Outputs:
    """n8n's handleNodeErrorOutput: items of n8n's error shape (``json`` is just ``error``, or
    ``error`` and ``message``) move to the error output, each with the fields of the input item
    it stands for; so do the error items of a node type that routes its own (``failed``: their
    ids)."""
    routed: Outputs = {}
    errors: list[Item] = []
    for name, items in outs.items():
        routed[name] = []
        for item in items:
            data = item["json"]
            shape = set(data) == {"error"} or (
                set(data) == {"error", "message"} and data["message"]
            )
            if id(item) not in failed and not (data.get("error") and shape):
                routed[name].append(item)
                continue
            paired = item.get("pairedItem")
            link = paired[0] if isinstance(paired, list) and paired else paired
            source = None
            if isinstance(link, dict):
                items_in = (
                    inputs[link.get("input", 0)] if link.get("input", 0) < len(inputs) else []
                )
                index = link.get("item", 0)
                source = items_in[index] if index < len(items_in) else None
            merged = {**source["json"], **data} if source else data
            errors.append({**item, "json": merged})
    return {**routed, "error": errors}
