"""n8n's own node test workflows (they live beside each node in n8n-io/n8n, e.g.
``packages/nodes-base/nodes/Merge/test/node/*.json``; their ``pinData`` is what n8n's tests
expect) run through this project, node by node. The files are n8n's and stay out of this
repository: download them into a folder, or let ``--fetch`` do it where GitHub is reachable.

    python -m tests.n8n_nodes.upstream DIR            # compare each workflow in DIR with its pins
    python -m tests.n8n_nodes.upstream DIR --oracle   # also ask n8n 1.95 where a pin differs
    python -m tests.n8n_nodes.upstream DIR --fetch    # download the files below into DIR first

n8n's test harness node ``n8n-nodes-testing.testData`` is read as an ``items`` node (for the
oracle, which lacks it, it becomes a Code node returning the same items). With ``--oracle`` (tests/oracle, ``npm install``) a differing node is also run in
n8n 1.95 itself: a pin written by a later n8n shows as "n8n 1.95 gives ours".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from keitaro_node.embedded import run_workflow
from keitaro_node.errors import KeitaroNodeError
from keitaro_node.n8n import import_n8n

from .pins import n8n_outputs

RAW = "https://raw.githubusercontent.com/n8n-io/n8n/{ref}/packages/nodes-base/nodes/{path}"
FILES = (
    "Code/test/Code.workflow.json",
    "Code/test/ImmutableOutput.workflow.json",
    "Code/test/workflow.do_not_obfuscate_validation_error.json",
    "ExecuteWorkflow/test/node/workflow.parameter.json",
    "Filter/test/workflow_v1.json",
    "Filter/test/workflow_v2.json",
    "If/test/v1/IF.boolean.json",
    "If/test/v1/IF.date-time.json",
    "If/test/v1/IF.number.json",
    "If/test/v1/IF.string.json",
    "If/test/v2/IfV2.boolean.json",
    "If/test/v2/IfV2.date-time.json",
    "If/test/v2/IfV2.number.json",
    "If/test/v2/IfV2.other.json",
    "If/test/v2/IfV2.string.json",
    "Merge/test/node/workflow.append.json",
    "Merge/test/node/workflow.chooseBranch.json",
    "Merge/test/node/workflow.chooseBranch.empty.paired.items.json",
    "Merge/test/node/workflow.combine.mergeByFields.json",
    "Merge/test/node/workflow.combine.mergeByPosition.json",
    "Merge/test/node/workflow.combine.multiplex.json",
    "Merge/test/node/workflow.keep_non_matches.json",
    "Merge/test/node/workflow.update_2_1.json",
    "Set/test/Set.workflow.json",
    "SplitInBatches/test/SplitInBatches.workflow_v2_done_variable.json",
    "Set/test/Set.v3.workflow.json",
    "Set/test/Set.v3_3.workflow.json",
    "Set/test/Set.workflow.null_values.json",
    "Set/test/Set.workflow.number.json",
    "Switch/V1/test/switch.expression.workflow.json",
    "Switch/V1/test/switch.regex.workflow.json",
    "Switch/V1/test/switch.rules.workflow.json",
    "Switch/V2/test/switch.expression.workflow.json",
    "Switch/V2/test/switch.regex.workflow.json",
    "Switch/V2/test/switch.rules.workflow.json",
    "Switch/V3/test/switch.expression.workflow.json",
    "Switch/V3/test/switch.rules.workflow.json",
    "Transform/Aggregate/test/workflow.aggregate.json",
    "Transform/Limit/test/workflow.limit.json",
    "Transform/RemoveDuplicates/test/workflow.removeDuplicates.json",
    "Transform/Sort/test/workflow.sort.json",
    "Transform/SplitOut/test/workflow.splitOut.json",
    "Transform/SplitOut/test/workflow.splitOutObject.json",
    "Transform/SplitOut/test/workflow.destinationFieldDotNotation.json",
    "Transform/SplitOut/test/workflow.prototypePollution.json",
    "Transform/Summarize/test/workflow.summarize.json",
    "Transform/Summarize/test/workflow.summarize_countWithEmpty.json",
    "Transform/Summarize/test/workflow.summarize_datatypes.json",
    "Wait/test/Wait.workflow.json",
)
"""The test workflows made only of node types this project runs (others use the Debug Helper,
Loop Over Items or training nodes)."""


def fetch(folder: Path, ref: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for path in FILES:
        target = folder / path.replace("/", "__")
        with urllib.request.urlopen(RAW.format(ref=ref, path=path), timeout=30) as answer:
            target.write_bytes(answer.read())


def for_oracle(doc: dict[str, Any]) -> dict[str, Any]:
    """The workflow with n8n's testData harness nodes as Code nodes giving the same items (n8n's
    own engine has no testData node outside n8n's test suite)."""
    for node in doc.get("nodes", []):
        if node.get("type") == "n8n-nodes-testing.testData":
            data = json.dumps(node["parameters"]["data"])
            node.update(
                type="n8n-nodes-base.code", typeVersion=2, parameters={"jsCode": f"return {data};"}
            )
    return doc


def compare(path: Path, oracle: bool) -> tuple[int, int, list[str]]:
    """(pinned nodes that match, pinned nodes, a line for each that does not)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    pinned = {name: [{"json": i["json"]} for i in items] for name, items in doc["pinData"].items()}
    try:
        result = asyncio.run(run_workflow(import_n8n(doc, str(path)), environ={}))
    except KeitaroNodeError as exc:
        return 0, len(pinned), [f"  the run stopped: {exc}"]
    got = {name: [{"json": i["json"]} for i in run.items] for name, run in result.runs.items()}
    differing = [name for name, items in pinned.items() if got.get(name) != items]
    n8n: dict[str, Any] = {}
    if differing and oracle:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as copy:
            json.dump(for_oracle(doc), copy)
        n8n = n8n_outputs(Path(copy.name))
        Path(copy.name).unlink()
    lines = []
    for name in differing:
        verdict = ""
        if oracle:
            verdict = (
                "; n8n 1.95 gives ours" if n8n.get(name) == got.get(name) else "; n8n 1.95 too"
            )
        lines.append(f"  {name}: differs from the pin{verdict}")
    return len(pinned) - len(differing), len(pinned), lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("folder", type=Path, help="where n8n's test workflows are (*.json)")
    parser.add_argument("--oracle", action="store_true", help="ask n8n 1.95 where a pin differs")
    parser.add_argument("--fetch", action="store_true", help="download them from GitHub first")
    parser.add_argument("--ref", default="master", help="the n8n git ref to fetch (master)")
    args = parser.parse_args()
    if args.fetch:
        try:
            fetch(args.folder, args.ref)
        except OSError as exc:
            print(f"cannot fetch n8n's test workflows: {exc}", file=sys.stderr)
            return 2
    paths = sorted(args.folder.glob("*.json"))
    if not paths:
        print(f"no *.json in {args.folder}", file=sys.stderr)
        return 2
    matched = total = 0
    for path in paths:
        ok, count, lines = compare(path, args.oracle)
        matched, total = matched + ok, total + count
        print(f"{path.name}: {ok}/{count}", *lines, sep="\n")
    print(f"\n{len(paths)} workflows, {matched}/{total} pinned nodes match")
    return 0 if matched == total else 1


if __name__ == "__main__":
    sys.exit(main())
