"""Streams: their filters, offer and landing bindings, and copies between campaigns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .entities import ApiProblem, now_text
from .responses import body_of, int_id, reply
from .specs import FILTERS, STREAMS
from .traffic import TrafficMixin
from .views import ViewsMixin


class StreamsMixin(TrafficMixin, ViewsMixin):
    # ================================================================== streams
    def _streams_of(self, campaign_id: int, *, deleted: bool = False) -> list[dict[str, Any]]:
        streams = [
            s
            for s in self.store.all(STREAMS.kind)
            if s.get("campaign_id") == campaign_id and (s.get("state") == "deleted") == deleted
        ]
        return sorted(streams, key=lambda s: (s.get("position", 0), s["id"]))

    def _bindings(
        self, old: list[dict[str, Any]], sent: Any, key: str, stream_id: int
    ) -> list[dict[str, Any]]:
        """Replace a stream's offers/landings: keep a binding whose target repeats, new ids else."""
        if not isinstance(sent, list):
            raise self.entities.invalid({key.split("_")[0] + "s": ["must be an array"]})
        kept = {b[key]: b for b in old}
        result: list[dict[str, Any]] = []
        for item in sent:
            if not isinstance(item, dict) or key not in item:
                raise self.entities.invalid({key: [f"{key} is required"]})
            target = int_id(item[key], key)
            if any(b[key] == target for b in result):
                continue  # a repeated target collapses to one binding
            binding = kept.get(target) or {
                "id": self.store.next_id(f"stream_{key}"),
                "stream_id": stream_id,
                key: target,
                "created_at": now_text(),
            }
            binding = {
                **binding,
                "share": int(item.get("share", 100)),
                "state": item.get("state", "active"),
                "updated_at": now_text(),
            }
            result.append(binding)
        return result

    def _save_filters(self, stream_id: int, filters: Any) -> None:
        """Replace a stream's filters: one sent with the id of an existing filter keeps it."""
        if not isinstance(filters, list):
            raise self.entities.invalid({"filters": ["must be an array"]})
        old = {f["id"]: f for f in self.store.all(FILTERS.kind) if f.get("stream_id") == stream_id}
        kept: set[int] = set()
        for raw in filters:
            body = self.entities.body(raw)
            sent_id = body.get("id")
            fields = {k: v for k, v in body.items() if k not in ("id", "stream_id", "oid")}
            if sent_id is not None and int_id(sent_id) in old:
                kept.add(int_id(sent_id))
                self.entities.update(FILTERS, sent_id, fields)
            else:
                self.entities.create(FILTERS, {**fields, "stream_id": stream_id})
        for gone in set(old) - kept:
            self.store.delete(FILTERS.kind, gone)

    def write_stream(self, doc: dict[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
        """Apply nested arrays of a stream write (offers, landings, filters) and store it."""
        for key, target in (("offers", "offer_id"), ("landings", "landing_id")):
            if key in body:
                doc[key] = self._bindings(doc.get(key, []), body[key], target, doc["id"])
        if "filters" in body:
            self._save_filters(doc["id"], body["filters"])
        doc.pop("filters", None)
        return self.store.put(STREAMS.kind, doc)

    async def stream_create(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(body_of(r))
        campaign_id = body.get("campaign_id")
        if campaign_id not in (None, ""):
            self.require_campaign(campaign_id)
        core = {k: v for k, v in body.items() if k not in ("offers", "landings", "filters")}
        with self.store.transaction():
            doc = self.entities.create(STREAMS, core)
            doc["campaign_id"] = int(doc["campaign_id"])
            doc = self.write_stream(doc, body)
        return reply(self.present(STREAMS, doc))

    async def stream_get(self, r: web.Request) -> web.StreamResponse:
        return reply(self.present(STREAMS, self.entities.find(STREAMS, r.match_info["id"])))

    async def stream_update(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(body_of(r))
        core = {k: v for k, v in body.items() if k not in ("offers", "landings", "filters")}
        with self.store.transaction():
            doc = self.entities.update(STREAMS, r.match_info["id"], core, keep=("campaign_id",))
            doc = self.write_stream(doc, body)
        return reply(self.present(STREAMS, doc))

    async def stream_delete(self, r: web.Request) -> web.StreamResponse:
        return reply(self.present(STREAMS, self.entities.remove(STREAMS, r.match_info["id"])))

    async def streams_deleted(self, r: web.Request) -> web.StreamResponse:
        return reply(
            [self.present(STREAMS, s) for s in self.entities.listing(STREAMS, deleted=True)]
        )

    async def streams_search(self, r: web.Request) -> web.StreamResponse:
        query = r.query.get("query", "").lower()
        if not query:
            raise ApiProblem(400, {"error": "query is required"})
        found = [
            s
            for s in self.entities.listing(STREAMS)
            if query in str(s.get("name", "")).lower()
            or query in str(s.get("action_payload", "")).lower()
        ]
        return reply([self.present(STREAMS, s) for s in found])

    def _copy_stream(self, stream: Mapping[str, Any], campaign_id: int) -> None:
        copy = {k: v for k, v in stream.items() if k not in ("id", "offers", "landings")}
        copy["campaign_id"] = campaign_id
        doc = self.entities.create(STREAMS, copy)
        filters = [
            {k: v for k, v in f.items() if k not in ("id", "stream_id")}
            for f in self.store.all(FILTERS.kind)
            if f.get("stream_id") == stream["id"]
        ]
        self.write_stream(
            doc,
            {
                "offers": stream.get("offers", []),
                "landings": stream.get("landings", []),
                "filters": filters,
            },
        )
