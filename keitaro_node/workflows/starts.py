"""Where an execution starts: the trigger that fired, with its event's items; in a manual run
the first trigger, with what n8n's manual run makes (or its pinned data); without a trigger,
every node that has no parent, with one empty item."""

from __future__ import annotations

from ..model import Item
from .model import Start, Workflow, WorkflowNode
from .nodes import TABLE, NodeType, Outputs, Run

Task = tuple[str, list[list[Item]], str | None, tuple[str | None, ...]]
"""A node ready to run: its name, its inputs, the node its (first) input came from, and the
node each input came from (for a node with several)."""


def starts(workflow: Workflow, start: Start | None) -> list[Task]:
    """The first tasks: the trigger that fired; in a manual run the first trigger (a Manual
    Trigger before the others, as n8n's getStartNode), else every node without a parent."""
    if start is not None:
        return [(start.trigger, [], None, ())]
    triggers = [n for n in workflow.nodes if TABLE[n.type].manual and not n.get("disabled")]
    if triggers:
        first = min(triggers, key=lambda n: n.type not in ("manualTrigger", "start"))
        return [(first.name, [], None, ())]
    return [
        (n.name, [[{"json": {}}]], None, ())
        for n in sorted(workflow.nodes, key=lambda n: workflow.place(n.name))
        if not workflow.parents(n.name) and not TABLE[n.type].manual
    ]


def event(
    workflow: Workflow, start: Start | None, node: WorkflowNode, kind: NodeType, run: Run
) -> Outputs:
    """A trigger's output: its event's items (as it shapes them); in a manual run its pinned
    data (n8n's pinned trigger data, say a Webhook's request), else what n8n's manual run
    makes."""
    first = kind.outputs(node.config)[0]
    if start is not None and node.name == start.trigger:
        items = list(start.items)
        return {start.output or first: kind.shape(node, items) if kind.shape else items}
    if node.name in workflow.pin_data:
        return {first: [{"json": i["json"]} for i in workflow.pin_data[node.name]]}
    assert kind.manual is not None
    return {first: kind.manual(node, run)}
