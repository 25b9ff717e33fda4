"""Executions on record, in SQLite: one row per execution (n8n's status names: ``running``,
``success``, ``error``, ``canceled``, ``crashed``), each node's output items (capped in size),
and each served workflow's static data between executions. A file (``--db``) keeps them
across restarts; without one they live in memory."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STATUSES = ("running", "success", "error", "canceled", "crashed", "waiting")
MODES = ("trigger", "webhook", "error", "manual")
DEFAULT_KEEP = 10_000
"""Executions kept (the oldest beyond go)."""
DEFAULT_DATA_CAP = 1_000_000
"""Bytes of node items kept per execution (past it, each node keeps its first items)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS executions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id TEXT NOT NULL,
    workflow_name TEXT NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    stopped_at TEXT,
    last_node TEXT,
    error TEXT,
    data TEXT
);
CREATE INDEX IF NOT EXISTS executions_by_workflow ON executions (workflow_id, id);
CREATE TABLE IF NOT EXISTS static_data (workflow_id TEXT PRIMARY KEY, data TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Record:
    id: int
    workflow_id: str
    workflow_name: str
    mode: str
    status: str
    started_at: str
    stopped_at: str | None
    last_node: str | None
    error: dict[str, Any] | None
    nodes: dict[str, Any] | None
    """Each node's run: {items, truncated}, in the order they ran (only when asked for)."""

    def summary(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "workflowId": self.workflow_id,
            "workflowName": self.workflow_name,
            "mode": self.mode,
            "status": self.status,
            "startedAt": self.started_at,
            "stoppedAt": self.stopped_at,
            "lastNodeExecuted": self.last_node,
            "error": self.error,
        }


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Records:
    """The store. Calls are short and made from the event loop; a lock keeps the one
    connection to one caller at a time (``executions`` reads it from another process)."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        keep: int = DEFAULT_KEEP,
        data_cap: int = DEFAULT_DATA_CAP,
    ) -> None:
        self.keep = keep
        self.data_cap = data_cap
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path) if path else ":memory:", check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        if path:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._db:
            yield self._db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def started(self, workflow_id: str, workflow_name: str, mode: str) -> int:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO executions (workflow_id, workflow_name, mode, status, started_at) "
                "VALUES (?, ?, ?, 'running', ?)",
                (workflow_id, workflow_name, mode, now()),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def finished(
        self,
        execution: int,
        status: str,
        *,
        last_node: str | None,
        error: Mapping[str, Any] | None,
        nodes: Mapping[str, Sequence[Any]],
    ) -> None:
        data = self._capped(nodes)
        with self._tx() as db:
            db.execute(
                "UPDATE executions SET status = ?, stopped_at = ?, last_node = ?, error = ?, "
                "data = ? WHERE id = ?",
                (
                    status,
                    now(),
                    last_node,
                    json.dumps(error, ensure_ascii=False, default=str) if error else None,
                    data,
                    execution,
                ),
            )
            # ids only grow: the executions older than the newest ``keep`` (a range of the key)
            db.execute("DELETE FROM executions WHERE id <= ?", (execution - self.keep,))

    def _capped(self, nodes: Mapping[str, Sequence[Any]]) -> str:
        """Each node's items as JSON; past the cap, each node keeps as many as fit its share."""
        whole = {name: {"items": items, "truncated": 0} for name, items in nodes.items()}
        text = json.dumps(whole, ensure_ascii=False, default=str)
        if len(text) <= self.data_cap:
            return text
        share = self.data_cap // max(1, len(nodes))
        capped: dict[str, Any] = {}
        for name, items in nodes.items():
            kept, size = [], 0
            for item in items:
                size += len(json.dumps(item, default=str))
                if size > share:
                    break
                kept.append(item)
            capped[name] = {"items": kept, "truncated": len(items) - len(kept)}
        return json.dumps(capped, ensure_ascii=False, default=str)

    def canceled_running(self) -> int:
        """Executions still ``running`` (the server stops, or an earlier one died): ``canceled``."""
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE executions SET status = 'canceled', stopped_at = ? "
                "WHERE status = 'running'",
                (now(),),
            )
            return cursor.rowcount

    def list(
        self,
        *,
        workflow: str | None = None,
        status: str | None = None,
        limit: int = 100,
        before: int | None = None,
    ) -> list[Record]:
        """Newest first."""
        where: list[str] = []
        args: list[str | int] = []
        for column, value in (("workflow_id", workflow), ("status", status)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if before is not None:
            where.append("id < ?")
            args.append(before)
        # the conditions are this module's own text; the values go as parameters
        sql = "SELECT * FROM executions" + (f" WHERE {' AND '.join(where)}" if where else "")  # noqa: S608
        with self._lock:
            rows = self._db.execute(f"{sql} ORDER BY id DESC LIMIT ?", (*args, limit)).fetchall()
        return [_record(row, with_nodes=False) for row in rows]

    def get(self, execution: int) -> Record | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM executions WHERE id = ?", (execution,)).fetchone()
        return _record(row, with_nodes=True) if row else None

    def static_data(self, workflow_id: str) -> dict[str, Any]:
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM static_data WHERE workflow_id = ?", (workflow_id,)
            ).fetchone()
        found: dict[str, Any] = json.loads(row["data"]) if row else {}
        return found

    def keep_static_data(self, workflow_id: str, data: Mapping[str, Any]) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO static_data (workflow_id, data) VALUES (?, ?) "
                "ON CONFLICT (workflow_id) DO UPDATE SET data = excluded.data",
                (workflow_id, json.dumps(data, ensure_ascii=False)),
            )


def _record(row: sqlite3.Row, *, with_nodes: bool) -> Record:
    return Record(
        id=row["id"],
        workflow_id=row["workflow_id"],
        workflow_name=row["workflow_name"],
        mode=row["mode"],
        status=row["status"],
        started_at=row["started_at"],
        stopped_at=row["stopped_at"],
        last_node=row["last_node"],
        error=json.loads(row["error"]) if row["error"] else None,
        nodes=json.loads(row["data"]) if with_nodes and row["data"] else None,
    )
