"""Durability and concurrency of the emulator's store."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from keitaro_node.emulator import Emulator

from .conftest import CANARY, Http


def test_file_database_survives_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "tracker.sqlite3")
    with Emulator.in_thread(api_key=CANARY, db=db, seed="demo", clicks=40) as emu:
        http = Http(emu.url)
        status, _, created = http.api("POST", "/campaigns", {"alias": "kept", "name": "Kept"})
        assert status == 200
        before = emu.counts()
    with Emulator.in_thread(api_key=CANARY, db=db, seed="demo", clicks=40) as emu:
        http = Http(emu.url)
        assert http.api("GET", f"/campaigns/{created['id']}")[2]["alias"] == "kept"
        assert emu.counts() == before, "the seed is not applied twice"
        status, _, again = http.api("POST", "/campaigns", {"alias": "next", "name": "Next"})
        assert again["id"] == created["id"] + 1


async def _create_many(url: str, n: int) -> list[int]:
    async with aiohttp.ClientSession(headers={"Api-Key": CANARY}) as session:

        async def one(i: int) -> int:
            async with session.post(
                f"{url}/admin_api/v1/offers", json={"name": f"Concurrent {i}"}
            ) as resp:
                assert resp.status == 200
                return int((await resp.json())["id"])

        return await asyncio.gather(*(one(i) for i in range(n)))


def test_concurrent_creates_get_distinct_ids(tmp_path: Path) -> None:
    with Emulator.in_thread(api_key=CANARY, db=str(tmp_path / "c.sqlite3"), seed=None) as emu:
        ids = asyncio.run(_create_many(emu.url, 200))
        assert len(set(ids)) == 200
        assert emu.counts()["offers"] == 200
        listed = Http(emu.url).api("GET", "/offers")[2]
        assert sorted(o["id"] for o in listed) == sorted(ids)


def test_an_older_database_file_gains_new_columns(tmp_path) -> None:
    import sqlite3

    from keitaro_node.emulator.store import SUB_IDS, Store

    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE clicks (id INTEGER PRIMARY KEY, sub_id TEXT UNIQUE, epoch, sub_id_1)")
    old.execute("INSERT INTO clicks (sub_id, epoch, sub_id_1) VALUES ('abc', 1, 'x')")
    old.commit()
    old.close()
    store = Store(str(path))
    columns = {row["name"] for row in store.db.execute("PRAGMA table_info(clicks)")}
    assert set(SUB_IDS) <= columns
    assert store.query("SELECT sub_id, sub_id_1, sub_id_30 FROM clicks") == [
        {"sub_id": "abc", "sub_id_1": "x", "sub_id_30": None}
    ]
    store.close()
