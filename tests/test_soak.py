"""The fault soak (2,000 mixed items, sized for CI); ``python -m bench.soak`` runs a longer one."""

from __future__ import annotations

import asyncio

from bench.soak import soak


def test_fault_soak(capsys) -> None:
    report = asyncio.run(soak(items=2000, seed=7))
    print(report.line())
    assert report.outputs == report.items == 2000 and report.paired
    assert report.duplicates == 0, "no create was applied twice"
    assert report.unflagged_applied == 0, "every failed create that was applied says so"
    assert (
        report.creates_ok + report.creates_failed_applied + report.creates_failed_clean
        == report.creates
    )
    assert report.idempotent_ok == report.idempotent, "every idempotent item eventually succeeds"
    assert report.canary_leaks == 0
    assert {"500", "429", "drop", "truncate"} <= set(report.faults), "every fault kind happened"
    assert report.creates_ok >= 0.99 * report.creates, "refused creates retried, lost ones found"
    assert report.creates_retried and report.creates_reconciled
    assert report.passed
