"""Executor semantics: order, pairing, concurrency bound, continue-on-fail, paging, split."""

from __future__ import annotations

import pytest

from keitaro_node import Credentials, ItemError, KeitaroNode
from keitaro_node.emulator import Emulator

from .conftest import CANARY, data_of


@pytest.fixture(scope="module")
def slow() -> Emulator:
    with Emulator.in_thread(
        api_key=CANARY, seed="demo", clicks=50, faults="latency=5,jitter=25,seed=3"
    ) as emu:
        yield emu


def test_order_and_pairing_under_jitter(slow: Emulator) -> None:
    node = KeitaroNode(Credentials(domain=slow.url, api_key=CANARY))
    items = [{"json": {"n": i}} for i in range(40)]
    out = node.execute_sync(
        items,
        resource="affiliate_network",
        operation="create",
        concurrency=8,
        parameters=lambda js, i: {"networkData": {"name": f"jitter-{js['n']}", "notes": str(i)}},
    )
    assert [o["pairedItem"]["item"] for o in out] == list(range(40))
    assert [o["json"]["data"]["name"] for o in out] == [f"jitter-{i}" for i in range(40)]
    assert [o["json"]["data"]["notes"] for o in out] == [str(i) for i in range(40)]


@pytest.mark.parametrize("concurrency", [1, 3, 8])
def test_concurrency_bound(slow: Emulator, concurrency: int) -> None:
    node = KeitaroNode(Credentials(domain=slow.url, api_key=CANARY))
    slow.peak_in_flight = 0
    node.execute_sync([{"json": {}}] * 24, resource="bot", operation="get", concurrency=concurrency)
    assert 1 <= slow.peak_in_flight <= concurrency
    if concurrency > 1:
        assert slow.peak_in_flight > 1, "requests did overlap"


def test_continue_on_fail_keeps_every_item(node: KeitaroNode) -> None:
    ids = [1, 999_999, 2, "abc!", 3]
    out = node.execute_sync(
        [{"json": {"id": i}} for i in ids],
        resource="campaign",
        operation="get",
        parameters=lambda js, i: {"campaignId": js["id"]},
        continue_on_fail=True,
    )
    assert [o["pairedItem"]["item"] for o in out] == [0, 1, 2, 3, 4]
    assert [o["json"]["success"] for o in out] == [True, False, True, False, True]
    assert out[1]["json"]["error"]["httpCode"] == "404"
    assert "invalid format" in out[3]["json"]["error"]["message"]
    assert out[1]["json"]["request"]["url"].endswith("/admin_api/v1/campaigns/999999")


def test_stop_names_the_first_failed_item(node: KeitaroNode) -> None:
    items = [{"json": {"id": i}} for i in (1, 2, 424242, 3, 525252)]
    with pytest.raises(ItemError) as err:
        node.execute_sync(
            items,
            resource="campaign",
            operation="get",
            concurrency=1,
            parameters=lambda js, i: {"campaignId": js["id"]},
        )
    assert err.value.item_index == 2
    assert str(err.value).startswith(
        "item 2 (campaign:get) failed: The resource you are requesting"
    )


def test_default_single_item(node: KeitaroNode) -> None:
    out = node.execute_sync(resource="bot", operation="get")
    assert out[0]["pairedItem"] == {"item": 0}


def test_return_all_pages_clicks(node: KeitaroNode, emulator: Emulator) -> None:
    total = emulator.counts()["clicks"]
    op = node.definition.operation("click", "getAll")
    assert op.paging is not None
    before = len(emulator.journal)
    out = node.execute_sync(
        resource="click",
        operation="getAll",
        parameters={
            "returnAll": True,
            "clickFilters": {"interval": "all_time", "columns": ["sub_id"]},
        },
    )
    js = out[0]["json"]
    assert js["count"] == js["total"] == total == len(js["data"])
    assert len({r["sub_id"] for r in js["data"]}) == total
    pages = -(-total // op.paging.page_size)
    assert js["pages"] == pages == len(emulator.journal) - before


def test_return_all_small_pages(node: KeitaroNode) -> None:
    # queryOffset paging stops on a short page: 3 demo campaigns with page size 500.
    out = node.execute_sync(resource="campaign", operation="getAll", parameters={"returnAll": True})
    assert out[0]["json"]["pages"] == 1
    assert out[0]["json"]["count"] >= 3


def test_limit_without_return_all(node: KeitaroNode) -> None:
    out = node.execute_sync(resource="campaign", operation="getAll", parameters={"limit": 2})
    assert out[0]["json"]["count"] == 2


def test_conversion_default_limit(node: KeitaroNode, emulator: Emulator) -> None:
    out = node.execute_sync(resource="conversion", operation="getAll", parameters={})
    assert emulator.journal.last().body["limit"] == 100
    assert out[0]["json"]["count"] <= 100
    node.execute_sync(
        resource="conversion",
        operation="getAll",
        parameters={"conversionFilters": {"interval": "all_time"}},
    )
    assert "limit" not in emulator.journal.last().body


def test_split_records(node: KeitaroNode) -> None:
    out = node.execute_sync(
        [{"json": {}}, {"json": {}}],
        resource="campaign",
        operation="getAll",
        parameters={"limit": 3},
        split=True,
    )
    assert len(out) == 6
    assert [o["pairedItem"]["item"] for o in out] == [0, 0, 0, 1, 1, 1]
    assert all("alias" in o["json"] for o in out)


def test_stats_rows(node: KeitaroNode) -> None:
    rows = data_of(
        node.execute_sync(
            resource="stats",
            operation="getAll",
            parameters={
                "statsData": {
                    "range": {"interval": "all_time"},
                    "dimensions": ["country_code"],
                    "measures": ["clicks"],
                    "sort": [{"name": "clicks", "order": "DESC"}],
                }
            },
        )
    )
    clicks = [r["clicks"] for r in rows]
    assert clicks == sorted(clicks, reverse=True)
    assert all(set(r) == {"country_code", "clicks"} for r in rows)
