"""The node types, one module each, registered in ``TABLE`` (YAML type name -> NodeType).

The workflow schema, the checks before running, the runner and n8n import/export all read this
table; a new node type is a module with a ``NODE`` and a line here.
"""

from __future__ import annotations

from . import (
    aggregate,
    code,
    crypto,
    date_time,
    execute_workflow,
    filter,
    function,
    http_request,
    if_,
    item_lists,
    items,
    keitaro,
    limit,
    merge,
    noop,
    output,
    remove_duplicates,
    rename_keys,
    respond_to_webhook,
    set,
    sort,
    split,
    split_in_batches,
    stop_and_error,
    summarize,
    switch,
    telegram,
    triggers,
    wait,
    xml,
)
from .base import COMMON, Checker, NodeType, Outputs, Problems, Run, passed

MODULES = (
    keitaro,
    items,
    split,
    filter,
    set,
    noop,
    output,
    code,
    function,
    if_,
    limit,
    remove_duplicates,
    switch,
    merge,
    sort,
    aggregate,
    wait,
    summarize,
    item_lists,
    date_time,
    http_request,
    stop_and_error,
    telegram,
    rename_keys,
    crypto,
    respond_to_webhook,
    split_in_batches,
    xml,
)
TABLE: dict[str, NodeType] = {
    kind.name: kind
    for kind in (*(m.NODE for m in MODULES), *triggers.NODES, *execute_workflow.NODES)
}

__all__ = ["COMMON", "TABLE", "Checker", "NodeType", "Outputs", "Problems", "Run", "passed"]
