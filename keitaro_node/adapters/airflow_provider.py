"""Airflow's provider metadata for keitaro-node (entry point ``apache_airflow_provider``).

Kept apart from the adapter: Airflow calls this while it is still starting, so it must not
import Airflow itself.
"""

from __future__ import annotations

from typing import Any


def get_provider_info() -> dict[str, Any]:
    from .._version import __version__

    return {
        "package-name": "keitaro-node",
        "name": "Keitaro",
        "description": "The Keitaro tracker (keitaro-node)",
        "versions": [__version__],
        "connection-types": [
            {
                "connection-type": "keitaro",
                "hook-class-name": "keitaro_node.adapters.airflow.KeitaroHook",
            }
        ],
    }
