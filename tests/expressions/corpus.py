"""The expression corpus (corpus.yaml) against n8n's answers (answers.json).

    python -m tests.expressions.corpus            # compare with the stored answers
    python -m tests.expressions.corpus --oracle   # ask n8n-workflow again (Node.js), store, compare

The oracle is tests/oracle/n8n_eval.js (n8n-workflow 1.95, installed by `npm install` there).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from keitaro_node.expressions import UNDEFINED, Context, ExpressionError, NodeRun, evaluate_js

HERE = Path(__file__).resolve().parent
ORACLE = HERE.parent / "oracle"
ANSWERS = HERE / "answers.json"

DIFFERENCES: dict[str, str] = {}
"""Expressions whose answer differs from n8n on purpose or for a known reason, with the reason."""


def load_differences() -> dict[str, str]:
    data = yaml.safe_load((HERE / "differences.yaml").read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def cases() -> list[dict[str, Any]]:
    """Every case as the oracle reads it: expression, items, index, nodes, timezone, now."""
    corpus = yaml.safe_load((HERE / "corpus.yaml").read_text(encoding="utf-8"))
    out = []
    for group, entries in corpus["groups"].items():
        for entry in entries:
            case = entry if isinstance(entry, dict) else {"expression": entry}
            context = corpus["contexts"][case.get("context", "item")]
            out.append(
                {
                    "group": group,
                    "expression": case["expression"],
                    "items": context["items"],
                    "index": context.get("index", 0),
                    "nodes": context.get("nodes", {}),
                    **corpus["defaults"],
                }
            )
    return out


def ours(case: dict[str, Any]) -> dict[str, Any]:
    """This project's answer, in the oracle's form."""
    items = [{**item, "pairedItem": {"item": i}} for i, item in enumerate(case["items"])]
    nodes = case["nodes"]
    ctx = Context(
        items=items,
        index=case["index"],
        parent=next(iter(nodes), None),
        runs={name: NodeRun(out) for name, out in nodes.items()},
        now=datetime.fromisoformat(case["now"].replace("Z", "+00:00")),
        timezone=case["timezone"],
        workflow_id="1",
        workflow_name="oracle",
    )
    try:
        value = evaluate_js(case["expression"], ctx)
    except ExpressionError as exc:
        return {"error": exc.reason}
    return {"value": {"undefined": True} if value is UNDEFINED else value}


def same(expected: dict[str, Any], got: dict[str, Any]) -> bool:
    """Both refuse, or both give the same value (numbers compared as JavaScript's doubles)."""
    if "error" in expected or "error" in got:
        return "error" in expected and "error" in got
    return _equal(expected["value"], got["value"])


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b) or (math.isnan(float(a)) and math.isnan(float(b)))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def oracle(all_cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not (ORACLE / "node_modules" / "n8n-workflow").exists():
        sys.exit("run `npm install` in tests/oracle first (Node.js and npm are needed)")
    stdin = json.dumps([{k: v for k, v in c.items() if k != "group"} for c in all_cases])
    done = subprocess.run(
        ["node", "n8n_eval.js"],  # noqa: S607 - Node.js from PATH is the point
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ORACLE,
        env={**os.environ, "TZ": "UTC"},
        check=True,
    )
    answers: list[dict[str, Any]] = json.loads(done.stdout)
    return answers


def report(all_cases: list[dict[str, Any]], answers: list[dict[str, Any]]) -> int:
    differences = load_differences()
    agree = 0
    for case, expected in zip(all_cases, answers, strict=True):
        got = ours(case)
        if same(expected, got):
            agree += 1
            continue
        note = differences.get(case["expression"], "NOT LISTED in differences.yaml")
        print(
            f"[{case['group']}] {case['expression']!r}\n  n8n:  {expected}\n  ours: {got}\n  why:  {note}"
        )
    share = agree / len(all_cases)
    print(f"\nagreement with n8n-workflow: {agree}/{len(all_cases)} = {share:.1%}")
    return 0 if share >= 0.97 else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--oracle", action="store_true", help="ask n8n-workflow and store its answers"
    )
    args = parser.parse_args()
    all_cases = cases()
    if args.oracle:
        answers = oracle(all_cases)
        stored = [
            {"expression": c["expression"], **a} for c, a in zip(all_cases, answers, strict=True)
        ]
        ANSWERS.write_text(
            json.dumps(stored, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    else:
        answers = [{k: v for k, v in a.items() if k != "expression"} for a in stored_answers()]
    return report(all_cases, answers)


def stored_answers() -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = json.loads(ANSWERS.read_text(encoding="utf-8"))
    return answers


if __name__ == "__main__":
    sys.exit(main())
