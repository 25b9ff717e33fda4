"""Dagster: ``KeitaroResource`` (a ``ConfigurableResource``; give the key as
``EnvVar("KEITARO_API_KEY")`` so that it stays out of run config and the UI), usable from assets
and ops, async or not."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from ..model import Credentials, Item
from ..options import DEFAULT_CONCURRENCY
from .common import plain_items, require, run_operation

dg = require("dagster", "dagster")


class KeitaroResource(dg.ConfigurableResource):  # type: ignore[misc, name-defined]
    domain: str
    api_key: str
    postback_key: str | None = None
    """The tracker's postback key, for conversion create/update and postback test."""
    concurrency: int = DEFAULT_CONCURRENCY

    def credentials(self) -> Credentials:
        return Credentials(self.domain, self.api_key, postback_key=self.postback_key)

    async def execute(
        self,
        resource: str,
        operation: str,
        parameters: Mapping[str, Any] | None = None,
        items: Sequence[Mapping[str, Any]] | None = None,
        *,
        fail_on_item_error: bool = False,
        split: bool = False,
    ) -> list[Item]:
        return await run_operation(
            self.credentials(),
            resource,
            operation,
            plain_items(items),
            parameters,
            fail_on_item_error=fail_on_item_error,
            concurrency=self.concurrency,
            split=split,
        )

    def execute_sync(
        self,
        resource: str,
        operation: str,
        parameters: Mapping[str, Any] | None = None,
        items: Sequence[Mapping[str, Any]] | None = None,
        **options: Any,
    ) -> list[Item]:
        return asyncio.run(self.execute(resource, operation, parameters, items, **options))
