"""The report engine: ``report/build``, ``clicks/log`` and ``conversions/log`` over stored rows.

Pure: it receives the request body, a name catalogue and the records (for a report: the sums of
aggregates.py, grouped by the stored values its dimensions read; for a log: clicks with their
conversions), and returns ``{rows, total, meta}`` or raises ReportError (the tracker's 400).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .measures import MEASURES, REVENUE_STATUSES, base_sums, measure_value
from .report_filters import LABEL_OPERATORS, Filter, ReportError, number
from .store import CLICK_COLUMNS

INTERVALS = (
    "today",
    "yesterday",
    "7_days_ago",
    "first_day_of_this_week",
    "1_month_ago",
    "first_day_of_this_month",
    "1_year_ago",
    "first_day_of_this_year",
    "all_time",
)
FAR_PAST = -(2**40)
FAR_FUTURE = 2**40


@dataclass(frozen=True)
class Catalog:
    """Entity names and links the reports need (id -> name, offer -> network, …)."""

    names: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    offer_network: Mapping[int, int] = field(default_factory=dict)
    campaign_group: Mapping[int, int] = field(default_factory=dict)
    labels: Mapping[tuple[int, str], Mapping[str, str]] = field(default_factory=dict)

    def name(self, kind: str, entity_id: Any) -> str:
        return self.names.get(kind, {}).get(entity_id, "") if entity_id else ""


# --------------------------------------------------------------------------- time ranges


def zone(name: str | None, default: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReportError(f"Unknown timezone {name!r}") from None


def _parse_moment(text: str, tz: ZoneInfo, *, end: bool) -> int:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(text, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
        if fmt == "%Y-%m-%d" and end:
            return int((moment + timedelta(days=1)).timestamp()) - 1  # whole day, inclusive
        return int(moment.timestamp())
    raise ReportError(f"Incorrect date {text!r}")


def _months_back(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def resolve_range(
    rng: Mapping[str, Any] | None, default_tz: str, now: float
) -> tuple[int, int, ZoneInfo]:
    """(first epoch second, last epoch second, zone) of a report ``range``."""
    rng = rng or {}
    tz = zone(rng.get("timezone"), default_tz)
    interval = rng.get("interval")
    if interval:
        if interval not in INTERVALS:
            raise ReportError(f"Unknown interval {interval!r}")
        today = datetime.fromtimestamp(now, tz).date()
        starts = {
            "today": today,
            "yesterday": today - timedelta(days=1),
            "7_days_ago": today - timedelta(days=7),
            "first_day_of_this_week": today - timedelta(days=today.weekday()),
            "1_month_ago": _months_back(today, 1),
            "first_day_of_this_month": today.replace(day=1),
            "1_year_ago": _months_back(today, 12),
            "first_day_of_this_year": today.replace(month=1, day=1),
        }
        if interval == "all_time":
            return FAR_PAST, FAR_FUTURE, tz
        start = int(datetime.combine(starts[interval], datetime.min.time(), tz).timestamp())
        if interval == "yesterday":
            return start, int(datetime.combine(today, datetime.min.time(), tz).timestamp()) - 1, tz
        return start, int(now), tz
    start = _parse_moment(rng["from"], tz, end=False) if rng.get("from") else FAR_PAST
    stop = _parse_moment(rng["to"], tz, end=True) if rng.get("to") else FAR_FUTURE
    return start, stop, tz


# --------------------------------------------------------------------------- columns


@dataclass
class Ctx:
    """One row being read: a click (with its conversions), maybe a conversion, and the zone."""

    click: Mapping[str, Any]
    tz: ZoneInfo
    cat: Catalog
    conversion: Mapping[str, Any] | None = None
    _local: datetime | None = None

    @property
    def local(self) -> datetime:
        if self._local is None:
            self._local = datetime.fromtimestamp(self.click["epoch"], self.tz)
        return self._local

    def fmt(self, epoch: float | None) -> str | None:
        if epoch is None:
            return None
        return datetime.fromtimestamp(epoch, self.tz).strftime("%Y-%m-%d %H:%M:%S")


Getter = Callable[[Ctx], Any]


def _field(name: str) -> Getter:
    return lambda x: x.click.get(name)


def _named(kind: str, id_field: str) -> Getter:
    return lambda x: x.cat.name(kind, x.click.get(id_field))


def _has_status(statuses: Iterable[str]) -> Getter:
    wanted = frozenset(statuses)
    return lambda x: int(any(c["status"] in wanted for c in x.click["conversions"]))


_COMPUTED_COLUMNS = frozenset({"epoch", "cost", "sub_id"})
"""Stored click columns that are not dimensions as they are (read through other names)."""

CLICK_FIELDS: dict[str, Getter] = {
    "click_id": _field("sub_id"),
    "sub_id": _field("sub_id"),
    "campaign_id": _field("campaign_id"),
    "campaign": _named("campaign", "campaign_id"),
    "campaign_group_id": lambda x: x.cat.campaign_group.get(x.click["campaign_id"], 0),
    "campaign_group": lambda x: x.cat.name(
        "group", x.cat.campaign_group.get(x.click["campaign_id"])
    ),
    "stream_id": _field("stream_id"),
    "stream": _named("stream", "stream_id"),
    "landing_id": _field("landing_id"),
    "landing": _named("landing", "landing_id"),
    "offer_id": _field("offer_id"),
    "offer": _named("offer", "offer_id"),
    "ts_id": _field("ts_id"),
    "ts": _named("ts", "ts_id"),
    "affiliate_network_id": lambda x: x.cat.offer_network.get(x.click["offer_id"], 0),
    "affiliate_network": lambda x: x.cat.name(
        "affiliate_network", x.cat.offer_network.get(x.click["offer_id"])
    ),
    **{name: _field(name) for name in CLICK_COLUMNS if name not in _COMPUTED_COLUMNS},
    "is_lead": _has_status(("lead",)),
    "is_sale": _has_status(("sale",)),
    "is_rejected": _has_status(("rejected",)),
    "has_conversion": _has_status(("lead", "sale", "rebill")),
    "datetime": lambda x: x.local.strftime("%Y-%m-%d %H:%M:%S"),
    "year": lambda x: x.local.year,
    "month": lambda x: x.local.strftime("%Y-%m"),
    "week": lambda x: x.local.strftime("%G-W%V"),
    "weekday": lambda x: x.local.isoweekday(),
    "day": lambda x: x.local.strftime("%Y-%m-%d"),
    "hour": lambda x: x.local.hour,
    "day_hour": lambda x: x.local.strftime("%Y-%m-%d %H"),
}
"""Dimensions: what a click can be grouped and filtered by."""

_CALENDAR = ("year", "month", "week", "weekday", "day", "hour", "day_hour")
_SOURCES: dict[str, tuple[str, ...]] = {
    "click_id": ("sub_id",),
    "campaign": ("campaign_id",),
    "campaign_group_id": ("campaign_id",),
    "campaign_group": ("campaign_id",),
    "stream": ("stream_id",),
    "landing": ("landing_id",),
    "offer": ("offer_id",),
    "ts": ("ts_id",),
    "affiliate_network_id": ("offer_id",),
    "affiliate_network": ("offer_id",),
    **dict.fromkeys(("is_lead", "is_sale", "is_rejected", "has_conversion"), ("statuses",)),
    "datetime": ("epoch",),
    **dict.fromkeys(_CALENDAR, ("local_hour",)),
}
"""What each dimension reads of a click, where that is not the stored column of its name."""


def sources(names: Iterable[str]) -> set[str]:
    """The stored values (aggregates.py's sources) that the named dimensions are read from."""
    return {source for name in names for source in _SOURCES.get(name, (name,))}


def _click_money(x: Ctx) -> tuple[float, float]:
    revenue = sum(c["revenue"] for c in x.click["conversions"] if c["status"] in REVENUE_STATUSES)
    return float(x.click["cost"] or 0), float(revenue)


def _click_profit(x: Ctx) -> float:
    cost, revenue = _click_money(x)
    return round(revenue - cost, 4)


CLICK_LOG_FIELDS: dict[str, Getter] = {
    **CLICK_FIELDS,
    "cost": lambda x: round(_click_money(x)[0], 4),
    "revenue": lambda x: round(_click_money(x)[1], 4),
    "profit": _click_profit,
}
"""Columns of ``clicks/log``."""


def _conv(name: str) -> Getter:
    return lambda x: x.conversion.get(name) if x.conversion else None


CONVERSION_FIELDS: dict[str, Getter] = {
    **{k: v for k, v in CLICK_FIELDS.items() if k not in ("datetime",)},
    "conversion_id": _conv("conversion_id"),
    "status": _conv("status"),
    "previous_status": _conv("previous_status"),
    "original_status": _conv("original_status"),
    "revenue": lambda x: round(float(x.conversion["revenue"]), 4) if x.conversion else None,
    "currency": _conv("currency"),
    "tid": _conv("tid"),
    "comment": _conv("comment"),
    "params": _conv("params"),
    "postback_datetime": lambda x: x.fmt(x.conversion["postback_epoch"]) if x.conversion else None,
    "datetime": lambda x: x.fmt(x.conversion["postback_epoch"]) if x.conversion else None,
    "sale_datetime": lambda x: x.fmt(x.conversion["sale_epoch"]) if x.conversion else None,
    "click_datetime": lambda x: x.local.strftime("%Y-%m-%d %H:%M:%S"),
}
"""Columns of ``conversions/log``."""


# --------------------------------------------------------------------------- requests


def _names(body: Mapping[str, Any], *keys: str) -> list[str]:
    for key in keys:
        value = body.get(key)
        if value is not None:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ReportError(f"{key} must be an array of strings")
            return value
    return []


def _int(body: Mapping[str, Any], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    parsed = number(value)
    if parsed is None or parsed < 0:
        raise ReportError(f"{key} must be a non-negative number")
    return int(parsed)


def _sort_key(value: Any) -> tuple[int, float, str]:
    """Orders None first, then numbers, then text, without comparing across kinds."""
    if value is None:
        return (0, 0.0, "")
    if isinstance(value, int | float):
        return (1, float(value), "")
    return (2, 0.0, str(value))


def _sort_rows(rows: list[dict[str, Any]], sort: Any, known: Iterable[str]) -> None:
    if not sort:
        return
    if not isinstance(sort, list):
        raise ReportError("sort must be an array")
    known = set(known)
    for spec in reversed(sort):
        if not isinstance(spec, Mapping) or spec.get("name") not in known:
            raise ReportError(
                f"Unknown sort field {spec.get('name') if isinstance(spec, Mapping) else spec!r}"
            )
        order = str(spec.get("order", "ASC")).upper()
        if order not in ("ASC", "DESC"):
            raise ReportError(f"Unknown sort order {spec.get('order')!r}")
        name = spec["name"]
        rows.sort(key=lambda r: _sort_key(r[name]), reverse=order == "DESC")


def _page(rows: list[dict[str, Any]], body: Mapping[str, Any]) -> list[dict[str, Any]]:
    offset = _int(body, "offset") or 0
    limit = _int(body, "limit")
    return rows[offset : offset + limit if limit is not None else None]


GroupSums = Callable[[set[str], set[str]], Iterable[Mapping[str, Any]]]
"""(sources, sums) -> one row per group of clicks: the sources' values, ``epoch`` and the sums."""


def build_report(
    body: Mapping[str, Any], group_sums: GroupSums, cat: Catalog, tz: ZoneInfo
) -> dict[str, Any]:
    """``POST /report/build`` over the clicks of its range, summed by ``group_sums``."""
    dimensions = _names(body, "dimensions", "grouping")
    measures = _names(body, "measures", "metrics") or ["clicks"]
    if "measures" not in body:  # the older dialect lists dimensions among its metrics too
        named = [m for m in measures if m in CLICK_FIELDS and m not in MEASURES]
        dimensions += [m for m in named if m not in dimensions]
        measures = [m for m in measures if m not in named]
    for name in dimensions:
        if name not in CLICK_FIELDS:
            raise ReportError(f"Unknown dimension {name!r}")
    for name in measures:
        if name not in MEASURES:
            raise ReportError(f"Unknown measure {name!r}")
    raw_filters = body.get("filters") or []
    if not isinstance(raw_filters, list):
        raise ReportError("filters must be an array")
    parsed = [Filter.parse(f, [*CLICK_FIELDS, *MEASURES]) for f in raw_filters]
    row_filters = [f for f in parsed if f.name in CLICK_FIELDS]
    group_filters = [f for f in parsed if f.name not in CLICK_FIELDS]
    read = sources([*dimensions, *(f.name for f in row_filters)])
    if any(f.operator in LABEL_OPERATORS for f in row_filters):
        read.add("campaign_id")  # labels belong to a campaign

    groups: dict[tuple[Any, ...], dict[str, float]] = {}
    summed = base_sums([*measures, *(f.name for f in group_filters)])
    for part in group_sums(read, summed):
        ctx = Ctx(part, tz, cat)
        if not all(f.matches(CLICK_FIELDS[f.name](ctx), ctx) for f in row_filters):
            continue
        key = tuple(CLICK_FIELDS[d](ctx) for d in dimensions)
        sums = groups.get(key)
        if sums is None:
            groups[key] = {k: part[k] for k in summed}
        else:
            for k in summed:
                sums[k] += part[k]

    rows = []
    for key, sums in groups.items():
        if not all(f.matches(measure_value(f.name, sums)) for f in group_filters):
            continue
        row: dict[str, Any] = dict(zip(dimensions, key, strict=True))
        row.update({m: measure_value(m, sums) for m in measures})
        rows.append(row)
    rows.sort(key=lambda r: tuple(str(r[d]) for d in dimensions))
    _sort_rows(rows, body.get("sort"), [*dimensions, *measures])
    result: dict[str, Any] = {
        "rows": _page(rows, body),
        "total": len(rows),
        "meta": [*dimensions, *measures],
    }
    if body.get("summary"):
        totals = dict.fromkeys(summed, 0.0)
        for sums in groups.values():
            for k in summed:
                totals[k] += sums[k]
        result["summary"] = {m: measure_value(m, totals) for m in measures}
    return result


def log_rows(
    body: Mapping[str, Any],
    contexts_of: Callable[[], list[Ctx]],
    fields: Mapping[str, Getter],
    order_field: str,
    page_of: Callable[[int, int | None], tuple[int, list[Ctx]]] | None = None,
) -> dict[str, Any]:
    """``clicks/log`` and ``conversions/log``: one row per record, only the asked columns.

    ``page_of(offset, limit)`` -> (total, records of that page) serves requests without filters
    or sort straight from the database, so that paging a large log stays linear.
    """
    if body.get("range") is None and body.get("limit") is None:
        raise ReportError("Either 'limit' or 'range' must be given")
    columns = _names(body, "columns") or [order_field]
    unknown = [c for c in columns if c not in fields]
    if unknown:
        raise ReportError(f"Unknown column(s): {', '.join(unknown)}")
    raw_filters = body.get("filters") or []
    if not isinstance(raw_filters, list):
        raise ReportError("filters must be an array")
    filters = [Filter.parse(f, fields) for f in raw_filters]
    if page_of is not None and not filters and not body.get("sort"):
        total, contexts = page_of(_int(body, "offset") or 0, _int(body, "limit"))
        return {
            "rows": [{c: fields[c](ctx) for c in columns} for ctx in contexts],
            "total": total,
            "meta": columns,
        }
    sort_names = [str(s.get("name")) for s in body.get("sort") or [] if isinstance(s, Mapping)]
    wanted = list(dict.fromkeys([*columns, *(n for n in sort_names if n in fields)]))
    rows = []
    for ctx in contexts_of():
        if all(f.matches(fields[f.name](ctx), ctx) for f in filters):
            rows.append({c: fields[c](ctx) for c in wanted})
    _sort_rows(rows, body.get("sort"), fields)
    page = [{c: r[c] for c in columns} for r in _page(rows, body)]
    return {"rows": page, "total": len(rows), "meta": columns}
