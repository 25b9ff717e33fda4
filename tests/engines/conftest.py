"""Real-engine tests: marked ``engines``; they need the extras and fail (not skip) in CI."""

from __future__ import annotations

import importlib.util
import os

import pytest


def need(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        if os.environ.get("KEITARO_REQUIRE_ENGINES"):
            pytest.fail(f"{module} is not installed in the engines environment")
        pytest.skip(
            f"{module} is not installed (pip install 'keitaro-node[{module}]')",
            allow_module_level=True,
        )


# Prefect logs "Stopping temporary server" at exit, after pytest has closed its capture streams.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
# Prefect's temporary server gets 20 s to start by default: a busy 2-core CI machine (two engines
# and an emulator starting beside it) sometimes needs more.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
