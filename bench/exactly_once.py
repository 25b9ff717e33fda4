"""Creates through a misbehaving proxy: how many end ok, with and without reconciliation.

The emulator's faults play the proxy in front of a tracker: 10% 500 and 5% 429 before the tracker
sees the request, 4% connections dropped and 2% answers cut off after it applied the write. 300
offer creates and 300 campaign creates at concurrency 8, first with the definition's
reconciliation turned off (the baseline: what a client without it gets), then as shipped.
Target: ≥ 99% ok, no duplicate, no record that exists while its item says it failed.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from keitaro_node import Credentials, KeitaroNode, RetryPolicy
from keitaro_node.core.definition import load_definition
from keitaro_node.emulator import Emulator
from keitaro_node.model import Definition

from .common import Result

KEY = "exactly-once-bench-key"
FAULTS = "500=0.10,429=0.05,drop=0.04,truncate=0.02,retry_after=0"
RETRY = RetryPolicy(max_attempts=6, base_delay=0.005, max_delay=0.05)
KINDS = {
    "offer": ("/offers", lambda n: {"offerData": {"name": n, "payout_value": 1}}),
    "campaign": ("/campaigns", lambda n: {"campaignData": {"name": n, "alias": n}}),
}


def without_reconciliation(definition: Definition) -> Definition:
    resources = {
        name: dataclasses.replace(
            res,
            operations={
                value: dataclasses.replace(op, reconcile=None)
                for value, op in res.operations.items()
            },
        )
        for name, res in definition.resources.items()
    }
    return dataclasses.replace(definition, resources=resources)


async def creates(definition: Definition, count: int, seed: int) -> dict[str, dict[str, int]]:
    """Per resource: ok, reconciled, flagged, duplicates, applied while its item failed."""
    out: dict[str, dict[str, int]] = {}
    async with Emulator(api_key=KEY, seed=None, faults=f"{FAULTS},seed={seed}") as emu:
        node = KeitaroNode(Credentials(emu.url, KEY), definition=definition, retry=RETRY)
        for resource, (path, params) in KINDS.items():
            names = [f"{resource}-{seed}-{i}" for i in range(count)]
            items = await node.execute(
                [{"json": {"name": n}} for n in names],
                resource=resource,
                operation="create",
                parameters=lambda js, i, params=params: params(js["name"]),  # type: ignore[misc]
                continue_on_fail=True,
                concurrency=8,
            )
            emu.set_faults(None)
            stored = [o["name"] for o in emu.store.all(path.strip("/"))]
            emu.set_faults(f"{FAULTS},seed={seed + 1}")
            results = [o["json"] for o in items]
            failed = [n for n, r in zip(names, results, strict=True) if not r["success"]]
            out[resource] = {
                "ok": sum(r["success"] for r in results),
                "reconciled": sum(bool(r.get("reconciled")) for r in results),
                "flagged": sum(
                    "may have been applied" in (r.get("error") or {}).get("description", "")
                    for r in results
                ),
                "duplicates": len(stored) - len(set(stored)),
                "applied_but_failed": sum(1 for n in failed if n in stored),
            }
    return out


def run(count: int = 300, seed: int = 5) -> list[Result]:
    definition = load_definition()
    before = asyncio.run(creates(without_reconciliation(definition), count, seed))
    after = asyncio.run(creates(definition, count, seed))
    results = []
    for resource in KINDS:
        a, b = after[resource], before[resource]
        share = a["ok"] / count
        clean = a["duplicates"] == 0 and a["applied_but_failed"] == 0
        results.append(
            Result(
                f"exactly-once: {count} {resource} creates",
                f"{a['ok']} ok ({a['reconciled']} reconciled), {a['flagged']} flagged, "
                f"{a['duplicates']} duplicates, {a['applied_but_failed']} applied but failed; "
                f"without reconciliation {b['ok']} ok, {b['applied_but_failed']} applied but "
                f"failed",
                ratio=share,
                target=">= 0.99 ok, 0 dup, 0 lost",
                passed=share >= 0.99 and clean,
            )
        )
    return results


def _print(results: list[Any]) -> None:
    for result in results:
        print(result.line())


if __name__ == "__main__":
    _print(run())
