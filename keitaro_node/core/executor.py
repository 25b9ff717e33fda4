"""Items in, items out: validate, plan, send under a bound, keep order, capture errors."""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from ..errors import (
    InputError,
    Interrupted,
    KeitaroNodeError,
    RequestError,
    TransportError,
)
from ..model import JSON, Definition, Edit, Item, Operation, PairedItem, Reconcile, RequestPlan
from ..options import DEFAULT_CONCURRENCY, DEFAULT_GRACE, ParameterSource, ProgressCallback
from ..outcomes import Failure, Outcome, Success, items_of
from . import planner, steps
from .client import MAY_HAVE_BEEN_APPLIED, KeitaroClient
from .pagination import PageWalk, page_request, records
from .parameters import OperationInputs

MAX_RESENDS = 2
"""A create provably absent after an unknown outcome is sent again at most this often."""


def error_fields(exc: KeitaroNodeError) -> dict[str, JSON]:
    """The ``error`` object of a continue-on-fail output item."""
    http_code = exc.http_code if isinstance(exc, RequestError) else None
    return {
        "message": exc.message,
        "description": exc.description,
        "httpCode": str(http_code) if http_code is not None else None,
        "statusText": exc.status_text if isinstance(exc, RequestError) else None,
        "responseData": exc.response_data if isinstance(exc, RequestError) else None,
        "stack": "".join(traceback.format_exception_only(exc)).strip(),
    }


def _requested_limit(plan: RequestPlan) -> int | None:
    """The ``limit`` an item asked for (in the body or the query): a stream stops there too."""
    limit = plan.body.get("limit") if isinstance(plan.body, dict) else dict(plan.query).get("limit")
    if isinstance(limit, str) and limit.isdigit():
        return int(limit)
    return limit if isinstance(limit, int) and not isinstance(limit, bool) else None


class Executor:
    """Runs one operation over many items against one client."""

    def __init__(
        self, definition: Definition, client: KeitaroClient, *, grace: float = DEFAULT_GRACE
    ) -> None:
        self.definition = definition
        self.client = client
        self.grace = grace
        """Seconds the requests in flight get to finish after a stop (Ctrl-C, SIGTERM)."""
        self._claimed: dict[str, set[str]] = {}
        """Per list path, the ids of records that items of this run created or reconciled."""
        self._baselines: dict[str, set[str] | None] = {}
        """Per list path, the ids that existed when the batch began (None: could not read)."""
        self._edit_locks: dict[str, asyncio.Lock] = {}
        """One lock per edited object: two items editing one campaign's postbacks take turns."""

    async def run(
        self,
        items: Sequence[Item],
        resource: str,
        operation: str,
        parameters: ParameterSource,
        *,
        stop_on_failure: bool = False,
        concurrency: int = DEFAULT_CONCURRENCY,
        split: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> list[Outcome]:
        """One outcome per input item, in input order. With ``stop_on_failure`` no item starts
        after one failed: the outcomes end with those that finished (the failure among them)."""
        if concurrency < 1:
            raise InputError("concurrency must be at least 1", property="concurrency")
        op = self.definition.operation(resource, operation)
        inputs = OperationInputs.of(op)
        results: list[Outcome | None] = [None] * len(items)
        failed = False
        next_index = iter(range(len(items)))
        in_flight: dict[int, int] = {}
        """Worker number -> the input index it is sending."""
        stopping = False
        done = 0
        if op.reconcile is not None and not op.reconcile.key:
            await self._baseline(op)

        async def worker(number: int) -> None:
            nonlocal done, failed
            for i in next_index:
                if (failed and stop_on_failure) or stopping:
                    return
                in_flight[number] = i
                outcome = await self._one(op, inputs, items[i], i, parameters, split)
                del in_flight[number]
                results[i] = outcome
                failed = failed or isinstance(outcome, Failure)
                done += 1
                if on_progress is not None:
                    on_progress(done, len(items))

        # asyncio.wait, unlike gather, leaves the workers running when this run is cancelled:
        # that is the grace period of the requests in flight.
        workers = [asyncio.ensure_future(worker(n)) for n in range(min(concurrency, len(items)))]
        try:
            if workers:
                await asyncio.wait(workers)
        except asyncio.CancelledError:
            stopping = True
            unfinished = await self._wind_down(op, workers, in_flight)
            finished = items_of([o for o in results if o is not None])
            raise Interrupted(finished, len(items), op.key, unfinished) from None
        for task in workers:
            task.result()  # an unexpected error in a worker surfaces here
        return [o for o in results if o is not None]

    async def _baseline(self, op: Operation) -> None:
        """The ids a list holds before a batch of creates: records that appear later are new."""
        assert op.reconcile is not None
        path = op.reconcile.list_path
        try:
            listed = (await self.client.send(RequestPlan("GET", path, idempotent=True))).data
        except RequestError:
            self._baselines[path] = None
            return
        self._baselines[path] = set(steps.record_ids(listed)) if isinstance(listed, list) else None

    async def _create(self, spec: Reconcile, plan: RequestPlan) -> tuple[JSON, dict[str, JSON]]:
        """Send a create exactly once in effect. When its outcome is unknown (the answer was
        lost after the tracker may have applied it), read the list back: found, it is this
        item's record; provably absent, send it again; undecidable, fail and say so."""
        sent = plan.body if isinstance(plan.body, dict) else {}
        claimed = self._claimed.setdefault(spec.list_path, set())
        resent = 0
        while True:
            try:
                data = (await self.client.send(plan)).data
            except RequestError as exc:
                if not exc.maybe_applied:
                    raise
                verdict, found = await self._look_up(spec, sent, claimed)
                if verdict == "found":
                    claimed.update(steps.record_ids(found))
                    return found, {"reconciled": True}
                if verdict == "absent" and resent < MAX_RESENDS:
                    resent += 1
                    continue
                why = f"sent {resent + 1} times, never found" if verdict == "absent" else found
                exc.description = f"{exc.description}; looked for it in GET {spec.list_path}: {why}"
                raise
            claimed.update(steps.record_ids(data))
            return data, ({"resent": resent} if resent else {})

    async def _look_up(
        self, spec: Reconcile, sent: Mapping[str, Any], claimed: set[str]
    ) -> tuple[str, JSON]:
        path, query = steps.reconcile_request(spec, sent)
        try:
            listed = (await self.client.send(RequestPlan("GET", path, query, idempotent=True))).data
        except RequestError as exc:
            return "undecidable", f"the read failed ({exc.message})"
        baseline = self._baselines.get(path)
        return steps.created_record(spec, listed, sent, baseline=baseline, claimed=claimed)

    async def _wind_down(
        self, op: Operation, workers: Sequence[asyncio.Future[None]], in_flight: Mapping[int, int]
    ) -> list[Item]:
        """After a stop: give the requests in flight ``grace`` seconds to finish and be reported
        (a second stop ends the wait); the rest become error items that say what may have
        happened, each with its input index."""
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait(workers, timeout=self.grace)
        cut = sorted(index for number, index in in_flight.items() if not workers[number].done())
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        return items_of([self._failure(op, index, self._cut_off(op)) for index in cut])

    def _cut_off(self, op: Operation) -> KeitaroNodeError:
        what = MAY_HAVE_BEEN_APPLIED if not op.idempotent else "it is safe to send it again"
        return TransportError(f"interrupted while the request was in flight: {what}", sent=True)

    async def _one(
        self,
        op: Operation,
        inputs: OperationInputs,
        item: Item,
        index: int,
        parameters: ParameterSource,
        split: bool,
    ) -> Outcome:
        try:
            raw = parameters(item.get("json", {}), index) if callable(parameters) else parameters
            params = inputs.prepare(raw)
            plan = planner.plan(op, params)
            data, extra = await self._fetch(op, plan, params)
        except InputError as exc:
            exc.item_index = index
            return self._failure(op, index, exc)
        except RecursionError:  # a value nested so deep that walking it overflows the stack
            too_deep = InputError("the item's data is nested too deeply", item_index=index)
            return self._failure(op, index, too_deep)
        except RequestError as exc:
            if not exc.request:  # a record not found in an answer: name the request read
                exc.request = self.client.describe(plan)
            return self._failure(op, index, exc)
        paired: PairedItem = {"item": index}
        if split and op.returns not in ("object", "text") and isinstance(data, list):
            return Success(
                index,
                [
                    {"json": rec if isinstance(rec, dict) else {"value": rec}, "pairedItem": paired}
                    for rec in data
                ],
            )
        out: dict[str, JSON] = {
            "request": self.client.describe(plan),
            "resource": op.resource,
            "operation": op.value,
            "success": True,
            "data": data,
            **extra,
        }
        return Success(index, [{"json": out, "pairedItem": paired}])

    async def _fetch(
        self, op: Operation, plan: RequestPlan, params: Mapping[str, Any]
    ) -> tuple[JSON, dict[str, JSON]]:
        """The response data (every page with ``returnAll``) and the list fields of the item."""
        if op.edit is not None:
            return await self._edit(op, op.edit, plan, params), {}
        if op.select is not None:
            selected = steps.select(op.select, (await self.client.send(plan)).data, params)
            return selected, ({} if op.select.one else {"count": len(selected)})
        if op.returns in ("object", "text"):
            if op.reconcile is not None:
                return await self._create(op.reconcile, plan)
            response = await self.client.send(plan)
            return response.data, ({"reconciled": True} if response.reconciled else {})
        if op.paging is not None and params.get("returnAll"):
            collected: list[JSON] = []
            walk = PageWalk(op.paging)
            async for page in self._pages(op, plan, walk):
                collected.extend(page)
            extra: dict[str, JSON] = {"count": len(collected), "pages": walk.pages}
            if walk.total is not None:
                extra["total"] = walk.total
            if walk.truncated:
                extra["truncated"] = True
                extra["truncation"] = walk.truncated
            return collected, extra
        response = await self.client.send(plan)
        rows = records(op.returns, response.data)
        limit = params.get("limit")
        if op.paging is not None and isinstance(limit, int):
            rows = rows[:limit]  # older trackers ignore limit on GET /campaigns
        extra = {"count": len(rows)}
        if isinstance(response.data, dict) and isinstance(response.data.get("total"), int):
            extra["total"] = response.data["total"]
        return rows, extra

    async def _edit(
        self, op: Operation, spec: Edit, plan: RequestPlan, params: Mapping[str, Any]
    ) -> JSON:
        """Read the object, change its array, write it back; the element is the result."""
        element = plan.body if isinstance(plan.body, dict) else {}
        lock = self._edit_locks.setdefault(plan.path, asyncio.Lock())
        async with lock:
            before = (await self.client.send(RequestPlan("GET", plan.path, idempotent=True))).data
            array = steps.edited(spec, before, element, params)
            after = (await self.client.send(plan._replace(body={spec.array: array}))).data
        return steps.edit_result(spec, before, after, element, params)

    async def _pages(
        self, op: Operation, plan: RequestPlan, walk: PageWalk
    ) -> AsyncIterator[list[JSON]]:
        """Every page of a paged operation, one request at a time."""
        assert op.paging is not None
        offset: int | None = walk.offset
        while offset is not None:
            response = await self.client.send(page_request(plan, op.paging, offset))
            page = records(op.returns, response.data)
            offset = walk.step(page, response.data)
            if not walk.repeated:
                yield page

    async def stream(
        self,
        resource: str,
        operation: str,
        parameters: Mapping[str, Any],
        on_progress: ProgressCallback | None = None,
        start: int = 0,
    ) -> AsyncIterator[list[JSON]]:
        """The records of a paged list operation, page by page, without keeping them; at most
        the ``limit`` given, as without streaming, unless ``returnAll`` is set.

        ``on_progress(records so far, total)`` follows each page (total as the API reports it);
        ``start`` skips that many records (where an interrupted export stopped).
        """
        op = self.definition.operation(resource, operation)
        if op.paging is None:
            raise InputError(f"{op.key} does not page: only paged list operations stream")
        params = OperationInputs.of(op).prepare(parameters)
        plan = planner.plan(op, params)
        cap = None if params.get("returnAll") else _requested_limit(plan)
        walk = PageWalk(op.paging, offset=start)
        seen = start
        async for page in self._pages(op, plan, walk):
            if cap is not None:
                page = page[: cap - seen]
            seen += len(page)
            if on_progress is not None:
                on_progress(seen, max(seen, walk.total or 0) if cap is None else cap)
            yield page
            if cap is not None and seen >= cap:
                return

    def _failure(self, op: Operation, index: int, exc: KeitaroNodeError) -> Failure:
        """The failure of one item, with the error item n8n's continue-on-fail shows for it.
        Its texts are masked here, as the error item's are: a message may quote an item value."""
        redactor = self.client.redactor
        exc.message = redactor.text(exc.message)
        exc.args = (exc.message,)
        if exc.description:
            exc.description = redactor.text(exc.description)
        request = exc.request if isinstance(exc, RequestError) else None
        item: Item = {
            "json": {
                "request": request or self.client.describe(RequestPlan(op.method, op.path)),
                "resource": op.resource,
                "operation": op.value,
                "success": False,
                "error": redactor.data(error_fields(exc)),
            },
            "pairedItem": {"item": index},
        }
        return Failure(index, exc, item)
