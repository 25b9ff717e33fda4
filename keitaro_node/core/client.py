"""Base URL + auth + transport + retry policy: one RequestPlan in, ApiResponse or error out."""

from __future__ import annotations

import asyncio
import functools
import json
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from ..errors import ApiError, InputError, RequestError, TransportError
from ..masking import SECRET_FILTER, Redactor, logger
from ..model import ApiResponse, Credentials, RequestPlan
from .http import HttpRequest, RawResponse, Transport
from .policy import RetryPolicy, refused_before_processing, retry_after_seconds

log = logger("keitaro_node.core.client")
REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 3

# n8n's NodeApiError messages by status (packages/workflow/src/errors/node-api.error.ts).
N8N_STATUS_MESSAGES = {
    400: "Bad request - please check your parameters",
    401: "Authorization failed - please check your credentials",
    402: "Payment required - perhaps check your payment details?",
    403: "Forbidden - perhaps check your credentials?",
    404: "The resource you are requesting could not be found",
    405: "Method not allowed - please check you are using the right HTTP method",
    429: "The service is receiving too many requests from you",
    500: "The service was not able to process your request",
    502: "Bad gateway - the service failed to handle your request",
    503: "Service unavailable - try again later or consider setting this node to retry "
    "automatically (in the node settings)",
    504: "Gateway timed out - perhaps try again later?",
}

MAX_DESCRIPTION = 1000
MAY_HAVE_BEEN_APPLIED = (
    "the request reached the tracker and may have been applied: check before sending it again"
)
NEVER_SENT = "the request never reached the tracker: nothing was applied"
REFUSED = "the tracker refused the request before processing it: nothing was applied"


class RateLimiter:
    """At most ``rate`` request starts per second, shared by every worker of a run."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("a rate limit must be positive")
        self.interval = 1.0 / rate
        self._next = 0.0
        self._clock = clock
        self._sleep = sleep

    async def wait(self) -> None:
        now = self._clock()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)


def status_message(status: int) -> str:
    if status in N8N_STATUS_MESSAGES:
        return N8N_STATUS_MESSAGES[status]
    if 400 <= status < 500:
        return "Your request is invalid or could not be processed by the service"
    return "The service failed to process your request"


def _looks_like_html(raw: RawResponse) -> bool:
    ctype = raw.headers.get("Content-Type") or raw.headers.get("content-type") or ""
    return "html" in ctype or raw.body[:256].lstrip()[:1] == b"<"


def _parse_text(raw: RawResponse) -> str:
    return raw.body.decode("utf-8", errors="replace").strip()


def _parse_body(raw: RawResponse) -> Any:
    """JSON if it parses, else the text (error bodies are often plain text)."""
    text = _parse_text(raw)
    data = _json_or_invalid(raw.body)
    return text if data is _INVALID else data


def describe_error_body(data: Any) -> str | None:
    """A person-readable summary of an error body: ``error``, a field map, or the text."""
    if isinstance(data, dict):
        for key in ("error", "message", "description"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value
        parts = []
        for field_name, messages in data.items():
            text = "; ".join(map(str, messages)) if isinstance(messages, list) else str(messages)
            parts.append(f"{field_name}: {text}")
        return ", ".join(parts) or None
    if isinstance(data, str):
        text = data.strip()
        if text.startswith("<"):
            return "the server answered with an HTML page"
        return text[:MAX_DESCRIPTION] or None
    return None


class KeitaroClient:
    """Sends RequestPlans to one tracker with its key, retrying where the policy allows."""

    def __init__(
        self,
        credentials: Credentials,
        transport: Transport,
        policy: RetryPolicy | None = None,
        *,
        rate_limit: float | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = credentials.base_url
        self._postback_base = f"{credentials.root_url}/{credentials.postback_key or ''}"
        self._has_postback_key = bool(credentials.postback_key)
        self._origin = urlsplit(self.base_url)
        self._key_bytes = credentials.api_key.encode()
        self._echo = _echo_pattern(credentials.api_key)
        secrets = [credentials.api_key, *filter(None, [credentials.postback_key])]
        self.redactor = Redactor(secrets)
        for secret in secrets:
            SECRET_FILTER.add(secret)
        self.transport = transport
        self.policy = policy or RetryPolicy()
        self.limiter = RateLimiter(rate_limit, clock=clock, sleep=sleep) if rate_limit else None
        self._headers = {
            "Api-Key": credentials.api_key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._masked_headers = self.redactor.headers(self._headers)
        self._postback_headers = {"Accept": "*/*"}  # the postback URL is not the Admin API
        self._sleep = sleep
        self._clock = clock

    def __repr__(self) -> str:
        return f"KeitaroClient(base_url={self.base_url!r})"

    def _base(self, plan: RequestPlan) -> str:
        return self._postback_base if plan.endpoint == "postback" else self.base_url

    def url(self, plan: RequestPlan) -> str:
        return _with_query(f"{self._base(plan)}{plan.path}", plan.query)

    def describe(self, plan: RequestPlan) -> dict[str, Any]:
        """The masked request metadata that output items and errors carry."""
        postback = plan.endpoint == "postback"
        return {
            "url": self.redactor.url(self.url(plan)),
            "method": plan.method,
            "headers": dict(self._postback_headers if postback else self._masked_headers),
        }

    async def send(self, plan: RequestPlan) -> ApiResponse:
        """Send with retries; raise ApiError or TransportError carrying masked metadata."""
        if plan.endpoint == "postback" and not self._has_postback_key:
            raise InputError(
                "credentials: this operation sends an S2S postback, which needs the tracker's "
                "postback key (Maintenance → Postback URL): set postbackKey in the credentials "
                "or KEITARO_POSTBACK_KEY",
                property="postbackKey",
            )
        started = self._clock()
        attempt = 0
        uncertain = False  # an earlier attempt may have been applied (its answer was lost)
        while True:
            attempt += 1
            raw: RawResponse | None = None
            try:
                if self.limiter is not None:
                    await self.limiter.wait()
                raw = await self._follow(plan)
                return self._interpret(raw, plan)
            except RequestError as exc:
                retry_after = retry_after_seconds(raw.headers.get("Retry-After")) if raw else None
                if uncertain and plan.method == "DELETE" and exc.http_code == 404:
                    return ApiResponse(exc.http_code, None, raw.headers if raw else {}, True)
                uncertain = uncertain or _maybe_applied(exc, retry_after)
                delay = self.policy.next_delay(
                    attempt=attempt,
                    elapsed=self._clock() - started,
                    idempotent=plan.idempotent,
                    status=exc.http_code,
                    sent=exc.sent if isinstance(exc, TransportError) else True,
                    retry_after=retry_after,
                )
                if delay is None:
                    raise self._finish(exc, plan, attempt, retry_after) from None
                log.debug(
                    "retrying %s %s in %.2fs (attempt %d): %s",
                    plan.method,
                    self.redactor.url(self.url(plan)),
                    delay,
                    attempt,
                    self.redactor.text(exc.message),
                )
                await self._sleep(delay)

    async def _follow(self, plan: RequestPlan) -> RawResponse:
        """Send, following redirects only within the tracker's own origin (at most 3).

        As browsers do, a 303 (and a 301 or 302 after a POST) is followed with a GET without the
        body; 307 and 308 keep the method and the body.
        """
        url, query = f"{self._base(plan)}{plan.path}", plan.query
        method, body = plan.method, plan.body
        headers = self._postback_headers if plan.endpoint == "postback" else self._headers
        for _ in range(MAX_REDIRECTS + 1):
            raw = await self.transport.send(HttpRequest(method, url, headers, query, body))
            location = raw.headers.get("Location")
            if raw.status not in REDIRECTS or not location:
                return raw
            try:
                target = urljoin(_with_query(url, query), location)
                same_origin = self._same_origin(target)
            except ValueError:
                raise ApiError(
                    "the tracker redirected to an invalid address "
                    f"({self.redactor.text(location)!r})",
                    http_code=raw.status,
                    status_text=self.redactor.text(raw.reason),
                    description="check the domain: use the admin panel's address, with https://",
                ) from None
            if not same_origin:
                raise ApiError(
                    f"the tracker redirected to another host ({self.redactor.url(target)}); the "
                    "redirect was not followed so that the API key is never sent anywhere else",
                    http_code=raw.status,
                    status_text=self.redactor.text(raw.reason),
                    description="check the domain: use the admin panel's address, with https://",
                )
            if raw.status == 303 or (raw.status in (301, 302) and method == "POST"):
                method, body = "GET", None
            url, query = target, ()
        raise ApiError(
            f"the tracker redirected more than {MAX_REDIRECTS} times; gave up",
            http_code=raw.status,
            status_text=self.redactor.text(raw.reason),
        )

    def _same_origin(self, url: str) -> bool:
        parts = urlsplit(url)
        return (parts.hostname, parts.port, parts.scheme) == (
            self._origin.hostname,
            self._origin.port,
            self._origin.scheme,
        )

    def _finish(
        self, exc: RequestError, plan: RequestPlan, attempts: int, retry_after: float | None
    ) -> RequestError:
        """The error as users see it: masked texts, request metadata, attempts counted, and for
        a write whether it may have been applied."""
        exc.message = self.redactor.text(exc.message)
        exc.args = (exc.message,)
        note = f"gave up after {attempts} attempts" if attempts > 1 else None
        applied = None
        if not plan.idempotent:
            if _maybe_applied(exc, retry_after):
                applied = MAY_HAVE_BEEN_APPLIED
            elif isinstance(exc, TransportError):
                applied = NEVER_SENT
            elif refused_before_processing(exc.http_code, retry_after):
                applied = REFUSED
        exc.maybe_applied = applied == MAY_HAVE_BEEN_APPLIED
        parts = [p for p in (exc.description, note, applied) if p]
        exc.description = self.redactor.text("; ".join(parts)) if parts else None
        exc.response_data = self.redactor.data(exc.response_data)
        if exc.status_text:
            exc.status_text = self.redactor.text(exc.status_text)
        exc.request = self.describe(plan)
        return exc

    def _interpret(self, raw: RawResponse, plan: RequestPlan) -> ApiResponse:
        if 300 <= raw.status < 400:
            raise ApiError(
                f"the tracker answered {raw.status} without a usable redirect",
                http_code=raw.status,
                status_text=raw.reason,
                description="check the domain: use the admin panel's address, with https://",
            )
        if raw.status >= 400:
            data = _parse_body(raw)
            description = describe_error_body(data)
            if raw.status == 404 and _looks_like_html(raw):
                description = (
                    "the server answered with an HTML page: the domain is probably not a Keitaro "
                    "tracker's admin host (use the address on which the admin panel opens)"
                )
            raise ApiError(
                status_message(raw.status),
                http_code=raw.status,
                status_text=raw.reason,
                response_data=data,
                description=description,
            )
        if plan.endpoint == "postback":  # the postback URL answers with text ("Success", …)
            return ApiResponse(raw.status, self.redactor.text(_parse_text(raw)), raw.headers)
        if not raw.body.strip():
            if plan.method == "GET":
                raise ApiError(
                    "the tracker answered a read with an empty body",
                    http_code=raw.status,
                    status_text=raw.reason,
                )
            return ApiResponse(raw.status, None, raw.headers)  # e.g. DELETE /traffic_sources/{id}
        if _looks_like_html(raw):
            raise ApiError(
                "the tracker answered with an HTML page instead of JSON: the domain is probably "
                "not the Admin API (wrong host or path)",
                http_code=raw.status,
                status_text=raw.reason,
                description="use the host on which the admin panel opens; the node adds "
                "/admin_api/v1 itself",
            )
        data = _json_or_invalid(raw.body)
        if data is _INVALID:  # raised outside the except block: the text is on no exception chain
            raise TransportError(
                f"the response to {plan.method} {plan.path} is not valid JSON "
                f"({len(raw.body)} bytes; truncated?)",
                sent=True,
            )
        body = raw.body  # a tracker echoing the key back, maybe \u-escaped (then a \ is there)
        if (self._key_bytes in body or b"\\" in body) and self._echo.search(body):
            data = self.redactor.data(data)
        return ApiResponse(raw.status, data, raw.headers)


def _maybe_applied(exc: RequestError, retry_after: float | None) -> bool:
    """The request reached the tracker and its answer was lost or was an error after handling."""
    if isinstance(exc, TransportError):
        return exc.sent
    status = exc.http_code
    return (
        status is not None and status >= 500 and not refused_before_processing(status, retry_after)
    )


_INVALID = object()


def _json_or_invalid(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to be an answer
        return _INVALID


@functools.lru_cache(maxsize=32)  # a server makes a client per execution, for the same keys
def _echo_pattern(secret: str) -> re.Pattern[bytes]:
    """Finds ``secret`` in a JSON body, each character literal or escaped (``\\u0043``, ``\\/``)."""
    parts = []
    for char in secret:
        forms = [re.escape(char.encode())]
        if ord(char) < 0x10000:
            forms.append(rb"\\u" + _hex(ord(char)))
        if char == "/":
            forms.append(rb"\\/")
        parts.append(b"(?:" + b"|".join(forms) + b")")
    return re.compile(b"".join(parts))


def _hex(code: int) -> bytes:
    """The ``\\u`` escape's digits of a code point in either case: ``[0][0][6][fF]`` for o."""
    return b"".join(b"[" + d.lower().encode() + d.upper().encode() + b"]" for d in f"{code:04x}")


def _with_query(url: str, query: Sequence[tuple[str, str]]) -> str:
    return f"{url}?{urlencode(query)}" if query else url
