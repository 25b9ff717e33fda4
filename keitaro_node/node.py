"""The public entry point: ``KeitaroNode(credentials).execute(items, resource=…, operation=…)``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Unpack

from .core.client import KeitaroClient
from .core.definition import load_definition
from .core.executor import Executor
from .core.http import DEFAULT_MAX_BODY, AiohttpTransport, Timeouts, Transport
from .core.policy import RetryPolicy
from .model import JSON, Credentials, Definition, Item
from .options import DEFAULT_GRACE, ParameterSource, ProgressCallback, RunOptions, resolved
from .outcomes import Outcome, items_of, raise_first_failure

SHARED_CONNECTIONS = 100
"""The connection limit of a session shared by several runs (aiohttp's own default): each run
still has at most its ``concurrency`` requests in flight."""


class KeitaroNode:
    """The Keitaro node: one definition, one tracker.

    ``async with KeitaroNode(credentials) as node:`` opens one HTTP session that every
    ``execute``, ``outcomes`` and ``stream`` inside it shares (as a workflow run does); a call
    outside such a block opens a session of its own and closes it at the end.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        definition: Definition | None = None,
        schema_dir: Path | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        rate_limit: float | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        grace: float = DEFAULT_GRACE,
        transport: Transport | None = None,
        connections: int = SHARED_CONNECTIONS,
    ) -> None:
        """``rate_limit``: request starts per second (None: only the concurrency bound);
        ``max_body``: the largest response accepted, in bytes; ``grace``: seconds the requests
        in flight get to finish when the run is cancelled (Ctrl-C, SIGTERM, task.cancel());
        ``transport``: send through this instead of aiohttp (the caller opens and closes it);
        ``connections``: the connection limit of the session ``async with`` opens."""
        self.credentials = credentials
        self.definition = definition or load_definition(schema_dir)
        self.retry = retry or RetryPolicy()
        self.timeouts = timeouts or Timeouts()
        self.rate_limit = rate_limit
        self.max_body = max_body
        self.grace = grace
        self.connections = connections
        self._given = transport
        self._client: KeitaroClient | None = None
        self._owned: Transport | None = None

    def __repr__(self) -> str:
        return f"KeitaroNode({self.credentials!r})"

    async def __aenter__(self) -> KeitaroNode:
        if self._client is not None:
            raise RuntimeError("this KeitaroNode's session is already open")
        self._client, self._owned = self._new_client(self.connections)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._client = None
        if self._owned is not None:
            owned, self._owned = self._owned, None
            await owned.close()

    def _new_client(self, connections: int) -> tuple[KeitaroClient, Transport | None]:
        """A client on the given transport, or on a new aiohttp session (returned too: the
        caller closes it)."""
        owned = None
        transport = self._given
        if transport is None:
            transport = owned = AiohttpTransport(
                concurrency=max(1, connections), timeouts=self.timeouts, max_body=self.max_body
            )
        client = KeitaroClient(self.credentials, transport, self.retry, rate_limit=self.rate_limit)
        return client, owned

    @asynccontextmanager
    async def _session(self, concurrency: int) -> AsyncIterator[KeitaroClient]:
        """The open session's client, or one for this call alone (connection limit =
        concurrency), closed at the end."""
        if self._client is not None:
            yield self._client
            return
        client, owned = self._new_client(concurrency)
        try:
            yield client
        finally:
            if owned is not None:
                await owned.close()

    async def outcomes(
        self,
        items: Sequence[Item] | None = None,
        *,
        resource: str,
        operation: str,
        parameters: ParameterSource | None = None,
        **options: Unpack[RunOptions],
    ) -> list[Outcome]:
        """Run ``resource:operation`` once per input item; one outcome per item, in order: a
        ``Success`` with its output items, or a ``Failure`` with the typed error (whether it
        may have been applied, the HTTP status, the masked request) and its n8n error item.

        Without ``continue_on_fail`` no item starts after one failed.
        """
        opts = resolved(options)
        async with self._session(opts.concurrency) as client:
            return await Executor(self.definition, client, grace=self.grace).run(
                items if items is not None else [{"json": {}}],
                resource,
                operation,
                parameters or {},
                stop_on_failure=not opts.continue_on_fail,
                concurrency=opts.concurrency,
                split=opts.split,
                on_progress=opts.on_progress,
            )

    async def execute(
        self,
        items: Sequence[Item] | None = None,
        *,
        resource: str,
        operation: str,
        parameters: ParameterSource | None = None,
        **options: Unpack[RunOptions],
    ) -> list[Item]:
        """The n8n output items of ``outcomes``; ``items`` defaults to ``[{"json": {}}]``.

        Raises ItemError (naming the item) on the first failure unless ``continue_on_fail``;
        with it, a failed item is its error item.
        """
        done = await self.outcomes(
            items, resource=resource, operation=operation, parameters=parameters, **options
        )
        if not options.get("continue_on_fail"):
            op = self.definition.operation(resource, operation)
            raise_first_failure(done, op.resource, op.value)
        return items_of(done)

    def execute_sync(
        self,
        items: Sequence[Item] | None = None,
        *,
        resource: str,
        operation: str,
        parameters: ParameterSource | None = None,
        **options: Unpack[RunOptions],
    ) -> list[Item]:
        """``execute`` for synchronous callers (not from inside a running event loop)."""
        return asyncio.run(
            self.execute(
                items, resource=resource, operation=operation, parameters=parameters, **options
            )
        )

    async def stream(
        self,
        resource: str,
        operation: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        on_progress: ProgressCallback | None = None,
        start: int = 0,
    ) -> AsyncIterator[list[JSON]]:
        """Page through a list operation (clicks log, reports, …), yielding each page's records;
        ``start`` skips that many records (to continue an interrupted export).

        Memory stays flat however many rows there are: nothing is kept between pages.
        """
        async with self._session(1) as client:
            executor = Executor(self.definition, client, grace=self.grace)
            async for page in executor.stream(
                resource, operation, parameters or {}, on_progress, start
            ):
                yield page
