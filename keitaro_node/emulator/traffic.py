"""Traffic and its records: clicks, conversions, reports, costs, labels, logs, S2S postbacks."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from aiohttp import web

from .aggregates import group_sums
from .entities import ApiProblem, Entities, EntitySpec, now_text
from .report_filters import ReportError
from .reports import (
    CLICK_LOG_FIELDS,
    CONVERSION_FIELDS,
    Catalog,
    Ctx,
    build_report,
    log_rows,
    resolve_range,
)
from .responses import body_of, empty, int_id, reply
from .specs import CAMPAIGNS, GROUPS, LANDINGS, LOG_TYPES, NETWORKS, OFFERS, SOURCES, STREAMS
from .store import CLICK_COLUMNS, CONVERSION_COLUMNS, SUB_IDS, Store, new_click


class TrafficMixin:
    """Handlers over the clicks and conversions tables and the report engine."""

    store: Store
    entities: Entities
    timezone: str
    postback_key: str
    now: Callable[[], float]

    def require_campaign(self, campaign_id: Any) -> None:
        try:
            self.entities.find(CAMPAIGNS, campaign_id)
        except ApiProblem:
            raise self.entities.invalid({"campaign_id": ["Campaign not found"]}) from None

    # ================================================================== reports
    def catalog(self) -> Catalog:
        def names(spec: EntitySpec) -> dict[int, str]:
            return {d["id"]: str(d.get("name", "")) for d in self.store.all(spec.kind)}

        return Catalog(
            names={
                "campaign": names(CAMPAIGNS),
                "stream": names(STREAMS),
                "offer": names(OFFERS),
                "landing": names(LANDINGS),
                "ts": names(SOURCES),
                "affiliate_network": names(NETWORKS),
                "group": names(GROUPS),
            },
            offer_network={
                o["id"]: int(o.get("affiliate_network_id") or 0)
                for o in self.store.all(OFFERS.kind)
            },
            campaign_group={
                c["id"]: int(c.get("group_id") or 0) for c in self.store.all(CAMPAIGNS.kind)
            },
            labels=self._labels(),
        )

    def _labels(self) -> dict[tuple[int, str], dict[str, str]]:
        stored = self.store.kv_get("labels", {})
        out: dict[tuple[int, str], dict[str, str]] = {}
        for key, items in stored.items():
            campaign, ref = key.split(":", 1)
            out[(int(campaign), ref)] = items
        return out

    def clicks_between(
        self, start: int, stop: int, offset: int = 0, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Clicks in [start, stop] (oldest first, one page of them if asked) with conversions."""
        window = (
            "SELECT * FROM clicks WHERE epoch BETWEEN ? AND ? ORDER BY epoch, id LIMIT ? OFFSET ?"
        )
        params = (start, stop, -1 if limit is None else limit, offset)
        clicks = self.store.query(window, params)
        by_sub = {c["sub_id"]: c for c in clicks}
        for c in clicks:
            c["conversions"] = []
        page_ids = f"SELECT sub_id FROM ({window})"
        for conv in self.store.query(
            f"SELECT * FROM conversions WHERE sub_id IN ({page_ids}) ORDER BY id", params
        ):
            by_sub[conv["sub_id"]]["conversions"].append(conv)
        return clicks

    async def report_build(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(body_of(r))
        start, stop, tz = resolve_range(body.get("range"), self.timezone, self.now())
        sums = partial(group_sums, self.store, start, stop, tz)
        return reply(build_report(body, sums, self.catalog(), tz))

    async def clicks_log(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(body_of(r))
        start, stop, tz = resolve_range(body.get("range"), self.timezone, self.now())
        cat = self.catalog()

        def contexts() -> list[Ctx]:
            return [Ctx(c, tz, cat) for c in self.clicks_between(start, stop)]

        def page(offset: int, limit: int | None) -> tuple[int, list[Ctx]]:
            total = self.store.query(
                "SELECT COUNT(*) AS n FROM clicks WHERE epoch BETWEEN ? AND ?", (start, stop)
            )[0]["n"]
            return int(total), [
                Ctx(c, tz, cat) for c in self.clicks_between(start, stop, offset, limit)
            ]

        return reply(log_rows(body, contexts, CLICK_LOG_FIELDS, "datetime", page))

    async def conversions_log(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(body_of(r))
        start, stop, tz = resolve_range(body.get("range"), self.timezone, self.now())
        cat = self.catalog()

        def contexts() -> list[Ctx]:
            convs = self.store.query(
                "SELECT * FROM conversions WHERE postback_epoch BETWEEN ? AND ? "
                "ORDER BY postback_epoch, id",
                (start, stop),
            )
            subs = {c["sub_id"] for c in convs}
            clicks = (
                {
                    c["sub_id"]: {**c, "conversions": []}
                    for c in self.store.query(
                        f"SELECT * FROM clicks WHERE sub_id IN ({', '.join('?' * len(subs))})",
                        sorted(subs),
                    )
                }
                if subs
                else {}
            )
            return [Ctx(clicks[c["sub_id"]], tz, cat, c) for c in convs if c["sub_id"] in clicks]

        return reply(log_rows(body, contexts, CONVERSION_FIELDS, "postback_datetime"))

    async def labels_get(self, r: web.Request) -> web.StreamResponse:
        missing = [k for k in ("campaign_id", "label_name", "ref_name") if not r.query.get(k)]
        if missing:
            raise ApiProblem(400, {"error": f"Required parameters: {', '.join(missing)}"})
        items = self._labels().get((int_id(r.query["campaign_id"]), r.query["ref_name"]), {})
        return reply({k: v for k, v in items.items() if v == r.query["label_name"]})

    async def labels_update(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(body_of(r))
        if (
            not body.get("campaign_id")
            or not body.get("ref_name")
            or not isinstance(body.get("items"), dict)
        ):
            raise self.entities.invalid({"items": ["campaign_id, ref_name and items are required"]})
        stored = self.store.kv_get("labels", {})
        key = f"{int_id(body['campaign_id'])}:{body['ref_name']}"
        stored[key] = {**stored.get(key, {}), **{str(k): str(v) for k, v in body["items"].items()}}
        self.store.kv_set("labels", stored)
        return reply({"success": True})

    # ================================================================== costs and cleaning
    def _window(self, start: str, end: str, timezone: str | None) -> tuple[int, int]:
        first, _, _ = resolve_range(
            {"from": start, "timezone": timezone}, self.timezone, self.now()
        )
        _, last, _ = resolve_range({"to": end, "timezone": timezone}, self.timezone, self.now())
        return first, last

    def _spread_cost(
        self,
        campaign_ids: list[int],
        start: str,
        end: str,
        timezone: str | None,
        cost: Any,
        uniques_only: bool,
        filters: Mapping[str, Any],
    ) -> int:
        """Spread ``cost`` evenly over the matching clicks; returns how many were touched."""
        try:
            first, last = self._window(start, end, timezone)
            total = float(cost)
        except (ReportError, TypeError, ValueError) as exc:
            raise self.entities.invalid({"costs": [str(exc)]}) from None
        where = [f"campaign_id IN ({', '.join('?' * len(campaign_ids))})", "epoch BETWEEN ? AND ?"]
        params: list[Any] = [*campaign_ids, first, last]
        if uniques_only:
            where.append("is_unique_campaign = 1")
        for name, value in filters.items():
            if name in SUB_IDS or name in ("country_code", "ip"):
                values = [v.strip() for v in str(value).split(",")]
                where.append(f"{name} IN ({', '.join('?' * len(values))})")
                params += values
        ids = [
            row["id"]
            for row in self.store.query(
                f"SELECT id FROM clicks WHERE {' AND '.join(where)}", params
            )
        ]
        if ids:
            share = total / len(ids)
            with self.store.transaction():
                self.store.db.executemany(
                    "UPDATE clicks SET cost = ? WHERE id = ?", [(share, i) for i in ids]
                )
        return len(ids)

    async def clicks_update_costs(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(body_of(r))
        campaign_ids, costs = body.get("campaign_ids"), body.get("costs")
        if isinstance(costs, dict):
            costs = [costs]  # one period as an object: a live tracker accepted it (deviations.py)
        if not isinstance(campaign_ids, list) or not campaign_ids or not isinstance(costs, list):
            raise self.entities.invalid({"campaign_ids": ["campaign_ids and costs are required"]})
        ids = [int_id(c, "campaign_id") for c in campaign_ids]
        with self.store.transaction():
            for item in costs:
                if not isinstance(item, dict):
                    raise self.entities.invalid({"costs": ["each cost must be an object"]})
                self._spread_cost(
                    ids,
                    str(item.get("start_date", "")),
                    str(item.get("end_date", "")),
                    item.get("timezone") or body.get("timezone"),
                    item.get("cost"),
                    bool(int(body.get("only_campaign_uniques") or 0)),
                    item.get("filters") or {},
                )
        return reply({"success": True})

    async def clicks_clean(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(body_of(r))
        if not body.get("start_date") or not body.get("end_date"):
            raise self.entities.invalid({"start_date": ["start_date and end_date are required"]})
        try:
            first, last = self._window(body["start_date"], body["end_date"], body.get("timezone"))
        except ReportError as exc:
            raise self.entities.invalid({"start_date": [str(exc)]}) from None
        where, params = "epoch BETWEEN ? AND ?", [first, last]
        if body.get("campaign_id"):
            where += " AND campaign_id = ?"
            params.append(int_id(body["campaign_id"]))
        with self.store.transaction():
            doomed = f"SELECT sub_id FROM clicks WHERE {where}"
            self.store.execute(f"DELETE FROM conversions WHERE sub_id IN ({doomed})", params)
            self.store.execute(f"DELETE FROM clicks WHERE {where}", params)
        return reply({"success": True})

    # ================================================================== logs
    async def log_types(self, r: web.Request) -> web.StreamResponse:
        return reply(list(LOG_TYPES))

    def _log_kind(self, r: web.Request) -> str:
        kind = r.match_info["type"]
        if kind not in LOG_TYPES:
            raise ApiProblem(400, {"error": f"Unknown log type {kind!r}"})
        return f"logs:{kind}"

    def write_log(self, kind: str, message: str) -> dict[str, Any]:
        entry_id = self.store.next_id(f"logs:{kind}")
        entry = {
            "id": entry_id,
            "datetime": now_text(),
            "jid": f"{entry_id:08x}",
            "message": message,
        }
        return self.store.put(f"logs:{kind}", entry)

    async def logs_get(self, r: web.Request) -> web.StreamResponse:
        kind = self._log_kind(r)
        if "limit" not in r.query:
            raise ApiProblem(400, {"error": "limit is required"})
        limit, offset = (
            int_id(r.query["limit"], "limit"),
            int_id(r.query.get("offset", 0), "offset"),
        )
        query = r.query.get("query", "").lower()
        entries = [e for e in reversed(self.store.all(kind)) if query in e["message"].lower()]
        return reply(entries[offset : offset + limit])

    async def logs_clear(self, r: web.Request) -> web.StreamResponse:
        self.store.execute("DELETE FROM entities WHERE kind = ?", (self._log_kind(r),))
        return empty()

    async def log_append(self, r: web.Request) -> web.StreamResponse:
        kind = self._log_kind(r).split(":", 1)[1]
        body = self.entities.body(body_of(r))
        if not isinstance(body.get("message"), str) or not body["message"]:
            raise self.entities.invalid({"message": ["Message is required"]})
        return reply(self.write_log(kind, body["message"]))

    async def log_update(self, r: web.Request) -> web.StreamResponse:
        kind = self._log_kind(r)
        entry = self.store.get(kind, int_id(r.match_info["id"]))
        if entry is None:
            raise ApiProblem(404, f"Log entry #{r.match_info['id']} not found", text=True)
        body = self.entities.body(body_of(r))
        if not isinstance(body.get("message"), str) or not body["message"]:
            raise self.entities.invalid({"message": ["Message is required"]})
        return reply(self.store.put(kind, {**entry, "message": body["message"]}))

    # ================================================================== unofficial: clicks
    def _click(self, click_id: str) -> dict[str, Any]:
        rows = self.store.query(
            "SELECT * FROM clicks WHERE sub_id = ? OR CAST(id AS TEXT) = ?", (click_id, click_id)
        )
        if not rows:
            raise ApiProblem(404, f"Click #{click_id} not found", text=True)
        return rows[0]

    def _click_view(self, click: Mapping[str, Any]) -> dict[str, Any]:
        view = {k: v for k, v in click.items() if k != "epoch"}
        view["datetime"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(click["epoch"]))
        view["click_id"] = click["sub_id"]
        return view

    async def click_create(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(body_of(r))
        self.require_campaign(body.get("campaign_id"))
        row = {**new_click(self.now()), **{k: v for k, v in body.items() if k in CLICK_COLUMNS}}
        row["campaign_id"] = int(body["campaign_id"])
        self.store.insert_rows("clicks", CLICK_COLUMNS, [row])
        return reply(self._click_view(self._click(row["sub_id"])))

    async def click_update(self, r: web.Request) -> web.StreamResponse:
        click = self._click(r.match_info["id"])
        body = self.entities.body(body_of(r))
        changes = {
            k: v for k, v in body.items() if k in CLICK_COLUMNS and k not in ("sub_id", "epoch")
        }
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            self.store.execute(
                f"UPDATE clicks SET {sets} WHERE id = ?", [*changes.values(), click["id"]]
            )
        return reply(self._click_view(self._click(click["sub_id"])))

    async def click_delete(self, r: web.Request) -> web.StreamResponse:
        click = self._click(r.match_info["id"])
        with self.store.transaction():
            self.store.execute("DELETE FROM conversions WHERE sub_id = ?", (click["sub_id"],))
            self.store.execute("DELETE FROM clicks WHERE id = ?", (click["id"],))
        return reply(self._click_view(click))

    # ================================================================== conversions
    def record_conversion(self, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """A postback's conversion: created, or updated by (subid, tid); None when ignored.

        As documented for the postback URL: ``status`` defaults to sale, ``lead_status`` /
        ``sale_status`` / ``rejected_status`` map custom statuses (the raw one is kept as
        ``original_status``), ``ignore_status`` drops a postback, ``sub_id_N`` updates the click.
        """
        sub_id = str(values.get("subid") or "")
        if not sub_id or not self.store.query("SELECT 1 FROM clicks WHERE sub_id = ?", (sub_id,)):
            raise self.entities.invalid({"subid": [f"Click {sub_id!r} not found"]})
        original = str(values.get("status") or "sale")
        if original in _listed(values.get("ignore_status")):
            return None
        status = next(
            (
                s
                for s in ("lead", "sale", "rejected")
                if original in _listed(values.get(f"{s}_status"))
            ),
            original,
        )
        payout = values.get("payout", values.get("revenue"))
        try:
            revenue = float(payout or 0)
        except (TypeError, ValueError):
            raise self.entities.invalid({"payout": ["Payout must be a number"]}) from None
        sub_ids = {k: str(v) for k, v in values.items() if k in SUB_IDS[:15]}
        tid = str(values.get("tid") or "")
        now = int(self.now())
        with self.store.transaction():
            if sub_ids:
                sets = ", ".join(f"{k} = ?" for k in sub_ids)
                self.store.execute(
                    f"UPDATE clicks SET {sets} WHERE sub_id = ?", [*sub_ids.values(), sub_id]
                )
            existing = self.store.query(
                "SELECT * FROM conversions WHERE sub_id = ? AND tid = ?", (sub_id, tid)
            )
            if existing:
                old = existing[0]
                if payout is None:  # a status change without a payout keeps the old one
                    revenue = old["revenue"]
                self.store.execute(
                    "UPDATE conversions SET status = ?, previous_status = ?, revenue = ?, "
                    "postback_epoch = ?, sale_epoch = ? WHERE id = ?",
                    (
                        status,
                        old["status"],
                        revenue,
                        now,
                        now if status == "sale" else old["sale_epoch"],
                        old["id"],
                    ),
                )
                conv_id = old["id"]
            else:
                conv_id = self.store.next_id("conversions")
                self.store.insert_rows(
                    "conversions",
                    ("id", *CONVERSION_COLUMNS),
                    [
                        {
                            "id": conv_id,
                            "conversion_id": conv_id,
                            "sub_id": sub_id,
                            "status": status,
                            "previous_status": "",
                            "original_status": original,
                            "revenue": revenue,
                            "currency": str(values.get("currency") or "USD"),
                            "tid": tid,
                            "postback_epoch": now,
                            "sale_epoch": now if status == "sale" else None,
                            "comment": "",
                            "params": "",
                        }
                    ],
                )
        return self._conversion(str(conv_id))

    def _conversion(self, conversion_id: str) -> dict[str, Any]:
        rows = self.store.query(
            "SELECT * FROM conversions WHERE CAST(id AS TEXT) = ?",
            (conversion_id,),
        )
        if not rows:
            raise ApiProblem(404, f"Conversion #{conversion_id} not found", text=True)
        row = rows[0]
        view = {k: v for k, v in row.items() if not k.endswith("_epoch")}
        view["click_id"] = row["sub_id"]
        for name in ("postback", "sale"):
            epoch = row[f"{name}_epoch"]
            view[f"{name}_datetime"] = (
                time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch)) if epoch else None
            )
        return view

    async def conversion_delete(self, r: web.Request) -> web.StreamResponse:
        conv = self._conversion(r.match_info["id"])
        self.store.execute("DELETE FROM conversions WHERE id = ?", (conv["id"],))
        return reply(conv)

    async def s2s_postback(self, r: web.Request) -> web.StreamResponse:
        """The tracker's S2S postback URL: ``/{key}/postback?subid=…&status=…&payout=…``."""
        if r.match_info["key"] != self.postback_key:
            return web.Response(status=404, text="Not found")
        values = dict(r.query)
        if isinstance(body_of(r), dict):
            values.update(body_of(r))
        try:
            conv = self.record_conversion(values)
        except ApiProblem as exc:
            self.write_log("postbacks", f"rejected postback: {exc.body}")
            return web.Response(status=200, text="Error: click not found")
        if conv is None:
            self.write_log("postbacks", f"ignored status {values.get('status')!r}")
        else:
            self.write_log(
                "postbacks",
                f"conversion {conv['conversion_id']} {conv['status']} for {conv['sub_id']}",
            )
        return web.Response(text=str(values.get("return") or "Success"))


def _listed(value: Any) -> list[str]:
    """A comma-separated postback parameter as a list (``lead_status=reg,topup``)."""
    return [v.strip() for v in str(value or "").split(",") if v.strip()]
