"""Paging for ``returnAll``: page requests, records of a page, and when to stop.

Pure. Two strategies, both limit/offset: in the JSON body (``clicks/log``, ``report/build``: stop
once ``offset >= total``, or on a short page when ``total`` is missing), and in the query string
(``GET /campaigns``, ``GET /logs/{type}``: stop on a short page). A server that ignores the limit
(older trackers return every campaign at once) ends the walk with all there is; one that ignores
the offset (the same full page again) ends it too, and ``max_pages`` caps it: those two mark the
result ``truncated``, since more records may exist than were read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..model import JSON, Paging, RequestPlan, Returns


def records(returns: Returns, data: Any) -> list[JSON]:
    """The records of one response: the bare list, or ``rows`` of a report-shaped answer."""
    if returns == "rows" and isinstance(data, dict):
        rows = data.get("rows")
        return rows if isinstance(rows, list) else []
    if isinstance(data, list):
        return data
    return [] if data is None else [data]


def page_request(plan: RequestPlan, paging: Paging, offset: int) -> RequestPlan:
    """``plan`` asking for one page of ``paging.page_size`` records starting at ``offset``."""
    if paging.strategy == "bodyOffset":
        body = dict(plan.body or {})
        body["limit"] = paging.page_size
        body["offset"] = offset
        return plan._replace(body=body)
    query = [(k, v) for k, v in plan.query if k not in ("limit", "offset")]
    query += [("limit", str(paging.page_size)), ("offset", str(offset))]
    return plan._replace(query=tuple(query))


@dataclass
class PageWalk:
    """State of one ``returnAll`` walk; ``step`` says where the next page starts, or None."""

    paging: Paging
    offset: int = 0
    pages: int = 0
    total: int | None = None
    truncated: str | None = None
    """Why the walk stopped before the end (None: it read everything)."""
    repeated: bool = False
    """The last page repeated the one before (the server ignored the offset): drop it."""
    _first_of_last: Any = None

    def step(self, page: Sequence[JSON], data: Any) -> int | None:
        self.pages += 1
        if isinstance(data, dict) and isinstance(data.get("total"), int):
            self.total = data["total"]
        size = self.paging.page_size
        self.repeated = self.pages > 1 and bool(page) and page[0] == self._first_of_last
        self._first_of_last = page[0] if page else None
        if self.repeated:
            self.truncated = "the server ignored the offset (it sent the same page again)"
            return None
        if not page or len(page) > size:  # more than a page: the server ignored the limit
            return None
        self.offset += len(page)
        if self.total is not None and self.offset >= self.total:
            return None
        if self.total is None and len(page) < size:
            return None
        if self.pages >= self.paging.max_pages:
            self.truncated = f"stopped after {self.pages} pages (the definition's maxPages)"
            return None
        return self.offset
