"""The shapes of a workflow run: nodes, the workflow, the result, and the errors that stop it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import InputError, KeitaroNodeError
from ..expressions import NodeRun
from ..model import Item

NodeProgress = Callable[[str, int, int], None]
"""Called with (node name, items done, items in all)."""


class WorkflowError(InputError):
    """An invalid workflow: the message starts with ``file:line: key``."""


class NodeFailed(KeitaroNodeError):
    """The run stopped: an item of a node with ``onError: stopWorkflow`` failed."""

    def __init__(self, node: str, item_index: int, message: str, description: str | None) -> None:
        super().__init__(f"node {node!r}, item {item_index}: {message}", description=description)
        self.node = node
        self.item_index = item_index
        self.reason = message
        self.runs: Mapping[str, Any] = {}
        """The nodes that ran before the run stopped (name -> NodeRun), when it was running."""
        self.history: Mapping[str, Any] = {}
        """Every run of each of them, in order (name -> [NodeRun])."""


MALFORMED = (TypeError, AttributeError, KeyError, IndexError, ValueError)
"""What reading a node's parameters raises when they are not of the shapes its type reads (a
hand-edited export, an n8n version that writes them otherwise)."""


def malformed(exc: Exception) -> str:
    return f"its parameters are not of the shape this node type reads ({type(exc).__name__}: {exc})"


@dataclass(frozen=True)
class WorkflowNode:
    name: str
    type: str
    config: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.config.get(key, default)


@dataclass(frozen=True)
class Workflow:
    name: str
    nodes: tuple[WorkflowNode, ...]
    connections: Mapping[str, Mapping[str, tuple[str, ...]]]
    """Source -> {output: target names}."""
    credentials: Mapping[str, Any] | None = None
    env: tuple[str, ...] = ()
    timezone: str | None = None
    """settings.timezone; None: n8n's default (GENERIC_TIMEZONE, else America/New_York)."""
    id: str | None = None
    """The workflow's id (an n8n export's), what an errorWorkflow setting names."""
    error_workflow: str | None = None
    """settings.errorWorkflow: the workflow (id or name) that runs when an execution fails."""
    source: Path | None = None
    document: Mapping[str, Any] = field(default_factory=dict, repr=False)
    inputs: Mapping[tuple[str, str, str], tuple[int, ...]] = field(default_factory=dict)
    """(source, output, target) -> the target's input of each such connection, where one is not
    the first (Merge)."""
    pin_data: Mapping[str, Sequence[Item]] = field(default_factory=dict)
    """An n8n export's pinned output per node, used only when a run asks for it."""
    warnings: tuple[str, ...] = ()
    """What the user should know about how the workflow was read (an n8n export's settings
    that runs here do not follow); a run reports them with its own."""

    @cached_property
    def _by_name(self) -> dict[str, tuple[int, WorkflowNode]]:
        return {n.name: (i, n) for i, n in enumerate(self.nodes, 1)}

    @cached_property
    def _parents(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for src, outs in self.connections.items():
            for target in dict.fromkeys(t for targets in outs.values() for t in targets):
                found.setdefault(target, []).append(src)
        return found

    def node(self, name: str) -> WorkflowNode:
        return self._by_name[name][1]

    def parents(self, name: str) -> list[str]:
        return list(self._parents.get(name, ()))

    def ancestors(self, name: str) -> set[str]:
        found: set[str] = set()
        todo = self.parents(name)
        while todo:
            node = todo.pop()
            if node not in found:
                found.add(node)
                todo += self.parents(node)
        return found

    def targets(self, source: str, output: str) -> list[tuple[str, int]]:
        """The nodes an output of ``source`` feeds, each with the input it reaches."""
        seen: dict[str, int] = {}
        found = []
        for target in self.connections.get(source, {}).get(output, ()):
            nth = seen[target] = seen.get(target, -1) + 1
            indexes = self.inputs.get((source, output, target), ())
            found.append((target, indexes[nth] if nth < len(indexes) else 0))
        return found

    def slots(self, name: str) -> int:
        """How many inputs of the node are connected, as n8n counts them (up to the last one
        connected): a node with one waits for nothing."""
        return 1 + max(
            (i for (_, _, target), ii in self.inputs.items() if target == name for i in ii),
            default=0,
        )

    def place(self, name: str) -> tuple[float, float]:
        """Where the node is drawn, (y, x): n8n runs the children of a node top to bottom,
        then left to right. A node without ``position`` is placed as export-n8n draws it."""
        index, node = self._by_name[name]
        x, y = node.get("position") or (240 * index, 300)
        return float(y), float(x)


@dataclass(frozen=True)
class Start:
    """What starts an execution: the trigger that fired and the items of its event (a request,
    a schedule firing, a failed execution); ``output``: the trigger's output they leave by (a
    Webhook for several methods has one per method), default its first."""

    trigger: str
    items: Sequence[Item]
    output: str | None = None


@dataclass(frozen=True)
class Response:
    """What a Respond to Webhook node answers: status, headers (lower-case names) and body (a
    JSON value, text, or None for no body)."""

    status: int
    headers: Mapping[str, str]
    body: Any


@dataclass
class RunResult:
    items: list[Item]
    """The output of the last nodes (those with no children), in execution order."""
    runs: dict[str, NodeRun]
    order: list[str]
    failed: int = 0
    """Items that failed and were kept (continue-on-fail) across the run."""
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    """What the user should know that is not an error (n8n's execution hints)."""
    history: dict[str, list[NodeRun]] = field(default_factory=dict)
    """Every run of each node in order (a node in a loop runs several times), when outputs are
    kept; ``runs`` has the last of each."""

    def __repr__(self) -> str:
        # Short: asyncio.run formats the finished task's result (Python 3.11's signal check), and
        # a full repr of every item of a large run costs a noticeable part of a second.
        return (
            f"RunResult({len(self.items)} items out, {len(self.order)} node runs, "
            f"{self.failed} failed, {self.seconds:.2f} s)"
        )
