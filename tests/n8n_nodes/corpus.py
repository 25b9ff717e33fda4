"""How much of a collection of n8n exports imports here, and which node types stop the rest.

    python -m tests.n8n_nodes.corpus DIR      # every *.json under DIR with nodes and connections

Exports are deduplicated by their nodes and connections. An export imports when
``keitaro_node.n8n.import_n8n`` accepts it whole (every node type supported, every parameter
valid); the blockers are counted once per export that uses them.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
from pathlib import Path
from typing import Any

from keitaro_node.n8n import import_n8n
from keitaro_node.workflows import WorkflowError


def exports(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    seen, found = set(), []
    for path in sorted(folder.rglob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list):
            continue
        if not doc.get("connections"):
            continue
        key = json.dumps([doc["nodes"], doc["connections"]], sort_keys=True, default=str)
        digest = hashlib.sha256(key.encode()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            found.append((path, doc))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    found = exports(args.folder)
    imported, blockers = 0, collections.Counter[str]()
    for path, doc in found:
        try:
            import_n8n(doc, str(path))
            imported += 1
        except WorkflowError as exc:
            text = str(exc)
            kinds = {n.get("type") for n in doc["nodes"] if isinstance(n, dict)}
            named = [k for k in kinds if k and f"({k})" in text.split("; supported:")[0]]
            blockers.update(named or ["(another problem)"])
    print(f"{imported}/{len(found)} distinct exports import ({imported / max(1, len(found)):.1%})")
    for kind, count in blockers.most_common(20):
        print(f"  {count / len(found):6.1%}  {kind}")


if __name__ == "__main__":
    main()
