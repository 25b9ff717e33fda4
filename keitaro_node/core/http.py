"""The only module that imports aiohttp: send one request, map aiohttp's errors to ours.

One ``ClientSession`` per transport (one per run), a connection limit equal to the concurrency,
real timeouts, no redirects followed (a redirect is returned as a response, so the client can
refuse to carry the API key to another host), and a cap on response size.

A timeout says in which phase it struck (``PHASES``), because that decides whether the request
may have been applied: waiting for a free connection (pool), connecting, or writing the request,
nothing reached the tracker; only once the request is written is a timeout "sent".
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol

import aiohttp

from ..errors import TransportError
from ..options import DEFAULT_CONCURRENCY

DEFAULT_MAX_BODY = 64 * 1024 * 1024

Phase = Literal["pool", "connect", "write", "read"]
PHASES: dict[Phase, tuple[str, bool]] = {
    "pool": ("no free connection came within {} s (pool timeout)", False),
    "connect": ("could not connect within {} s (connect timeout)", False),
    "write": ("could not write the request within {} s (write timeout)", False),
    "read": ("no answer within {} s of sending the request (read timeout)", True),
}
"""Per phase: the message of a timeout that struck in it, and whether the request was sent."""


class RawResponse(NamedTuple):
    """One answer as received (a NamedTuple: immutable and cheap on the hot path)."""

    status: int
    reason: str
    headers: Mapping[str, str]
    """Case-insensitive as received (aiohttp's CIMultiDictProxy) or a plain mapping."""
    body: bytes


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds. ``total`` bounds each request (pool wait + connect + send + the whole answer);
    ``pool`` the whole wait for a connection (a free one of the session, or a new one opened),
    ``connect`` opening one; ``read`` (None: off) also bounds each wait for more bytes, at some
    cost per request."""

    total: float = 60.0
    connect: float = 10.0
    pool: float = 30.0
    read: float | None = None

    def limit(self, phase: Phase) -> float:
        """The bound that applies in a phase (the total where no bound of its own does)."""
        own = {"pool": self.pool, "connect": self.connect, "read": self.read}.get(phase)
        return min(self.total, own) if own is not None else self.total


class _Progress:
    """How far one request got; set by the request class and the connector below."""

    __slots__ = ("phase",)

    def __init__(self) -> None:
        self.phase: Phase = "pool"


_PROGRESS: ContextVar[_Progress | None] = ContextVar("keitaro_node_http_progress", default=None)
"""The progress of the request this task is sending (aiohttp runs it in the caller's task).
Cheaper than aiohttp's trace signals, which cost about a tenth of the request rate."""


class _Request(aiohttp.ClientRequest):
    """Marks the request written once aiohttp has sent it on its connection."""

    async def send(self, conn: Any) -> aiohttp.ClientResponse:
        progress = _PROGRESS.get()
        if progress is not None:
            progress.phase = "write"
        response = await super().send(conn)
        if progress is not None:
            progress.phase = "read"
        return response


class _Connector(aiohttp.TCPConnector):
    """Marks the wait for a connection as connecting once a new one is being opened.
    (tests/test_http.py's connect-timeout test fails if aiohttp stops calling this.)"""

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:  # noqa: ASYNC109 - aiohttp's signature
        progress = _PROGRESS.get()
        if progress is not None:
            progress.phase = "connect"
        return await super()._create_connection(req, traces, timeout)


class HttpRequest(NamedTuple):
    method: str
    url: str
    headers: Mapping[str, str]
    query: Sequence[tuple[str, str]] = ()
    body: Any = None
    """JSON to send, or bytes sent as they are (a form, a raw body)."""
    timeout: float | None = None
    """Seconds for this request as a whole, instead of the transport's ``total``."""


class Transport(Protocol):
    """Sends one request; raises TransportError when no usable answer came back."""

    async def send(self, request: HttpRequest) -> RawResponse: ...

    async def close(self) -> None: ...


class AiohttpTransport:
    """aiohttp behind the Transport protocol. Create and use it inside a running event loop."""

    def __init__(
        self,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        timeouts: Timeouts = Timeouts(),
        max_body: int = DEFAULT_MAX_BODY,
        user_agent: str = "keitaro-node",
    ) -> None:
        self.max_body = max_body
        self.timeouts = timeouts
        self._timeout = aiohttp.ClientTimeout(
            total=timeouts.total,
            connect=timeouts.pool,  # aiohttp: the whole wait for a connection
            sock_connect=timeouts.connect,
            sock_read=timeouts.read,
        )
        self._session = aiohttp.ClientSession(
            connector=_Connector(limit=concurrency, limit_per_host=concurrency),
            timeout=self._timeout,
            headers={"User-Agent": user_agent},
            json_serialize=json.dumps,
            auto_decompress=True,
            request_class=_Request,
        )
        # aiohttp silently re-sends a GET/PUT/DELETE once when a reused connection drops; the
        # client must see that drop (the first request may have been applied) to decide itself.
        # tests/test_http.py fails if aiohttp renames this attribute.
        self._session._retry_connection = False

    def __repr__(self) -> str:
        return f"AiohttpTransport(max_body={self.max_body})"

    async def send(self, request: HttpRequest) -> RawResponse:
        data = request.body if isinstance(request.body, bytes) else None
        if data is None and request.body is not None:
            data = json.dumps(request.body, ensure_ascii=False).encode()
        timeout = self._timeout
        if request.timeout:
            timeout = aiohttp.ClientTimeout(
                total=request.timeout, connect=timeout.connect, sock_connect=timeout.sock_connect
            )
        progress = _Progress()
        token = _PROGRESS.set(progress)
        try:
            async with self._session.request(
                request.method,
                request.url,
                params=request.query or None,
                data=data,
                headers=request.headers,
                allow_redirects=False,
                timeout=timeout,
            ) as resp:
                body = await self._read(resp)
                return RawResponse(resp.status, resp.reason or "", resp.headers, body)
        except aiohttp.ClientConnectorError as exc:
            raise TransportError(
                f"could not connect to {exc.host}:{exc.port}: {exc.os_error.strerror or exc}",
                sent=False,
            ) from None
        except TimeoutError:  # aiohttp's ConnectionTimeoutError and SocketTimeoutError too
            raise self._timed_out(progress.phase) from None
        except aiohttp.ClientPayloadError as exc:
            raise TransportError(f"the response body was cut off: {exc}", sent=True) from None
        except aiohttp.ServerDisconnectedError:
            raise TransportError(
                "the server closed the connection before answering", sent=True
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise TransportError(
                f"connection error: {type(exc).__name__}: {exc}", sent=True
            ) from None
        finally:
            _PROGRESS.reset(token)

    def _timed_out(self, phase: Phase) -> TransportError:
        message, sent = PHASES[phase]
        error = TransportError(message.format(f"{self.timeouts.limit(phase):g}"), sent=sent)
        error.phase = phase
        return error

    async def _read(self, resp: aiohttp.ClientResponse) -> bytes:
        """The body, refusing more than ``max_body`` bytes, counted after decompression (a small
        gzip answer may inflate a thousandfold): a compressed body is always read in chunks."""
        encoded = resp.headers.get("Content-Encoding", "identity").lower() != "identity"
        if resp.content_length is not None and not encoded:
            if resp.content_length > self.max_body:
                raise TransportError(
                    f"the response body ({resp.content_length} bytes) exceeds the "
                    f"{self.max_body}-byte cap",
                    sent=True,
                )
            return await resp.read()
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(1 << 16):
            size += len(chunk)
            if size > self.max_body:
                raise TransportError(
                    f"the response body exceeds the {self.max_body}-byte cap"
                    + (" once decompressed" if encoded else ""),
                    sent=True,
                )
            chunks.append(chunk)
        return b"".join(chunks)

    async def close(self) -> None:
        await self._session.close()
        # Let aiohttp finish closing transports (avoids "unclosed transport" warnings).
        await asyncio.sleep(0)
