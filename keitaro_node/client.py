"""Base URL + auth + transport + retry policy: one RequestPlan in, ApiResponse or error out."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from .errors import ApiError, RequestError, TransportError
from .masking import Redactor
from .model import ApiResponse, Credentials, RequestPlan
from .policy import RetryPolicy, retry_after_seconds
from .transport import HttpRequest, RawResponse, Transport

log = logging.getLogger("keitaro_node.client")

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


def status_message(status: int) -> str:
    if status in N8N_STATUS_MESSAGES:
        return N8N_STATUS_MESSAGES[status]
    if 400 <= status < 500:
        return "Your request is invalid or could not be processed by the service"
    return "The service failed to process your request"


def _looks_like_html(raw: RawResponse) -> bool:
    ctype = raw.headers.get("Content-Type", raw.headers.get("content-type", ""))
    return "html" in ctype or raw.body.lstrip()[:1] == b"<"


def _parse_body(raw: RawResponse) -> Any:
    """JSON if it parses, else the text (error bodies are often plain text)."""
    text = raw.body.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


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
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = credentials.base_url
        self._host = urlsplit(self.base_url).netloc
        self._api_key = credentials.api_key
        self._key_bytes = credentials.api_key.encode()
        self.redactor = Redactor([credentials.api_key])
        self.transport = transport
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._clock = clock

    def __repr__(self) -> str:
        return f"KeitaroClient(base_url={self.base_url!r})"

    def url(self, plan: RequestPlan) -> str:
        query = f"?{urlencode(plan.query)}" if plan.query else ""
        return f"{self.base_url}{plan.path}{query}"

    def headers(self) -> dict[str, str]:
        return {
            "Api-Key": self._api_key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def describe(self, plan: RequestPlan) -> dict[str, Any]:
        """The masked request metadata that output items and errors carry."""
        return {
            "url": self.redactor.url(self.url(plan)),
            "method": plan.method,
            "headers": self.redactor.headers(self.headers()),
        }

    async def send(self, plan: RequestPlan) -> ApiResponse:
        """Send with retries; raise ApiError or TransportError carrying masked metadata."""
        request = HttpRequest(
            method=plan.method,
            url=f"{self.base_url}{plan.path}",
            headers=self.headers(),
            query=plan.query,
            body=plan.body,
        )
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                raw = await self.transport.send(request)
                retry_after = retry_after_seconds(raw.headers.get("Retry-After"))
                return self._interpret(raw, plan)
            except RequestError as exc:
                delay = self.policy.next_delay(
                    attempt=attempt,
                    elapsed=self._clock() - started,
                    idempotent=plan.idempotent,
                    status=exc.http_code,
                    sent=exc.sent if isinstance(exc, TransportError) else True,
                    retry_after=retry_after,
                )
                if delay is None:
                    raise self._finish(exc, plan, attempt) from None
                log.debug(
                    "retrying %s %s in %.2fs (attempt %d): %s",
                    plan.method,
                    self.redactor.url(self.url(plan)),
                    delay,
                    attempt,
                    self.redactor.text(exc.message),
                )
                await self._sleep(delay)

    def _finish(self, exc: RequestError, plan: RequestPlan, attempts: int) -> RequestError:
        """The error as users see it: masked texts, request metadata, attempts counted."""
        exc.message = self.redactor.text(exc.message)
        exc.args = (exc.message,)
        note = f"gave up after {attempts} attempts" if attempts > 1 else None
        parts = [p for p in (exc.description, note) if p]
        exc.description = self.redactor.text("; ".join(parts)) if parts else None
        exc.response_data = self.redactor.data(exc.response_data)
        exc.request = self.describe(plan)
        return exc

    def _interpret(self, raw: RawResponse, plan: RequestPlan) -> ApiResponse:
        if 300 <= raw.status < 400:
            location = raw.headers.get("Location", "")
            target = urlsplit(location).netloc or self._host
            where = "another host" if target != self._host else "another address"
            raise ApiError(
                f"the tracker redirected to {where} ({self.redactor.url(location)}); redirects "
                "are not followed so that the API key is never sent anywhere else",
                http_code=raw.status,
                status_text=raw.reason,
                description="check the domain: use the admin panel's address, with https://",
            )
        if raw.status >= 400:
            data = _parse_body(raw)
            raise ApiError(
                status_message(raw.status),
                http_code=raw.status,
                status_text=raw.reason,
                response_data=data,
                description=describe_error_body(data),
            )
        if not raw.body.strip():
            return ApiResponse(raw.status, None, raw.headers)
        if _looks_like_html(raw):
            raise ApiError(
                "the tracker answered with an HTML page instead of JSON: the domain is probably "
                "not the Admin API (wrong host or path)",
                http_code=raw.status,
                status_text=raw.reason,
                description="use the host on which the admin panel opens; the node adds "
                "/admin_api/v1 itself",
            )
        try:
            data = json.loads(raw.body)
        except ValueError:
            raise TransportError(
                f"the response to {plan.method} {plan.path} is not valid JSON "
                f"({len(raw.body)} bytes; truncated?)",
                sent=True,
            ) from None
        if self._key_bytes in raw.body:  # a tracker echoing the key back: mask it (rare, so cheap)
            data = self.redactor.data(data)
        return ApiResponse(raw.status, data, raw.headers)
