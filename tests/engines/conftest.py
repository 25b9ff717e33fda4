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
