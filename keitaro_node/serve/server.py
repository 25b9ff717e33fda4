"""Serving until told to stop: the workflows loaded and checked, the HTTP side listening, the
triggers active; on stop, the triggers first, then the running executions get the grace."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from ..errors import InputError
from ..model import Credentials
from .app import application
from .records import DEFAULT_KEEP, Records
from .service import DEFAULT_CONCURRENCY, DEFAULT_PER_WORKFLOW, Service, load_served

log = logging.getLogger("keitaro_node.serve")


@dataclass(frozen=True)
class Settings:
    paths: Sequence[Path]
    host: str = "127.0.0.1"
    port: int = 5678
    db: Path | None = None
    token: str | None = None
    grace: float = 10.0
    keep: int = DEFAULT_KEEP
    concurrency: int = DEFAULT_CONCURRENCY
    per_workflow: int = DEFAULT_PER_WORKFLOW
    credentials_file: Path | None = None


async def serve(
    settings: Settings,
    *,
    environ: Mapping[str, str],
    stop: asyncio.Event,
    tracker: Credentials | None = None,
    ready: Callable[[str, Service], None] | None = None,
) -> int:
    """Serve until ``stop`` is set; the number of executions cancelled at the end."""
    served, problems = load_served(settings.paths, environ, settings.credentials_file)
    for problem in problems:
        log.error("not served", extra={"fields": {"problem": problem}})
    if not served:
        raise InputError("no workflow to serve" + (f": {problems[0]}" if problems else ""))
    records = Records(settings.db, keep=settings.keep)
    crashed = records.canceled_running()
    if crashed:
        log.warning("canceled", extra={"fields": {"left running by an earlier server": crashed}})
    service = Service(
        served,
        records,
        environ=environ,
        tracker=tracker,
        concurrency=settings.concurrency,
        per_workflow=settings.per_workflow,
    )
    runner = web.AppRunner(application(service, settings.token), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as exc:
            where = f"{settings.host}:{settings.port}"
            raise InputError(f"cannot listen on {where}: {exc.strerror or exc}") from None
        port = _port(site) or settings.port
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        service.base_url = f"http://{host}:{port}"
        service.activate()
        log.info(
            "serving",
            extra={"fields": {"url": service.base_url, "workflows": [s.id for s in served]}},
        )
        if ready is not None:
            ready(service.base_url, service)
        await stop.wait()
        log.info("stopping", extra={"fields": {"grace": settings.grace}})
        cancelled = await service.stop(settings.grace)
    finally:
        await runner.cleanup()
        records.close()
    log.info("stopped", extra={"fields": {"canceled": cancelled}})
    return cancelled


def _port(site: web.TCPSite) -> int | None:
    """The port listened on (``--port 0``: the one the system chose)."""
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    return int(sockets[0].getsockname()[1]) if sockets else None


class LogFormat(logging.Formatter):
    """One line per event: ``time event key=value …``, or a JSON object with ``--log-format
    json``."""

    def __init__(self, as_json: bool) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "fields", {})
        when = self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
        if self.as_json:
            line = {"time": when, "level": record.levelname.lower(), "event": record.getMessage()}
            return json.dumps({**line, **fields}, ensure_ascii=False, default=str)
        shown = " ".join(f"{k}={v}" for k, v in fields.items())
        return f"{when} {record.levelname.lower()} {record.getMessage()} {shown}".rstrip()


def configure_logging(as_json: bool, stream: Any = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(LogFormat(as_json))
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False
