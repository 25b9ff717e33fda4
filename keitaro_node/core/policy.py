"""Pure retry decisions: what may be retried, and how long to wait.

Idempotent operations retry on 429, 5xx, connection errors and timeouts, with exponential backoff
and full jitter, honouring ``Retry-After`` (seconds or an HTTP date), capped by attempts and by a
total deadline. A non-idempotent request is retried only when the tracker provably did not apply
it: the connection was refused before anything was sent, or the answer refused it before
processing (429, and 503 with ``Retry-After``). 400, 401, 402, 403, 404, 406 and 422 never are.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header value, or None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²" is a digit to str.isdigit, not to float
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def refused_before_processing(status: int | None, retry_after: float | None) -> bool:
    """A 429, or a 503 that says when to come back: the tracker (or its proxy) turned the
    request away before handling it, so nothing was applied and a create may be sent again."""
    return status == 429 or (status == 503 and retry_after is not None)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 10.0
    deadline: float = 60.0
    """Total seconds one request may spend, retries included."""
    retry_after_cap: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def may_retry(
        self, *, idempotent: bool, status: int | None, sent: bool, retry_after: float | None = None
    ) -> bool:
        """Whether this failure is safe to retry (attempt counting is separate)."""
        if status is not None:
            return status in RETRYABLE_STATUSES and (
                idempotent or refused_before_processing(status, retry_after)
            )
        return idempotent or not sent

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Wait before attempt ``attempt + 1`` (attempt counts from 1)."""
        if retry_after is not None:
            return min(retry_after, self.retry_after_cap)
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return self.rng.uniform(0, ceiling)

    def next_delay(
        self,
        *,
        attempt: int,
        elapsed: float,
        idempotent: bool,
        status: int | None,
        sent: bool,
        retry_after: float | None = None,
    ) -> float | None:
        """Seconds to wait before retrying, or None to give up."""
        if attempt >= self.max_attempts or not self.may_retry(
            idempotent=idempotent, status=status, sent=sent, retry_after=retry_after
        ):
            return None
        wait = self.delay(attempt, retry_after)
        return wait if elapsed + wait <= self.deadline else None


NO_RETRY = RetryPolicy(max_attempts=1)
