"""What every node type declares, and what its run function may use of a workflow run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ...errors import InputError
from ...expressions import Context
from ...model import Credentials, Definition, Item
from ...outcomes import Failure
from ..budget import Budget
from ..model import NodeFailed, Response, Workflow, WorkflowError, WorkflowNode
from ..pairing import paired

TYPE_CHECKING = False
if TYPE_CHECKING:  # aiohttp is imported only when a node sends a request
    from ...core.http import Transport
    from ...node import KeitaroNode

Outputs = dict[str, list[Item]]
"""A node's outputs by name: "main", and "error" for continueErrorOutput."""
Results = Mapping[str, Sequence[Item | Failure]]
"""What a node type's run returns: its outputs, with a ``Failure`` where an item failed. The
runner alone turns failures into n8n's error items, the error output, counts and retries."""
Problems = list[tuple[list[str | int], str]]
"""(path inside the node, message) for each problem found before running."""


class Run(Protocol):
    """The parts of a workflow run (the Runner) a node type may use."""

    credentials: Credentials | None
    budget: Budget
    grace: float
    resume: bool
    source: Path | None
    timezone: str

    def context(self, items: Sequence[Item], index: int, parent: str | None) -> Context: ...

    def path(self, value: str) -> Path: ...

    def keitaro(self, rate_limit: float | None, tracker: Credentials | None = None) -> KeitaroNode:
        """A Keitaro node on the run's one session, for the run's tracker or ``tracker``."""

    def transport(self) -> Transport:
        """The run's one HTTP session (what an HTTP Request node sends through)."""

    def credential(self, kind: str, name: str | None) -> Mapping[str, str]:
        """Credentials of an n8n type by name, from the run's credentials file."""

    def respond(self, response: Response) -> None:
        """A Respond to Webhook node's answer to the request that started the execution."""

    def ancestor_types(self, name: str) -> set[str]:
        """The node types of the nodes before this one."""

    def node_context(self, name: str) -> dict[str, Any]:
        """The node's context in this execution (n8n's getContext('node')), kept between its
        runs; expressions read it as ``$('Name').context``."""

    def pair_to(self, name: str, source: str | None) -> None:
        """This run's output pairs with the items of ``source`` (not of the node that fed it
        this time): a loop's batches pair with what the loop was given."""

    def find_workflow(self, key: str) -> Workflow:
        """A workflow by id or name (a served one, or one in this workflow's folder)."""

    def load_workflow(self, path: Path) -> Workflow: ...

    def workflow_from_json(self, text: str) -> Workflow: ...

    async def execute_workflow(
        self, workflow: Workflow, items: list[Item], *, wait: bool = True
    ) -> list[Item]:
        """Run ``workflow`` from its Execute Workflow Trigger with ``items``: what its last node
        output (nothing, without ``wait``: it runs on, and the run waits for it at its end)."""

    def progress(self, node: str) -> Callable[[int, int], None]: ...

    async def sleep(self, seconds: float) -> None: ...

    def warn(self, node: str, message: str) -> None:
        """Something the user should know that is not an error (n8n's execution hints)."""


@dataclass(frozen=True)
class Checker:
    """What checks before running may consult."""

    definition: Definition


COMMON: dict[str, Any] = {
    "name": {
        "description": "Unique node name (used in connections and in $('Name')).",
        "type": "string",
        "minLength": 1,
    },
    "notes": {"description": "Free text.", "type": "string"},
    "position": {
        "description": "[x, y] on n8n's canvas: n8n runs the children of a node top to bottom, "
        "then left to right (default: as export-n8n draws the nodes, in the order written).",
        "type": "array",
        "items": {"type": "number"},
        "minItems": 2,
        "maxItems": 2,
    },
    "disabled": {"description": "A disabled node passes its input through.", "type": "boolean"},
    "onError": {
        "description": "stopWorkflow (default), continueRegularOutput (error items in the "
        "main output) or continueErrorOutput (error items on the 'error' "
        "output).",
        "enum": ["stopWorkflow", "continueRegularOutput", "continueErrorOutput"],
    },
    "retryOnFail": {"description": "Retry failed items.", "type": "boolean"},
    "maxTries": {
        "description": "Attempts with retryOnFail (n8n clamps to 2..5; default 3).",
        "type": "integer",
        "minimum": 1,
        "maximum": 10,
    },
    "waitBetweenTries": {
        "description": "Milliseconds between attempts (0..5000; default 1000).",
        "type": "integer",
        "minimum": 0,
        "maximum": 5000,
    },
    "executeOnce": {"description": "Process only the first input item.", "type": "boolean"},
    "webhookId": {
        "description": "n8n's id of the node's webhook (a Webhook path with :parameters is "
        "served under it: /webhook/<webhookId>/<path>).",
        "type": "string",
    },
    "alwaysOutputData": {
        "description": "Output one empty item when the node would output none.",
        "type": "boolean",
    },
}
"""Settings every node has, as in n8n."""


@dataclass(frozen=True)
class NodeType:
    """One node type: its YAML schema fragment, how it runs, and how it maps to n8n."""

    name: str
    description: str
    run: Callable[[WorkflowNode, list[Item], str | None, Run], Awaitable[Results]]
    properties: Mapping[str, Any] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    check: Callable[[Mapping[str, Any], Checker], Problems] | None = None
    n8n_types: tuple[str, ...] = ()
    """n8n type names imported as this type."""
    from_n8n: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    """An n8n node (parameters, typeVersion, …) -> this type's YAML keys."""
    to_n8n: Callable[[WorkflowNode, Definition], dict[str, Any]] | None = None
    """This node -> n8n's type, typeVersion, parameters (and credentials)."""
    output_names: Callable[[Mapping[str, Any]], tuple[str, ...]] = lambda node: ("main",)
    export_warnings: Callable[[WorkflowNode], list[str]] = lambda node: []
    """What n8n cannot express of this node: export keeps the YAML node beside the n8n one (so
    that this project reads it back whole) and says so."""
    input_count: Callable[[Mapping[str, Any]], int] = lambda node: 1
    """How many inputs the node waits for (Merge: 2 or more)."""
    run_inputs: (
        Callable[[WorkflowNode, list[list[Item]], str | None, Run], Awaitable[Results]] | None
    ) = None
    """For a node with several inputs: runs with all of them (``run`` gets the first)."""
    retry: (
        Callable[[WorkflowNode, list[Item], list[int], str | None, Run], Awaitable[Results]] | None
    ) = None
    """Item-wise retryOnFail: runs again for these input items only (their failures are
    replaced). Without it, retryOnFail runs the whole node again when it stopped, as n8n does."""
    runs_code: bool = False
    """Runs the user's JavaScript on the execution's worker thread (Code, Function)."""
    routes_errors: bool = False
    """With continueErrorOutput, every failure's error item goes to the error output (n8n itself
    moves only items of its error shape, ``{error}`` or ``{error, message}``)."""
    read_output: str | None = None
    """The output expressions read (``$('Name').item``) when it has items; default the first
    (a loop's batches leave by its second output)."""
    loops: bool = False
    """Can end a loop: a cycle of connections through it is allowed (Loop Over Items, If,
    Switch, Filter); the runner bounds how often a node runs."""
    manual: Callable[[WorkflowNode, Run], list[Item]] | None = None
    shape: Callable[[WorkflowNode, list[Item]], list[Item]] | None = None
    """A trigger that shapes the items of its event (the Execute Workflow Trigger's inputs)."""
    """A trigger (where an execution starts, with no input): the items a run from the command
    line starts it with, as n8n's manual run makes them. None: not a trigger."""
    required_inputs: Callable[[Mapping[str, Any]], tuple[int, ...]] = lambda node: ()
    """n8n's requiredInputs: the inputs that must have data for the node to run while another
    input has none (none named: any one input will do)."""

    def outputs(self, node: Mapping[str, Any]) -> tuple[str, ...]:
        """The node's outputs in n8n's order (an error output is added by onError)."""
        names = self.output_names(node)
        return (*names, "error") if node.get("onError") == "continueErrorOutput" else names

    def schema(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "type", *self.required],
            "properties": {
                **COMMON,
                "type": {"description": "Node type.", "const": self.name},
                **self.properties,
            },
        }


def failed(node: WorkflowNode, exc: NodeFailed, item: Item) -> Failure:
    """Input item ``exc.item_index`` failed: the run stops here unless the node continues on
    fail, when ``item`` stands for it."""
    if not continues(node):
        raise exc from None
    return Failure(exc.item_index, exc, item)


def continues(node: Mapping[str, Any] | WorkflowNode) -> bool:
    """Whether the node goes on when an item fails (n8n's continueOnFail): onError is set to
    one of the continue settings."""
    return bool(node.get("onError", "stopWorkflow") != "stopWorkflow")


def passed(items: Sequence[Item]) -> list[Item]:
    """Items going on unchanged, each paired with the input item it came from (the input item
    itself when it already is that: items are not changed in place)."""
    return [_paired_with(item, i) for i, item in enumerate(items)]


def _paired_with(item: Item, index: int) -> Item:
    pairing = paired(index)
    if len(item) == 2 and item.get("pairedItem") is pairing:
        return item
    return {"json": item["json"], "pairedItem": pairing}


def n8n_native(
    n8n_type: str, default_version: float, credentials: str | None = None
) -> dict[str, Any]:
    """Import/export and schema pieces of a node type whose YAML form is n8n's own parameters;
    with ``credentials`` (its description), the node's credentials by n8n type go along."""

    def kept(node: Mapping[str, Any] | WorkflowNode) -> dict[str, Any]:
        chosen = node.get("credentials") if credentials else None
        return {"credentials": chosen} if chosen else {}

    def from_n8n(raw: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "typeVersion": raw.get("typeVersion", default_version),
            "parameters": raw.get("parameters") or {},
            **kept(raw),
        }

    def to_n8n(node: WorkflowNode, definition: Definition) -> dict[str, Any]:
        return {
            "type": n8n_type,
            "typeVersion": node.get("typeVersion", default_version),
            "parameters": node.get("parameters") or {},
            **kept(node),
        }

    properties: dict[str, Any] = {
        "typeVersion": {"description": f"{n8n_type}'s version.", "type": "number"},
        "parameters": {
            "description": f"{n8n_type}'s parameters, as n8n writes them.",
            "type": "object",
        },
    }
    if credentials:
        properties["credentials"] = {"description": credentials, "type": "object"}
    return {
        "n8n_types": (n8n_type,),
        "from_n8n": from_n8n,
        "to_n8n": to_n8n,
        "properties": properties,
    }


def credential_name(node: WorkflowNode, kind: str) -> str | None:
    """The name of the ``kind`` credentials a node chooses: YAML's ``{kind: NAME}`` or an n8n
    export's ``{kind: {id, name}}``; None when it names none."""
    chosen = (node.get("credentials") or {}).get(kind)
    name = chosen.get("name") if isinstance(chosen, Mapping) else chosen
    return str(name) if name else None


KEITARO_CREDENTIALS = "keitaroApi"


def tracker(node: WorkflowNode, ctx: Run) -> Credentials:
    """The node's Keitaro tracker: the ``keitaroApi`` credentials it names, when the credentials
    file has them (several trackers in one workflow), else the run's."""
    name = credential_name(node, KEITARO_CREDENTIALS)
    try:
        values = ctx.credential(KEITARO_CREDENTIALS, name) if name else None
    except InputError as exc:
        if ctx.credentials is None:
            raise WorkflowError(f"{ctx.source}: node {node.name!r}: {exc.message}") from None
        values = None  # a name the file lacks (an export's "Keitaro account"): the run's tracker
    if values is not None:
        return Credentials(values["domain"], values["apiKey"], values.get("postbackKey"))
    if ctx.credentials is None:
        raise WorkflowError(f"{ctx.source}: node {node.name!r}: no credentials")
    return ctx.credentials
