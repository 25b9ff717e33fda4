"""The public entry point: ``KeitaroNode(credentials).execute(items, resource=…, operation=…)``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from .client import KeitaroClient
from .executor import DEFAULT_GRACE, Executor, ParameterSource, ProgressCallback
from .loader import load_definition
from .model import JSON, Credentials, Definition, Item
from .policy import RetryPolicy
from .transport import DEFAULT_MAX_BODY, AiohttpTransport, Timeouts

DEFAULT_CONCURRENCY = 4


class KeitaroNode:
    """The Keitaro node: one definition, one tracker. Each ``execute`` is one run (one session)."""

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
    ) -> None:
        """``rate_limit``: request starts per second (None: only the concurrency bound);
        ``max_body``: the largest response accepted, in bytes; ``grace``: seconds the requests
        in flight get to finish when the run is cancelled (Ctrl-C, SIGTERM, task.cancel())."""
        self.credentials = credentials
        self.definition = definition or load_definition(schema_dir)
        self.retry = retry or RetryPolicy()
        self.timeouts = timeouts or Timeouts()
        self.rate_limit = rate_limit
        self.max_body = max_body
        self.grace = grace

    def __repr__(self) -> str:
        return f"KeitaroNode({self.credentials!r})"

    async def execute(
        self,
        items: Sequence[Item] | None = None,
        *,
        resource: str,
        operation: str,
        parameters: ParameterSource | None = None,
        continue_on_fail: bool = False,
        concurrency: int = DEFAULT_CONCURRENCY,
        split: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> list[Item]:
        """Run ``resource:operation`` once per input item; ``items`` defaults to ``[{"json": {}}]``.

        Raises ItemError (naming the item) on the first failure unless ``continue_on_fail``.
        """
        async with self._executor(concurrency) as executor:
            return await executor.run(
                items if items is not None else [{"json": {}}],
                resource,
                operation,
                parameters or {},
                continue_on_fail=continue_on_fail,
                concurrency=concurrency,
                split=split,
                on_progress=on_progress,
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
        async with self._executor(1) as executor:
            stream = executor.stream(resource, operation, parameters or {}, on_progress, start)
            async for page in stream:
                yield page

    @asynccontextmanager
    async def _executor(self, concurrency: int) -> AsyncIterator[Executor]:
        """One run: one session (connection limit = concurrency), closed at the end."""
        transport = AiohttpTransport(
            concurrency=max(1, concurrency), timeouts=self.timeouts, max_body=self.max_body
        )
        try:
            client = KeitaroClient(
                self.credentials, transport, self.retry, rate_limit=self.rate_limit
            )
            yield Executor(self.definition, client, grace=self.grace)
        finally:
            await transport.close()

    def execute_sync(
        self,
        items: Sequence[Item] | None = None,
        *,
        resource: str,
        operation: str,
        parameters: ParameterSource | None = None,
        continue_on_fail: bool = False,
        concurrency: int = DEFAULT_CONCURRENCY,
        split: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> list[Item]:
        """``execute`` for synchronous callers (not from inside a running event loop)."""
        return asyncio.run(
            self.execute(
                items,
                resource=resource,
                operation=operation,
                parameters=parameters,
                continue_on_fail=continue_on_fail,
                concurrency=concurrency,
                split=split,
                on_progress=on_progress,
            )
        )
