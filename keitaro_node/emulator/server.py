"""The emulator's aiohttp application: auth, journal, faults, error mapping, and ``Emulator``."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from ..limits import deeper_than
from ..masking import MASK, Redactor, is_sensitive_name
from .api import BODY, Handler, Tracker, reply
from .entities import ApiProblem
from .faults import FaultPlan, FaultSpec
from .report_filters import ReportError
from .seed import seed
from .store import Store

log = logging.getLogger("keitaro_node.emulator")
API_PREFIX = "/admin_api/v1"
CONTROL_PREFIX = "/_emulator"
PANEL_HTML = (
    "<!DOCTYPE html><html><head><title>Keitaro</title></head>"
    '<body><div id="app">Keitaro admin panel (emulator)</div></body></html>'
)
RESTRICTED = "You have no permission to access this page to view users"
NGINX_502 = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
    "</center><hr><center>nginx</center></body></html>"
)


@dataclass(slots=True)
class JournalEntry:
    seq: int
    time: float
    method: str
    path: str
    query: list[tuple[str, str]]
    body: Any
    headers: dict[str, str]
    status: int | None = None
    """Set once the answer is known (the journal's ``finish``)."""
    size: int | None = None
    """The declared size of a body that was not read (an unauthorised request's)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "query": [list(p) for p in self.query],
            "body": self.body,
            "headers": self.headers,
            "status": self.status,
            "size": self.size,
        }


class Journal:
    """Every request the emulator received, with secrets masked. Newest last."""

    def __init__(self, *secrets: str, maxlen: int = 200_000) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=maxlen)
        self._redactor = Redactor(list(secrets))
        self._seq = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(list(self._entries))

    def record(self, request: web.Request, body: Any, size: int | None = None) -> JournalEntry:
        self._seq += 1
        headers = {
            k: MASK if is_sensitive_name(k) else self._redactor.text(v)
            for k, v in request.headers.items()
        }
        entry = JournalEntry(
            self._seq,
            time.time(),
            request.method,
            self._redactor.text(request.path),  # the postback key is in its path
            [(k, self._redactor.text(v)) for k, v in request.query.items()],
            self._redactor.data(body),
            headers,
            size=size,
        )
        self._entries.append(entry)
        return entry

    def finish(self, entry: JournalEntry, status: int) -> None:
        entry.status = status

    def clear(self) -> None:
        self._entries.clear()

    def last(self, path: str | None = None) -> JournalEntry:
        for entry in reversed(self._entries):
            if path is None or entry.path == path:
                return entry
        raise LookupError(f"no request to {path!r} in the journal")


FORM_REFUSED = "The request body must be JSON (Content-Type: application/json)"


def _parse_body(raw: bytes, content_type: str) -> Any:
    if not raw.strip():
        return None
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise ApiProblem(400, {"error": FORM_REFUSED})  # see deviations.FORM_BODIES
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiProblem(400, {"error": "Malformed JSON in the request body"}) from None
    if deeper_than(body):  # the handlers walk bodies recursively
        raise ApiProblem(400, {"error": "The request body is nested too deeply"})
    try:  # a lone surrogate ("\ud800") parses, but is no text the tracker can store
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ApiProblem(400, {"error": "Malformed UTF-8 in the request body"}) from None
    return body


class Emulator:
    """A local Keitaro Admin API. ``async with Emulator(api_key=…) as emu: emu.url``."""

    def __init__(
        self,
        api_key: str = "emulator-api-key",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str = ":memory:",
        seed: str | None = "demo",
        clicks: int = 2000,
        faults: FaultSpec | str | None = None,
        validation_status: Literal[406, 422] = 422,
        unknown_path: Literal["html", "404"] = "html",
        timezone: str = "UTC",
        postback_key: str = "emulatorpostback",
        restricted: bool = False,
        original_paths: bool = False,
        now: Callable[[], float] | None = None,
    ) -> None:
        """``restricted``: answer as a USER-type key does (403 on /users, an empty /domains).

        ``original_paths``: also serve the original node's guessed paths (``/settings``,
        ``POST /logs/{type}``, …). No real tracker has them: by default they get the answer of
        any unknown path, as on a tracker.

        ``now``: the tracker's clock (the seed's traffic ends there; report intervals count
        from it); the real time by default.
        """
        if not api_key:
            raise ValueError("the emulator needs an API key")
        self._api_key = api_key
        self.host = host
        self.port = port
        self.store = Store(db)
        self.tracker = Tracker(
            self.store, timezone, validation_status, postback_key, restricted=restricted
        )
        if now is not None:
            self.tracker.now = now
        self.original_paths = original_paths
        self.journal = Journal(api_key, postback_key)
        self.unknown_path = unknown_path
        self.restricted = restricted
        self.set_faults(faults)
        self._seed = (seed, clicks)
        self.in_flight = 0
        self.peak_in_flight = 0
        """Requests being handled now, and the most at once (to check a client's bound)."""
        self._runner: web.AppRunner | None = None

    def __repr__(self) -> str:
        return f"Emulator(url={self.url!r})"

    @property
    def url(self) -> str:
        """The tracker address to give to ``Credentials(domain=…)``."""
        return f"http://{self.host}:{self.port}"

    def set_faults(self, faults: FaultSpec | str | None) -> None:
        """Change fault injection while running (a spec or its text form; None turns it off)."""
        spec = faults if isinstance(faults, FaultSpec) else FaultSpec.parse(faults)
        self.faults = FaultPlan(spec)

    def counts(self) -> dict[str, int]:
        """How many objects of each kind the store holds (for tests and the soak summary)."""
        rows = self.store.query("SELECT kind, COUNT(*) AS n FROM entities GROUP BY kind")
        out = {r["kind"]: int(r["n"]) for r in rows}
        out["clicks"] = int(self.store.query("SELECT COUNT(*) AS n FROM clicks")[0]["n"])
        out["conversions"] = int(self.store.query("SELECT COUNT(*) AS n FROM conversions")[0]["n"])
        return out

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> Emulator:
        seed(self.tracker, *self._seed)
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if self.port == 0:
            self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.store.close()

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @classmethod
    @contextmanager
    def in_thread(cls, **kwargs: Any) -> Iterator[Emulator]:
        """Run an emulator on its own event loop in a background thread (for sync callers)."""
        loop = asyncio.new_event_loop()
        emulator = cls(**kwargs)
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(emulator.start())
            started.set()
            loop.run_forever()

        thread = threading.Thread(target=run, name="keitaro-emulator", daemon=True)
        thread.start()
        if not started.wait(30):
            raise RuntimeError("the emulator did not start")
        try:
            yield emulator
        finally:
            asyncio.run_coroutine_threadsafe(emulator.stop(), loop).result(30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(30)
            loop.close()

    # ------------------------------------------------------------------ application
    def app(self) -> web.Application:
        app = web.Application(
            middlewares=[
                self._auth_mw,
                self._journal_mw,
                *([self._restricted_mw] if self.restricted else []),
                self._errors_mw,
                self._faults_mw,
            ],
            client_max_size=64 * 1024 * 1024,
        )
        for method, path, handler in self.tracker.routes():
            # ids are integers in the tracker's router: /campaigns/abc matches no route
            app.router.add_route(method, API_PREFIX + path.replace("{id}", r"{id:\d+}"), handler)
        if self.original_paths:
            for method, path, handler in self.tracker.original_routes():
                app.router.add_route(method, API_PREFIX + path, handler)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._unknown)
        app.router.add_route("*", "/admin_api/{tail:.*}", self._unknown)
        app.router.add_get(CONTROL_PREFIX + "/journal", self._journal_get)
        app.router.add_delete(CONTROL_PREFIX + "/journal", self._journal_clear)
        app.router.add_get(CONTROL_PREFIX + "/faults", self._faults_get)
        app.router.add_put(CONTROL_PREFIX + "/faults", self._faults_put)
        app.router.add_get(CONTROL_PREFIX + "/counts", self._counts)
        app.router.add_route("*", "/{key}/postback", self.tracker.s2s_postback)
        return app

    def _authorised(self, request: web.Request) -> bool:
        key = request.headers.get("Api-Key")
        if key is None:
            scheme, _, value = request.headers.get("Authorization", "").partition(" ")
            key = value if scheme.lower() == "bearer" else None
        return key == self._api_key

    def _reads_body(self, request: web.Request) -> bool:
        """Only an authorised request to a route, or a postback with the right key, has its body
        read: anyone else's costs no memory (the journal keeps its size)."""
        if request.match_info.http_exception is not None:
            return False
        if request.path.startswith(("/admin_api", CONTROL_PREFIX)):
            return self._authorised(request) and request.match_info.route.handler != self._unknown
        return request.match_info.get("key") == self.tracker.postback_key

    @web.middleware
    async def _journal_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not self._reads_body(request):
            entry = self.journal.record(request, None, size=request.content_length)
            request[BODY] = None
            try:
                response = await handler(request)
            except web.HTTPException as exc:  # aiohttp's own 404 and 405
                self.journal.finish(entry, exc.status)
                raise
            self.journal.finish(entry, response.status)
            return response
        raw = await request.read()
        try:
            body = _parse_body(raw, request.content_type)
        except ApiProblem as exc:
            self.journal.record(request, raw.decode("utf-8", errors="replace"))
            return reply(exc.body, exc.status)
        request[BODY] = body
        entry = self.journal.record(request, body)
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            response = await handler(request)
        finally:
            self.in_flight -= 1
        self.journal.finish(entry, response.status)
        return response

    @web.middleware
    async def _auth_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The key is checked before the body is read: refused requests' bodies are never kept."""
        guarded = request.path.startswith(("/admin_api", CONTROL_PREFIX))
        if guarded and not self._authorised(request):
            self.journal.finish(self.journal.record(request, None), 401)
            return reply({"error": "Unauthorized"}, 401)
        return await handler(request)

    @web.middleware
    async def _restricted_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """What a USER-type key sees: 403 on /users, an empty domain list."""
        if request.path.startswith(API_PREFIX + "/users"):
            return reply({"error": RESTRICTED, "stacktrace": None}, 403)
        if request.method == "GET" and request.path == API_PREFIX + "/domains":
            return reply([])
        return await handler(request)

    @web.middleware
    async def _errors_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiProblem as exc:
            if exc.text:
                return web.Response(status=exc.status, text=str(exc.body))
            return reply(exc.body, exc.status)
        except ReportError as exc:
            return reply({"error": str(exc)}, 400)
        except web.HTTPException:
            raise
        except Exception:
            log.exception("emulator handler failed: %s %s", request.method, request.path)
            return reply({"error": "Internal error"}, 500)

    @web.middleware
    async def _faults_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        spec = self.faults.spec
        writes_only = spec.writes and request.method in ("GET", "HEAD")
        if not request.path.startswith("/admin_api") or not spec.active or writes_only:
            return await handler(request)
        delay, fault = self.faults.draw()
        if delay:
            await asyncio.sleep(delay)
        if fault == "reset":
            if request.transport is not None:
                request.transport.abort()
            return web.Response()  # never sent: the connection is gone
        if fault == "500":
            return reply({"error": "Internal error (fault injection)"}, 500)
        if fault == "502":
            return web.Response(status=502, text=NGINX_502, content_type="text/html")
        if fault == "503":
            response = reply({"error": "Service temporarily unavailable"}, 503)
            response.headers["Retry-After"] = str(spec.retry_after)
            return response
        if fault == "429":
            return web.Response(
                status=429,
                text=json.dumps({"error": "Too many requests"}),
                content_type="application/json",
                headers={"Retry-After": str(spec.retry_after)},
            )
        answer = await handler(request)
        if fault == "drop":  # the write is applied, then the connection dies unanswered
            if request.transport is not None:
                request.transport.abort()
            return web.Response()  # never sent: the connection is gone
        if fault in ("truncate", "slow") and isinstance(answer, web.Response) and answer.body:
            return await self._dribble(request, answer, fault, spec.slow_ms / 1000)
        return answer

    async def _dribble(
        self, request: web.Request, response: web.Response, fault: str, slow_seconds: float
    ) -> web.StreamResponse:
        """Send a response's body cut off halfway (truncate) or in slow pieces (slow)."""
        body = bytes(response.body)  # type: ignore[arg-type]
        stream = web.StreamResponse(status=response.status, headers=response.headers)
        stream.content_length = len(body)
        await stream.prepare(request)
        if fault == "truncate":
            await stream.write(body[: len(body) // 2])
            if request.transport is not None:
                request.transport.close()
            return stream
        pieces = 5
        step = max(1, len(body) // pieces)
        for start in range(0, len(body), step):
            await stream.write(body[start : start + step])
            await asyncio.sleep(slow_seconds / pieces)
        await stream.write_eof()
        return stream

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        if self.unknown_path == "404":
            return web.Response(status=404, text="Not found")
        return web.Response(text=PANEL_HTML, content_type="text/html")

    # ------------------------------------------------------------------ control endpoints
    async def _journal_get(self, request: web.Request) -> web.StreamResponse:
        return reply([e.as_dict() for e in self.journal])

    async def _journal_clear(self, request: web.Request) -> web.StreamResponse:
        self.journal.clear()
        return reply({"success": True})

    async def _faults_get(self, request: web.Request) -> web.StreamResponse:
        return reply({"spec": self.faults.spec.__dict__, "counts": self.faults.counts})

    async def _faults_put(self, request: web.Request) -> web.StreamResponse:
        body = request.get(BODY) or {}
        try:
            self.set_faults(body.get("spec") if isinstance(body, dict) else None)
        except ValueError as exc:
            return reply({"error": str(exc)}, 400)
        return reply({"spec": self.faults.spec.__dict__})

    async def _counts(self, request: web.Request) -> web.StreamResponse:
        return reply(self.counts())
