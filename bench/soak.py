"""A fault soak: mixed operations against an emulator that fails often, checked item by item.

``python -m bench.soak --items 20000`` runs a long one by hand; the tests run 2,000 items.
Faults, as a misbehaving proxy in front of a tracker produces them: 10% 500 and 5% 429 (with
Retry-After) before the tracker sees the request, 4% connections dropped and 2% answers cut off
after it applied the write, and latency jitter. It shows that every input item yields exactly one
output item, correctly paired; that creates end ok (retried when refused, reconciled when their
answer was lost), none is applied twice, and every failed one either created nothing or says it
"may have been applied"; that every idempotent item eventually succeeds; and that the API key
appears nowhere.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from keitaro_node import Credentials, KeitaroNode, RetryPolicy
from keitaro_node.core.client import MAY_HAVE_BEEN_APPLIED
from keitaro_node.emulator import Emulator

KEY = "soak-canary-KEY-31c9e0d4a7"
FAULTS = "500=0.10,429=0.05,drop=0.04,truncate=0.02,latency=1,jitter=6,retry_after=1"


@dataclass
class SoakReport:
    items: int
    outputs: int
    paired: bool
    creates: int
    creates_ok: int
    creates_retried: int
    creates_reconciled: int
    creates_failed_applied: int
    creates_failed_clean: int
    unflagged_applied: int
    duplicates: int
    idempotent: int
    idempotent_ok: int
    canary_leaks: int
    seconds: float
    faults: dict[str, int]

    @property
    def passed(self) -> bool:
        return (
            self.paired
            and self.outputs == self.items
            and self.duplicates == 0
            and self.unflagged_applied == 0
            and self.idempotent_ok == self.idempotent
            and self.canary_leaks == 0
        )

    def line(self) -> str:
        return (
            f"soak: {self.items} items -> {self.outputs} outputs, paired {self.paired}; "
            f"creates {self.creates}: {self.creates_ok} ok ({self.creates_retried} sent more than "
            f"once, {self.creates_reconciled} reconciled), "
            f"{self.creates_failed_applied} failed but applied (flagged), "
            f"{self.creates_failed_clean} failed cleanly, {self.unflagged_applied} unflagged, "
            f"{self.duplicates} duplicates; idempotent {self.idempotent_ok}/{self.idempotent} ok; "
            f"canary leaks {self.canary_leaks}; faults {self.faults}; {self.seconds:.1f} s "
            f"-> {'PASS' if self.passed else 'FAIL'}"
        )


def _paired(out: list[dict[str, Any]], n: int) -> bool:
    return [o["pairedItem"]["item"] for o in out] == list(range(n))


async def soak(items: int = 2000, seed: int = 1) -> SoakReport:
    share = {"create": 0.3, "get": 0.3, "update": 0.25}
    counts = {k: int(items * v) for k, v in share.items()}
    counts["report"] = items - sum(counts.values())
    log_buffer = io.StringIO()
    handler = logging.StreamHandler(log_buffer)
    package_log = logging.getLogger("keitaro_node")
    package_log.addHandler(handler)
    package_log.setLevel(logging.DEBUG)
    try:
        async with Emulator(api_key=KEY, seed="demo", clicks=300) as emu:
            node = KeitaroNode(
                Credentials(emu.url, KEY),
                retry=RetryPolicy(max_attempts=12, base_delay=0.01, max_delay=0.2, deadline=120),
            )
            prepared = await node.execute(
                [{"json": {"i": i}} for i in range(50)],
                resource="offer",
                operation="create",
                parameters=lambda js, i: {"offerData": {"name": f"soak-target-{i}"}},
            )
            targets = [o["json"]["data"]["id"] for o in prepared]
            emu.set_faults(f"{FAULTS},seed={seed}")
            started = time.perf_counter()
            runs = await asyncio.gather(
                node.execute(
                    [{"json": {"i": i}} for i in range(counts["create"])],
                    resource="offer",
                    operation="create",
                    continue_on_fail=True,
                    concurrency=8,
                    parameters=lambda js, i: {"offerData": {"name": f"soak-new-{i}"}},
                ),
                node.execute(
                    [{"json": {}}] * counts["get"],
                    resource="campaign",
                    operation="get",
                    continue_on_fail=True,
                    concurrency=8,
                    parameters=lambda js, i: {"campaignId": i % 3 + 1},
                ),
                node.execute(
                    [{"json": {}}] * counts["update"],
                    resource="offer",
                    operation="update",
                    continue_on_fail=True,
                    concurrency=8,
                    parameters=lambda js, i: {
                        "offerId": targets[i % len(targets)],
                        "offerData": {"notes": f"soak {i}"},
                    },
                ),
                node.execute(
                    [{"json": {}}] * counts["report"],
                    resource="stats",
                    operation="getAll",
                    continue_on_fail=True,
                    concurrency=8,
                    parameters={
                        "statsData": {
                            "range": {"interval": "all_time"},
                            "dimensions": ["campaign_id"],
                            "measures": ["clicks"],
                        }
                    },
                ),
            )
            seconds = time.perf_counter() - started
            fault_counts = dict(emu.faults.counts)
            emu.set_faults(None)
            sends = [
                e.body.get("name")
                for e in emu.journal
                if e.method == "POST" and e.path == "/admin_api/v1/offers" and e.body
            ]
            names = [
                o["name"]
                for o in emu.store.all("offers")
                if str(o.get("name", "")).startswith("soak-new-")
            ]
    finally:
        package_log.removeHandler(handler)
    creates, *idempotent_runs = runs
    stored = {name: names.count(name) for name in set(names)}
    ok = [o for o in creates if o["json"]["success"]]
    failed = [o for o in creates if not o["json"]["success"]]
    flagged = [
        o for o in failed if MAY_HAVE_BEEN_APPLIED in (o["json"]["error"]["description"] or "")
    ]
    unflagged_applied = sum(
        1 for o in failed if o not in flagged and f"soak-new-{o['pairedItem']['item']}" in stored
    )
    missing_ok = sum(1 for o in ok if f"soak-new-{o['pairedItem']['item']}" not in stored)
    idempotent = [o for run in idempotent_runs for o in run]
    text = json.dumps(runs) + log_buffer.getvalue()
    return SoakReport(
        items=items,
        outputs=sum(len(r) for r in runs),
        paired=all(_paired(r, n) for r, n in zip(runs, counts.values(), strict=True)),
        creates=len(creates),
        creates_ok=len(ok) - missing_ok,
        creates_retried=sum(1 for name in set(sends) if sends.count(name) > 1),
        creates_reconciled=sum(1 for o in ok if o["json"].get("reconciled")),
        creates_failed_applied=sum(
            1 for o in flagged if f"soak-new-{o['pairedItem']['item']}" in stored
        ),
        creates_failed_clean=sum(
            1 for o in failed if f"soak-new-{o['pairedItem']['item']}" not in stored
        ),
        unflagged_applied=unflagged_applied + missing_ok,
        duplicates=sum(n - 1 for n in stored.values()),
        idempotent=len(idempotent),
        idempotent_ok=sum(1 for o in idempotent if o["json"]["success"]),
        canary_leaks=text.count(KEY),
        seconds=seconds,
        faults=fault_counts,
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak")
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    report = asyncio.run(soak(args.items, args.seed))
    print(report.line())
    return 0 if report.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
