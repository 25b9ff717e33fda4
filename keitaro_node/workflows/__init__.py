"""YAML workflows (and n8n exports converted to them): load and check them (errors give file,
line and key), then run them in n8n's v1 order.

The package: ``document`` (reading, schema, checks, overrides), ``graph``
(connections and cycles), ``runner`` (order and execution), ``nodes`` (one module per node type,
registered in ``nodes.TABLE``), ``model`` (the shapes).
"""

from ..safe_yaml import WorkflowLoader, parse_yaml
from .document import apply_overrides, check_document, from_document, load_workflow, schema
from .launch import run_workflow
from .model import NodeFailed, NodeProgress, RunResult, Workflow, WorkflowError, WorkflowNode
from .runner import Runner

__all__ = [
    "NodeFailed",
    "NodeProgress",
    "RunResult",
    "Runner",
    "Workflow",
    "WorkflowError",
    "WorkflowLoader",
    "WorkflowNode",
    "apply_overrides",
    "check_document",
    "from_document",
    "load_workflow",
    "parse_yaml",
    "run_workflow",
    "schema",
]
