"""The emulator's SQLite store: entities as JSON documents, clicks and conversions as rows.

Every write is one transaction. Ids increase per kind and are never reused (``sequences``).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

SUB_IDS = tuple(f"sub_id_{n}" for n in range(1, 31))
"""Newer trackers have sub_id_1 … sub_id_30 (older ones stop at 15)."""

CLICK_COLUMNS = (
    "sub_id",
    "epoch",
    "campaign_id",
    "stream_id",
    "landing_id",
    "offer_id",
    "ts_id",
    "ip",
    "country_code",
    "country",
    "region",
    "city",
    "device_type",
    "os",
    "browser",
    "user_agent",
    "referrer",
    *SUB_IDS,
    "is_bot",
    "is_unique_campaign",
    "is_unique_stream",
    "is_unique_global",
    "landing_clicked",
    "cost",
)

CONVERSION_COLUMNS = (
    "conversion_id",
    "sub_id",
    "status",
    "previous_status",
    "original_status",
    "revenue",
    "currency",
    "tid",
    "postback_epoch",
    "sale_epoch",
    "comment",
    "params",
)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS sequences (kind TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS entities (
    kind TEXT NOT NULL, id INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS clicks (
    id INTEGER PRIMARY KEY, {
    ", ".join(c + (" TEXT UNIQUE" if c == "sub_id" else "") for c in CLICK_COLUMNS)
});
CREATE INDEX IF NOT EXISTS clicks_epoch ON clicks (epoch);
CREATE TABLE IF NOT EXISTS conversions (
    id INTEGER PRIMARY KEY, {", ".join(CONVERSION_COLUMNS)});
CREATE INDEX IF NOT EXISTS conversions_sub_id ON conversions (sub_id);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    kind TEXT NOT NULL, owner INTEGER NOT NULL, path TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (kind, owner, path));
"""


class Store:
    """A SQLite database (a file, or ``:memory:``) with the emulator's tables."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute(
            "PRAGMA journal_mode=WAL" if path != ":memory:" else "PRAGMA foreign_keys=ON"
        )
        self.db.executescript(_SCHEMA)
        self._add_missing_columns("clicks", CLICK_COLUMNS)
        self._depth = 0

    def _add_missing_columns(self, table: str, columns: Iterable[str]) -> None:
        """A database file made by an older emulator gains the columns added since (sub ids)."""
        have = {row["name"] for row in self.db.execute(f"PRAGMA table_info({table})")}
        for column in columns:
            if column not in have:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic write; nested uses join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")
        finally:
            self._depth = 0

    # ----------------------------------------------------------------- ids and documents
    def next_id(self, kind: str) -> int:
        with self.transaction():
            self.db.execute(
                "INSERT INTO sequences (kind, last_id) VALUES (?, 1) "
                "ON CONFLICT(kind) DO UPDATE SET last_id = last_id + 1",
                (kind,),
            )
            row = self.db.execute(
                "SELECT last_id FROM sequences WHERE kind = ?", (kind,)
            ).fetchone()
            return int(row[0])

    def get(self, kind: str, entity_id: int) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT data FROM entities WHERE kind = ? AND id = ?", (kind, entity_id)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind: str, doc: Mapping[str, Any]) -> dict[str, Any]:
        with self.transaction():
            self.db.execute(
                "INSERT INTO entities (kind, id, data) VALUES (?, ?, ?) "
                "ON CONFLICT(kind, id) DO UPDATE SET data = excluded.data",
                (kind, doc["id"], json.dumps(doc, ensure_ascii=False)),
            )
        return dict(doc)

    def delete(self, kind: str, entity_id: int) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM entities WHERE kind = ? AND id = ?", (kind, entity_id))

    def all(self, kind: str) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT data FROM entities WHERE kind = ? ORDER BY id", (kind,))
        return [json.loads(r[0]) for r in rows]

    def count(self, kind: str) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM entities WHERE kind = ?", (kind,)).fetchone()
        return int(row[0])

    # ----------------------------------------------------------------- key/value
    def kv_get(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def kv_set(self, key: str, value: Any) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO kv (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value, ensure_ascii=False)),
            )

    # ----------------------------------------------------------------- rows
    def insert_rows(
        self, table: str, columns: Iterable[str], rows: Iterable[Mapping[str, Any]]
    ) -> int:
        cols = list(columns)
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        with self.transaction():
            cur = self.db.executemany(sql, ([r.get(c) for c in cols] for r in rows))
        return cur.rowcount

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute(sql, tuple(params))]

    def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        with self.transaction():
            return self.db.execute(sql, tuple(params)).rowcount


def new_click(now: float) -> dict[str, Any]:
    """A click row with every column filled as a tracker would for a bare visit."""
    row: dict[str, Any] = dict.fromkeys(CLICK_COLUMNS, "")
    row.update(
        sub_id=secrets.token_hex(6),
        epoch=int(now),
        stream_id=0,
        landing_id=0,
        offer_id=0,
        ts_id=0,
        is_bot=0,
        is_unique_campaign=1,
        is_unique_stream=1,
        is_unique_global=1,
        landing_clicked=0,
        cost=0.0,
        ip="127.0.0.1",
        country_code="",
        device_type="desktop",
    )
    return row
