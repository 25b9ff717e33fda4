"""The HTTP layer's timeouts, told apart by phase over real loopback sockets: a request that timed
out waiting for a connection or connecting never left (a create behind it is sent again); only
one whose request was written "may have been applied"."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import aiohttp
import pytest

from keitaro_node import Credentials, KeitaroNode, RetryPolicy, Timeouts
from keitaro_node.core.http import AiohttpTransport
from keitaro_node.core.policy import NO_RETRY
from keitaro_node.emulator import Emulator
from keitaro_node.outcomes import Failure, Success

KEY = "http-test-key-0123456789"
CAMPAIGN = {"campaignData": {"name": "behind a full queue", "alias": "fullq"}}


@contextlib.contextmanager
def full_accept_queue() -> Iterator[tuple[int, list[socket.socket]]]:
    """A listening socket that never accepts, its queue filled: a new connection hangs in
    connect (the kernel drops its SYN) until the client's connect timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers: list[socket.socket] = []
    try:
        for _ in range(16):  # Linux queues backlog + 1 connections
            filler = socket.socket()
            filler.settimeout(0.2)
            try:
                filler.connect(("127.0.0.1", port))
            except TimeoutError:
                filler.close()
                break
            fillers.append(filler)
        else:
            pytest.skip("this kernel does not bound the accept queue")
        yield port, [listener, *fillers]
    finally:
        for sock in [listener, *fillers]:
            sock.close()


async def create_once(domain: str, timeouts: Timeouts) -> Failure:
    """One campaign create, sent once (no retries), that must fail."""
    node = KeitaroNode(Credentials(domain, KEY), retry=NO_RETRY, timeouts=timeouts)
    [outcome] = await node.outcomes(
        resource="campaign", operation="create", parameters=CAMPAIGN, continue_on_fail=True
    )
    assert isinstance(outcome, Failure)
    return outcome


def test_a_connect_timeout_is_never_sent() -> None:
    async def go() -> Failure:
        with full_accept_queue() as (port, _):
            return await create_once(f"http://127.0.0.1:{port}", Timeouts(connect=0.3, total=5))

    failure = asyncio.run(go())
    assert failure.error.message == "could not connect within 0.3 s (connect timeout)"
    assert failure.error.phase == "connect"  # type: ignore[attr-defined]
    assert not failure.maybe_applied
    assert "never reached the tracker" in (failure.error.description or "")


def test_a_create_behind_a_connect_timeout_is_sent_again() -> None:
    async def go() -> tuple[Success | Failure, int]:
        with full_accept_queue() as (port, sockets):
            node = KeitaroNode(
                Credentials(f"http://127.0.0.1:{port}", KEY),
                retry=RetryPolicy(max_attempts=8, base_delay=0.4),
                timeouts=Timeouts(connect=0.3, total=5),
            )
            create = asyncio.ensure_future(
                node.outcomes(
                    resource="campaign",
                    operation="create",
                    parameters=CAMPAIGN,
                    continue_on_fail=True,
                )
            )
            await asyncio.sleep(0.5)  # the first attempt has timed out in connect by now
            for sock in sockets:
                sock.close()
            async with Emulator(api_key=KEY, port=port, seed=None) as emu:
                [outcome] = await create
                made = emu.counts().get("campaigns", 0)
        return outcome, made

    outcome, made = asyncio.run(go())
    assert isinstance(outcome, Success), outcome
    assert made == 1


def test_waiting_for_a_free_connection_is_a_pool_timeout() -> None:
    async def go() -> list[Success | Failure]:
        emulator = Emulator(api_key=KEY, seed="demo", clicks=5, faults="latency=800")
        async with (
            emulator as emu,
            KeitaroNode(
                Credentials(emu.url, KEY),
                retry=NO_RETRY,
                timeouts=Timeouts(pool=0.2, total=5),
                connections=1,
            ) as node,
        ):
            return await node.outcomes(
                [{"json": {}}, {"json": {}}],
                resource="campaign",
                operation="getAll",
                concurrency=2,
                continue_on_fail=True,
            )

    first, second = asyncio.run(go())
    assert isinstance(first, Success)
    assert isinstance(second, Failure)
    assert second.error.message == "no free connection came within 0.2 s (pool timeout)"
    assert not second.maybe_applied


def test_a_timeout_after_the_request_was_written_may_have_been_applied() -> None:
    async def go() -> Failure:
        async with Emulator(api_key=KEY, seed=None, faults="latency=1500,writes=1") as emu:
            return await create_once(emu.url, Timeouts(read=0.3))

    failure = asyncio.run(go())
    assert failure.error.message == "no answer within 0.3 s of sending the request (read timeout)"
    assert failure.maybe_applied


def test_aiohttps_silent_resend_switch_still_exists() -> None:
    """aiohttp re-sends an idempotent request once on a dropped keep-alive connection unless
    ``ClientSession._retry_connection`` is False; a rename would bring the hidden re-sends back
    (the exactly-once tests would then see writes applied twice)."""

    async def go() -> None:
        assert "_retry_connection" in aiohttp.ClientSession.ATTRS
        transport = AiohttpTransport()
        try:
            assert transport._session._retry_connection is False
        finally:
            await transport.close()

    asyncio.run(go())
