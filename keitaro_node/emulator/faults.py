"""Fault injection, deterministic from a seed: what clients of a real tracker must survive.

A spec is a comma list, e.g. ``500=0.1,429=0.05,reset=0.05,truncate=0.02,latency=20,jitter=10``:

==============  ============================================================================
``500``         rate of 500 ``{"error": …}`` before the request is handled
``502``         rate of 502 with an nginx HTML page, before handling
``503``         rate of 503 with ``Retry-After: <retry_after>``, before handling
``429``         rate of 429 with ``Retry-After: <retry_after>``, before handling
``reset``       rate of connections closed without an answer, before handling
``truncate``    rate of answers cut off halfway, *after* handling (the write is applied)
``drop``        rate of connections closed without an answer, *after* handling (applied)
``slow``        rate of answers whose body trickles out over ``slow_ms``, after handling
``latency``     milliseconds added to every request; ``jitter`` adds 0..jitter more
``retry_after`` seconds sent in 429's Retry-After (default 1)
``seed``        random seed (default 0)
``writes``      1: faults hit only writes (POST, PUT, DELETE); reads pass (default 0: all)
==============  ============================================================================

Faults only touch ``/admin_api``; the store is never left half-written because faults before
handling happen before any write, and faults after handling happen after the commit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields, replace
from typing import Literal

Fault = Literal["500", "502", "503", "429", "reset", "truncate", "drop", "slow"]
BEFORE: tuple[Fault, ...] = ("500", "502", "503", "429", "reset")
AFTER: tuple[Fault, ...] = ("truncate", "drop", "slow")

_NAMES = {"500": "e500", "502": "e502", "503": "e503", "429": "e429"}


@dataclass(frozen=True)
class FaultSpec:
    e500: float = 0.0
    e502: float = 0.0
    e503: float = 0.0
    e429: float = 0.0
    reset: float = 0.0
    truncate: float = 0.0
    drop: float = 0.0
    slow: float = 0.0
    latency: float = 0.0
    jitter: float = 0.0
    retry_after: int = 1
    slow_ms: float = 300.0
    seed: int = 0
    writes: int = 0

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        """Read ``key=value,…``; raise ValueError naming a bad key or value."""
        spec = cls()
        if not text or not text.strip():
            return spec
        known = {f.name for f in fields(cls)}
        for part in text.split(","):
            key, sep, value = part.strip().partition("=")
            attr = _NAMES.get(key, key)
            if not sep or attr not in known:
                names = sorted({*_NAMES, *known} - set(_NAMES.values()))
                raise ValueError(f"unknown fault {key!r}; known: {', '.join(names)}")
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"fault {key!r} needs a number, got {value!r}") from None
            if number < 0 or (attr in cls.rate_names() and number > 1):
                raise ValueError(f"fault {key!r}={value} is out of range")
            whole = attr in ("seed", "retry_after", "writes")
            spec = replace(spec, **{attr: int(number) if whole else number})  # type: ignore[arg-type]
        if sum(getattr(spec, n) for n in cls.rate_names()) > 1:
            raise ValueError("fault rates add up to more than 1")
        return spec

    @staticmethod
    def rate_names() -> tuple[str, ...]:
        return ("e500", "e502", "e503", "e429", "reset", "truncate", "drop", "slow")

    @property
    def active(self) -> bool:
        return (
            self.latency > 0 or self.jitter > 0 or any(getattr(self, n) for n in self.rate_names())
        )


class FaultPlan:
    """Draws, per request, a delay and at most one fault, from one seeded generator."""

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self._rng = random.Random(spec.seed)
        self.counts: dict[str, int] = {}

    def draw(self) -> tuple[float, Fault | None]:
        """(seconds to wait, fault or None) for the next request."""
        spec = self.spec
        delay = (spec.latency + (self._rng.uniform(0, spec.jitter) if spec.jitter else 0)) / 1000
        roll = self._rng.random()
        for fault in (*BEFORE, *AFTER):
            rate = getattr(spec, _NAMES.get(fault, fault))
            if roll < rate:
                self.counts[fault] = self.counts.get(fault, 0) + 1
                return delay, fault
            roll -= rate
        return delay, None
