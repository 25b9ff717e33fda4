"""Dagster: assets that use KeitaroResource, materialised for real against the emulator."""

import pytest

from .conftest import need

need("dagster")  # at import: Dagster resolves the annotations below at definition time

import dagster as dg  # noqa: E402

from keitaro_node.adapters.dagster import KeitaroResource  # noqa: E402

from ..conftest import CANARY  # noqa: E402

pytestmark = pytest.mark.engines


@dg.asset
def campaign_names(keitaro: KeitaroResource) -> list[str]:
    out = keitaro.execute_sync("campaign", "getAll", {"returnAll": True}, split=True)
    return [o["json"]["name"] for o in out]


@dg.asset
async def report_rows(keitaro: KeitaroResource) -> int:
    out = await keitaro.execute(
        "stats",
        "getAll",
        {
            "statsData": {
                "range": {"interval": "all_time"},
                "dimensions": ["campaign"],
                "measures": ["clicks"],
            }
        },
    )
    return int(out[0]["json"]["count"])


def test_dagster_assets_materialise(emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEITARO_API_KEY", CANARY)
    result = dg.materialize(
        [campaign_names, report_rows],
        resources={
            "keitaro": KeitaroResource(domain=emulator.url, api_key=dg.EnvVar("KEITARO_API_KEY"))
        },
    )
    assert result.success
    assert result.output_for_node("campaign_names")[:3] == [
        "Demo Facebook",
        "Demo Google",
        "Demo Push",
    ]
    assert result.output_for_node("report_rows") >= 3
