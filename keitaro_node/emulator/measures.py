"""Report measures: the sums a report adds up per group of clicks, and what is derived from them
(the tracker's glossary: CR, EPC, ROI, approve, …)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

REVENUE_STATUSES = frozenset({"lead", "sale", "rebill"})
BASE = (
    "clicks",
    "campaign_unique_clicks",
    "stream_unique_clicks",
    "global_unique_clicks",
    "bots",
    "lp_views",
    "lp_clicks",
    "cost",
    "leads",
    "sales",
    "rejected",
    "rebills",
    "lead_revenue",
    "sale_revenue",
    "rejected_revenue",
    "rebill_revenue",
    "empty_referrers",
)


def _ratio(a: float, b: float, scale: float = 1.0) -> float:
    return a / b * scale if b else 0.0


DERIVED: dict[str, Callable[[Mapping[str, float]], float]] = {
    "conversions": lambda s: s["leads"] + s["sales"],
    "revenue": lambda s: s["lead_revenue"] + s["sale_revenue"] + s["rebill_revenue"],
    "profit": lambda s: DERIVED["revenue"](s) - s["cost"],
    "profit_confirmed": lambda s: s["sale_revenue"] - s["cost"],
    "cr": lambda s: _ratio(DERIVED["conversions"](s), s["clicks"], 100),
    "crl": lambda s: _ratio(s["leads"], s["clicks"], 100),
    "crs": lambda s: _ratio(s["sales"], s["clicks"], 100),
    "epc": lambda s: _ratio(DERIVED["revenue"](s), s["clicks"]),
    "epc_confirmed": lambda s: _ratio(s["sale_revenue"], s["clicks"]),
    "cpc": lambda s: _ratio(s["cost"], s["clicks"]),
    "cps": lambda s: _ratio(s["cost"], s["sales"]),
    "cpa": lambda s: _ratio(s["cost"], DERIVED["conversions"](s)),
    "ecpc": lambda s: _ratio(s["cost"], s["clicks"], 1000),
    "ecpm": lambda s: _ratio(DERIVED["revenue"](s), s["clicks"], 1000),
    "ecpm_confirmed": lambda s: _ratio(s["sale_revenue"], s["clicks"], 1000),
    "ec": lambda s: _ratio(DERIVED["revenue"](s), DERIVED["conversions"](s)),
    "ec_confirmed": lambda s: _ratio(s["sale_revenue"], DERIVED["conversions"](s)),
    "roi": lambda s: _ratio(DERIVED["revenue"](s) - s["cost"], s["cost"], 100),
    "roi_confirmed": lambda s: _ratio(s["sale_revenue"] - s["cost"], s["cost"], 100),
    "lp_ctr": lambda s: _ratio(s["lp_clicks"], s["clicks"], 100),
    "bot_share": lambda s: _ratio(s["bots"], s["clicks"], 100),
    "approve": lambda s: _ratio(s["sales"], s["leads"] + s["sales"] + s["rejected"], 100),
    "uc_campaign_rate": lambda s: _ratio(s["campaign_unique_clicks"], s["clicks"], 100),
    "uc_stream_rate": lambda s: _ratio(s["stream_unique_clicks"], s["clicks"], 100),
    "uc_global_rate": lambda s: _ratio(s["global_unique_clicks"], s["clicks"], 100),
    "profitability": lambda s: _ratio(
        DERIVED["revenue"](s) - s["cost"], DERIVED["revenue"](s), 100
    ),
}
MEASURES = frozenset(BASE) | frozenset(DERIVED)
_MONEY = frozenset({"cost", "lead_revenue", "sale_revenue", "rejected_revenue", "rebill_revenue"})
_INT_MEASURES = (frozenset(BASE) - _MONEY) | {"conversions"}


def base_sums(measures: Iterable[str]) -> set[str]:
    """The sums of clicks (``BASE``) that the named measures are computed from."""
    read: set[str] = {"clicks"}

    class Recorder(dict[str, float]):
        def __missing__(self, key: str) -> float:
            read.add(key)
            return 1.0

    for name in measures:
        if name in DERIVED:
            DERIVED[name](Recorder())
        else:
            read.add(name)
    return read


def measure_value(name: str, sums: Mapping[str, float]) -> float | int:
    value = DERIVED[name](sums) if name in DERIVED else sums[name]
    return int(value) if name in _INT_MEASURES else round(float(value), 4)
