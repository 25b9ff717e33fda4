"""Retry rules: what is retried, what is not, Retry-After honoured, the deadline respected."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from keitaro_node import ApiError, Credentials, RetryPolicy, TransportError
from keitaro_node.core.client import MAY_HAVE_BEEN_APPLIED, NEVER_SENT, KeitaroClient, RateLimiter
from keitaro_node.core.http import AiohttpTransport
from keitaro_node.core.policy import retry_after_seconds
from keitaro_node.emulator import Emulator
from keitaro_node.model import RequestPlan

from .conftest import CANARY

GET = RequestPlan("GET", "/campaigns/1", idempotent=True)
CREATE = RequestPlan("POST", "/offers", body={"name": "retry"}, idempotent=False)


@pytest.mark.parametrize(
    ("idempotent", "status", "sent", "retried"),
    [
        (True, 429, True, True),
        (True, 500, True, True),
        (True, 502, True, True),
        (True, 503, True, True),
        (True, 504, True, True),
        (True, None, True, True),
        (True, None, False, True),
        (False, 429, True, True),  # refused before processing: a create may go again
        (False, 500, True, False),
        (False, 503, True, False),  # without Retry-After: maybe processed
        (False, None, True, False),
        (False, None, False, True),
        *[(True, s, True, False) for s in (400, 401, 402, 403, 404, 406, 422)],
        *[(False, s, True, False) for s in (400, 401, 402, 403, 404, 406, 422)],
    ],
)
def test_what_is_retried(idempotent: bool, status: int | None, sent: bool, retried: bool) -> None:
    assert RetryPolicy().may_retry(idempotent=idempotent, status=status, sent=sent) is retried


def test_a_503_with_retry_after_refused_a_create() -> None:
    policy = RetryPolicy()
    assert policy.may_retry(idempotent=False, status=503, sent=True, retry_after=2.0)
    assert not policy.may_retry(idempotent=False, status=502, sent=True, retry_after=2.0)


def test_backoff_is_capped_full_jitter() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4, rng=random.Random(1))
    for attempt in range(1, 10):
        ceiling = min(4, 0.5 * 2 ** (attempt - 1))
        assert all(0 <= policy.delay(attempt) <= ceiling for _ in range(50))


def test_retry_after_forms() -> None:
    now = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert (
        retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    )
    assert (
        retry_after_seconds(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0.0
    )
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    assert RetryPolicy(retry_after_cap=10).delay(1, retry_after=99) == 10


def test_attempts_and_deadline() -> None:
    policy = RetryPolicy(max_attempts=3, deadline=5.0)
    kw: dict[str, Any] = {"idempotent": True, "status": 503, "sent": True}
    assert policy.next_delay(attempt=1, elapsed=0, **kw) is not None
    assert policy.next_delay(attempt=3, elapsed=0, **kw) is None  # attempts used up
    assert policy.next_delay(attempt=1, elapsed=4.5, retry_after=1.0, **kw) is None  # past deadline


class Recorder:
    """Fake sleep and clock: records waits and advances time instead of sleeping."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


async def _send(url: str, plan: RequestPlan, policy: RetryPolicy, rec: Recorder) -> Any:
    transport = AiohttpTransport()
    client = KeitaroClient(
        Credentials(url, CANARY), transport, policy, sleep=rec.sleep, clock=rec.clock
    )
    try:
        return await client.send(plan)
    finally:
        await transport.close()


def attempts(emu: Emulator, path: str) -> int:
    return sum(1 for e in emu.journal if e.path == f"/admin_api/v1{path}")


def test_retry_after_is_honoured() -> None:
    with Emulator.in_thread(api_key=CANARY, faults="429=1,retry_after=2") as emu:
        rec = Recorder()
        with pytest.raises(ApiError) as err:
            asyncio.run(_send(emu.url, GET, RetryPolicy(max_attempts=4), rec))
        assert rec.waits == [2.0, 2.0, 2.0]
        assert attempts(emu, GET.path) == 4
        assert err.value.http_code == 429 and "gave up after 4 attempts" in (
            err.value.description or ""
        )


def test_deadline_stops_retries() -> None:
    with Emulator.in_thread(api_key=CANARY, faults="503=1,retry_after=3") as emu:
        rec = Recorder()
        with pytest.raises(ApiError):
            asyncio.run(_send(emu.url, GET, RetryPolicy(max_attempts=10, deadline=7), rec))
        assert rec.waits == [3.0, 3.0]  # a third wait would pass the 7 s deadline
        assert attempts(emu, GET.path) == 3


def test_idempotent_reads_recover_from_a_flaky_server() -> None:
    with Emulator.in_thread(api_key=CANARY, faults="500=0.4,502=0.2,seed=5") as emu:
        rec = Recorder()
        for _ in range(10):
            response = asyncio.run(_send(emu.url, GET, RetryPolicy(max_attempts=12), rec))
            assert response.status == 200 and response.data["id"] == 1
        assert attempts(emu, GET.path) == len(rec.waits) + 10 > 10


def test_create_is_not_retried_after_a_500() -> None:
    with Emulator.in_thread(api_key=CANARY, seed=None, faults="500=1") as emu:
        rec = Recorder()
        with pytest.raises(ApiError) as err:
            asyncio.run(_send(emu.url, CREATE, RetryPolicy(max_attempts=5), rec))
        assert attempts(emu, "/offers") == 1 and rec.waits == []
        assert MAY_HAVE_BEEN_APPLIED in (err.value.description or "")


def test_create_is_not_retried_after_a_cut_off_answer() -> None:
    with Emulator.in_thread(api_key=CANARY, seed=None, faults="truncate=1") as emu:
        with pytest.raises(TransportError) as err:
            asyncio.run(_send(emu.url, CREATE, RetryPolicy(max_attempts=5), Recorder()))
        assert attempts(emu, "/offers") == 1
        assert emu.counts()["offers"] == 1  # it was applied: the error says it may have been
        assert MAY_HAVE_BEEN_APPLIED in (err.value.description or "")


def test_create_is_retried_when_the_connection_was_refused() -> None:
    with Emulator.in_thread(api_key=CANARY, seed=None) as emu:
        url = emu.url
    rec = Recorder()  # the emulator is gone: nothing listens on that port now
    with pytest.raises(TransportError) as err:
        asyncio.run(_send(url, CREATE, RetryPolicy(max_attempts=3), rec))
    assert len(rec.waits) == 2
    assert err.value.sent is False and NEVER_SENT in (err.value.description or "")
    assert "could not connect" in err.value.message


def test_rate_limit_spaces_request_starts() -> None:
    rec = Recorder()
    limiter = RateLimiter(4, clock=rec.clock, sleep=rec.sleep)

    async def burst() -> None:
        for _ in range(5):
            await limiter.wait()

    asyncio.run(burst())
    assert rec.waits == pytest.approx([0.25, 0.25, 0.25, 0.25])
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)
