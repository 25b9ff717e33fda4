"""The Admin API v1 routes: every official operation, and (on opt-in) the original node's paths."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import catalogues
from .entities import ApiProblem, Entities, EntitySpec, now_text, token
from .files import FilesMixin
from .responses import BODY, Handler, Route, body_of, empty, int_id, reply
from .specs import (
    CAMPAIGNS,
    DOMAINS,
    FACEBOOK,
    FILTERS,
    GROUPS,
    LANDINGS,
    NETWORKS,
    OFFERS,
    SETTINGS,
    SOURCES,
    STREAMS,
    USERS,
)
from .store import Store
from .traffic import TrafficMixin

__all__ = ["BODY", "Handler", "Tracker", "reply"]


@dataclass
class Tracker(TrafficMixin, FilesMixin):
    """Handlers over one Store. ``now`` is injectable so that tests can pin the clock."""

    store: Store
    timezone: str = "UTC"
    validation_status: int = 422
    postback_key: str = "emulatorpostback"
    restricted: bool = False
    """Answer as for a USER-type key (campaign domains hidden, …)."""
    now: Callable[[], float] = time.time
    entities: Entities = field(init=False)

    def __post_init__(self) -> None:
        self.entities = Entities(self.store, self.validation_status)

    # ================================================================== helpers
    @staticmethod
    def body(request: web.Request) -> Any:
        return request.get(BODY)

    def _crud(
        self,
        base: str,
        spec: EntitySpec,
        *,
        listing: bool = True,
        read: bool = True,
        update: bool = True,
        delete: str | None = "{id}",
        clone: str | None = None,
        clone_method: str = "POST",
        create: Handler | None = None,
    ) -> list[Route]:
        """Routes of a plain entity: list, create, get, update, delete, clone."""
        ent = self.entities

        async def do_list(r: web.Request) -> web.StreamResponse:
            return reply([self.present(spec, d) for d in ent.listing(spec)])

        async def do_create(r: web.Request) -> web.StreamResponse:
            return reply(self.present(spec, ent.create(spec, body_of(r))))

        async def do_get(r: web.Request) -> web.StreamResponse:
            return reply(self.present(spec, ent.find(spec, r.match_info["id"])))

        async def do_update(r: web.Request) -> web.StreamResponse:
            return reply(self.present(spec, ent.update(spec, r.match_info["id"], body_of(r))))

        async def do_delete(r: web.Request) -> web.StreamResponse:
            doc = ent.remove(spec, r.match_info["id"])
            if spec.delete_answer == "empty":
                return empty(spec.delete_status)
            return reply(self.present(spec, doc), spec.delete_status)

        async def do_clone(r: web.Request) -> web.StreamResponse:
            return reply([self.present(spec, ent.clone(spec, r.match_info["id"]))])

        routes: list[Route] = []
        if listing:
            routes.append(("GET", base, do_list))
        routes.append(("POST", base, create or do_create))
        if read:
            routes.append(("GET", f"{base}/{{id}}", do_get))
        if update:
            routes.append(("PUT", f"{base}/{{id}}", do_update))
        if delete:
            routes.append(("DELETE", f"{base}/{delete}", do_delete))
        if clone:
            routes.append((clone_method, f"{base}/{{id}}/{clone}", do_clone))
        return routes

    def present(self, spec: EntitySpec, doc: Mapping[str, Any]) -> dict[str, Any]:
        """A stored document as the tracker shows it (computed fields added)."""
        view = self.entities.view(spec, doc)
        if spec is CAMPAIGNS:
            domain = self.store.get(DOMAINS.kind, int(doc.get("domain_id") or 0))
            view["domain"] = None if self.restricted or not domain else domain["name"]
            view.pop("domain_id", None)  # write-only
        elif spec is STREAMS:
            view["filters"] = [
                {**f, "payload": _payload_text(f.get("payload"))}
                for f in self.store.all(FILTERS.kind)
                if f.get("stream_id") == doc["id"]
            ]
        elif spec is OFFERS:
            network = self.store.get(NETWORKS.kind, int(doc.get("affiliate_network_id") or 0))
            view["affiliate_network"] = network["name"] if network else ""
        elif spec is NETWORKS:
            view["offers"] = sum(
                1
                for o in self.store.all(OFFERS.kind)
                if o.get("affiliate_network_id") == doc["id"] and o.get("state") != "deleted"
            )
        elif spec is FILTERS:
            view["payload"] = _payload_text(doc.get("payload"))
        return view

    # ================================================================== routes
    def routes(self) -> list[Route]:
        """The official API: (method, path under /admin_api/v1, handler)."""
        return [
            # campaigns
            ("GET", "/campaigns/deleted", self.campaigns_deleted),
            ("POST", "/campaigns/clean_archive", self.campaigns_clean_archive),
            ("GET", "/campaigns", self.campaigns_list),
            ("POST", "/campaigns", self.campaign_create),
            ("GET", "/campaigns/{id}", self.campaign_get),
            ("PUT", "/campaigns/{id}", self.campaign_update),
            ("DELETE", "/campaigns/{id}", self.campaign_delete),
            ("POST", "/campaigns/{id}/clone", self.campaign_clone),
            ("POST", "/campaigns/{id}/enable", self.state_handler(CAMPAIGNS, "active")),
            ("POST", "/campaigns/{id}/disable", self.state_handler(CAMPAIGNS, "disabled")),
            ("POST", "/campaigns/{id}/restore", self.state_handler(CAMPAIGNS, "active", 201)),
            ("GET", "/campaigns/{id}/streams", self.campaign_streams),
            ("POST", "/campaigns/{id}/update_costs", self.campaign_update_costs),
            # streams and their catalogues
            ("GET", "/streams/deleted", self.streams_deleted),
            ("GET", "/streams/search", self.streams_search),
            ("POST", "/streams", self.stream_create),
            ("GET", "/streams/{id}", self.stream_get),
            ("PUT", "/streams/{id}", self.stream_update),
            ("DELETE", "/streams/{id}", self.stream_delete),
            ("POST", "/streams/{id}/enable", self.state_handler(STREAMS, "active")),
            ("POST", "/streams/{id}/disable", self.state_handler(STREAMS, "disabled")),
            ("POST", "/streams/{id}/restore", self.state_handler(STREAMS, "active")),
            ("GET", "/streams/{id}/events", self.stream_get),
            ("GET", "/stream_filters", self.static(catalogues.STREAM_FILTERS)),
            ("GET", "/stream_schemas", self.static(catalogues.STREAM_SCHEMAS)),
            ("GET", "/stream_types", self.static(catalogues.STREAM_TYPES)),
            ("GET", "/streams_actions", self.static(catalogues.STREAM_ACTIONS)),
            ("GET", "/stream_actions", self.static(catalogues.STREAM_ACTIONS)),
            # landings and offers, with their file trees
            *self._crud(
                "/landing_pages",
                LANDINGS,
                clone="clone",
                clone_method="PUT",
                create=self.landing_create,
            ),
            *self._files("/landing_pages", LANDINGS),
            ("DELETE", "/offers/{id}/archive", self.offer_archive),
            *self._crud("/offers", OFFERS, delete=None, clone="clone", create=self.offer_create),
            *self._files("/offers", OFFERS),
            # simple entities
            *self._crud("/affiliate_networks", NETWORKS, clone="clone"),
            *self._crud("/traffic_sources", SOURCES, clone="clone"),
            ("GET", "/domains/deleted", self.domains_deleted),
            ("GET", "/domains/ip", self.domains_ip),
            *self._crud("/domains", DOMAINS, create=self.domains_create),
            ("POST", "/domains/{id}/check", self.domain_check),
            ("POST", "/domains/{id}/restore", self.state_handler(DOMAINS, "active")),
            ("GET", "/groups", self.groups_list),
            *self._crud(
                "/groups", GROUPS, listing=False, delete="{id}/delete", create=self.group_create
            ),
            *self._crud("/users", USERS, create=self.user_create),
            ("PUT", "/users/{id}/access", self.user_access),
            # bot list
            ("GET", "/botlist", self.botlist_get),
            ("PUT", "/botlist", self.botlist_replace),
            ("DELETE", "/botlist", self.botlist_clear),
            ("POST", "/botlist/add", self.botlist_add),
            ("POST", "/botlist/exclude", self.botlist_exclude),
            # reports, clicks, conversions
            ("POST", "/report/build", self.report_build),
            ("GET", "/report/labels", self.labels_get),
            ("POST", "/report/labels", self.labels_update),
            ("POST", "/clicks/log", self.clicks_log),
            ("POST", "/clicks/update_costs", self.clicks_update_costs),
            ("POST", "/clicks/clean", self.clicks_clean),
            ("POST", "/conversions/log", self.conversions_log),
            # logs
            ("POST", "/logs/types", self.log_types),
            ("GET", "/logs/{type}", self.logs_get),
            ("DELETE", "/logs/{type}", self.logs_clear),
            # integrations
            ("GET", "/integrations/avscan", self.setting_get("avscan_key")),
            ("PUT", "/integrations/avscan", self.setting_put("avscan_key")),
            ("GET", "/integrations/imklo", self.setting_get("imklo_api_url")),
            ("PUT", "/integrations/imklo", self.setting_put("imklo_api_url")),
            ("GET", "/integrations/facebook", self.facebook_list),
            ("POST", "/integrations/facebook", self.facebook_create),
            ("GET", "/integrations/facebook/{id}", self.facebook_get),
            ("PUT", "/integrations/facebook/{id}", self.facebook_update),
            ("DELETE", "/integrations/facebook/{id}", self.facebook_delete),
            ("GET", "/integrations/facebook/{id}/campaign", self.facebook_campaigns),
            ("POST", "/integrations/facebook/{id}/campaign", self.facebook_assign(True)),
            ("DELETE", "/integrations/facebook/{id}/campaign", self.facebook_assign(False)),
        ]

    def original_routes(self) -> list[Route]:
        """The original node's guessed paths that no real tracker has (served only on opt-in)."""
        return [
            *self._crud("/settings", SETTINGS),
            ("POST", "/clicks", self.click_create),
            ("PUT", "/clicks/{id}", self.click_update),
            ("DELETE", "/clicks/{id}", self.click_delete),
            ("DELETE", "/conversions/{id}", self.conversion_delete),
            ("POST", "/logs/{type}", self.log_append),
            ("PUT", "/logs/{type}/{id}", self.log_update),
        ]

    def static(self, data: Any) -> Handler:
        async def handler(r: web.Request) -> web.StreamResponse:
            return reply(data)

        return handler

    def state_handler(self, spec: EntitySpec, state: str, status: int = 200) -> Handler:
        async def handler(r: web.Request) -> web.StreamResponse:
            doc = self.entities.set_state(spec, r.match_info["id"], state)
            return reply(self.present(spec, doc), status)

        return handler

    # ================================================================== campaigns
    async def campaigns_list(self, r: web.Request) -> web.StreamResponse:
        docs = self.entities.listing(CAMPAIGNS)
        offset = int_id(r.query.get("offset", 0), "offset")
        limit = r.query.get("limit")
        stop = offset + int_id(limit, "limit") if limit is not None else None
        return reply([self.present(CAMPAIGNS, d) for d in docs[offset:stop]])

    async def campaigns_deleted(self, r: web.Request) -> web.StreamResponse:
        docs = self.entities.listing(CAMPAIGNS, deleted=True)
        return reply([self.present(CAMPAIGNS, d) for d in docs])

    async def campaigns_clean_archive(self, r: web.Request) -> web.StreamResponse:
        with self.store.transaction():
            for doc in self.entities.listing(CAMPAIGNS, deleted=True):
                self.store.delete(CAMPAIGNS.kind, doc["id"])
        return reply({"success": True})

    def new_campaign(self, doc: dict[str, Any]) -> None:
        doc["token"] = token()

    def _postbacks(self, campaign_id: int, sent: Any, old: list[Any]) -> list[dict[str, Any]]:
        """A campaign's S2S postbacks as written: known ids kept, new ones numbered."""
        if not isinstance(sent, list) or not all(isinstance(p, dict) for p in sent):
            raise self.entities.invalid({"postbacks": ["must be an array of objects"]})
        known = {str(p.get("id")) for p in old if isinstance(p, dict)}
        result = []
        for raw in sent:
            method = str(raw.get("method") or "GET").upper()
            statuses = raw.get("statuses", [])
            if method not in ("GET", "POST"):
                raise self.entities.invalid({"postbacks": [f"Unknown method {method!r}"]})
            if not isinstance(statuses, list):
                raise self.entities.invalid({"postbacks": ["statuses must be an array"]})
            pid = raw.get("id")
            result.append(
                {
                    "id": int_id(pid) if str(pid) in known else self.store.next_id("postbacks"),
                    "campaign_id": campaign_id,
                    "method": method,
                    "statuses": statuses,
                    "url": str(raw.get("url") or ""),
                }
            )
        return result

    async def campaign_create(self, r: web.Request) -> web.StreamResponse:
        with self.store.transaction():  # invalid postbacks roll the campaign back
            doc = self.entities.create(CAMPAIGNS, body_of(r), self.new_campaign)
            doc["postbacks"] = self._postbacks(doc["id"], doc["postbacks"], [])
            doc = self.store.put(CAMPAIGNS.kind, doc)
        return reply(self.present(CAMPAIGNS, doc))

    async def campaign_get(self, r: web.Request) -> web.StreamResponse:
        return reply(self.present(CAMPAIGNS, self.entities.find(CAMPAIGNS, r.match_info["id"])))

    async def campaign_update(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(body_of(r))
        with self.store.transaction():
            old = self.entities.find(CAMPAIGNS, r.match_info["id"])
            if "postbacks" in body:
                body = {
                    **body,
                    "postbacks": self._postbacks(old["id"], body["postbacks"], old["postbacks"]),
                }
            doc = self.entities.update(CAMPAIGNS, old["id"], body)
        return reply(self.present(CAMPAIGNS, doc))

    async def campaign_delete(self, r: web.Request) -> web.StreamResponse:
        doc = self.entities.remove(CAMPAIGNS, r.match_info["id"])
        return reply(self.present(CAMPAIGNS, doc), 201)

    async def campaign_clone(self, r: web.Request) -> web.StreamResponse:
        source_id = self.entities.find(CAMPAIGNS, r.match_info["id"])["id"]

        def adjust(copy: dict[str, Any]) -> None:
            copy["alias"] = f"{copy['alias']}-{token()[:6]}"
            copy["token"] = token()

        with self.store.transaction():
            clone = self.entities.clone(CAMPAIGNS, source_id, adjust)
            clone["postbacks"] = self._postbacks(clone["id"], clone.get("postbacks", []), [])
            clone = self.store.put(CAMPAIGNS.kind, clone)
            for stream in self._streams_of(source_id):
                self._copy_stream(stream, clone["id"])
        return reply([self.present(CAMPAIGNS, clone)])

    async def campaign_streams(self, r: web.Request) -> web.StreamResponse:
        campaign = self.entities.find(CAMPAIGNS, r.match_info["id"])
        return reply([self.present(STREAMS, s) for s in self._streams_of(campaign["id"])])

    async def campaign_update_costs(self, r: web.Request) -> web.StreamResponse:
        campaign = self.entities.find(CAMPAIGNS, r.match_info["id"])
        body = self.entities.body(body_of(r))
        missing = [
            k for k in ("start_date", "end_date", "timezone", "cost", "currency") if not body.get(k)
        ]
        if missing:
            raise self.entities.invalid({k: [f"{k} is required"] for k in missing})
        self._spread_cost(
            [campaign["id"]],
            body["start_date"],
            body["end_date"],
            body["timezone"],
            body["cost"],
            bool(body.get("only_campaign_uniques")),
            body.get("filters") or {},
        )
        return reply({"success": True})

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

    # ================================================================== landings and offers
    async def landing_create(self, r: web.Request) -> web.StreamResponse:
        return reply(self.present(LANDINGS, self._with_archive(LANDINGS, body_of(r))))

    async def offer_create(self, r: web.Request) -> web.StreamResponse:
        return reply(self.present(OFFERS, self._with_archive(OFFERS, body_of(r))))

    async def offer_archive(self, r: web.Request) -> web.StreamResponse:
        return reply(self.present(OFFERS, self.entities.remove(OFFERS, r.match_info["id"])))

    # ================================================================== domains, groups, users
    async def domains_ip(self, r: web.Request) -> web.StreamResponse:
        """The tracker server's addresses (a third-party client's key probe; see deviations)."""
        return reply(
            {"ipv4": [r.transport.get_extra_info("sockname")[0]] if r.transport else [], "ipv6": []}
        )

    async def domains_deleted(self, r: web.Request) -> web.StreamResponse:
        return reply(self.entities.listing(DOMAINS, deleted=True))

    async def domains_create(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(body_of(r))
        names = [n.strip() for n in str(body.get("name") or "").splitlines() if n.strip()]
        if not names:
            raise self.entities.invalid({"name": ["Name is required"]})
        with self.store.transaction():
            created = [self.entities.create(DOMAINS, {**body, "name": n}) for n in names]
        return reply(created)

    async def domain_check(self, r: web.Request) -> web.StreamResponse:
        return reply(
            self.entities.update(DOMAINS, r.match_info["id"], {"network_status": "active"})
        )

    async def groups_list(self, r: web.Request) -> web.StreamResponse:
        kind = r.query.get("type", "campaigns")
        if kind not in GROUPS.enums["type"]:
            raise ApiProblem(400, {"error": f"Unknown group type {kind!r}"})
        return reply([g for g in self.entities.listing(GROUPS) if g.get("type") == kind])

    async def group_create(self, r: web.Request) -> web.StreamResponse:
        if not body_of(r):
            raise ApiProblem(500, {"error": "Internal error"})  # as a real tracker answers
        return reply(self.entities.create(GROUPS, body_of(r)))

    async def group_get(self, r: web.Request) -> web.StreamResponse:
        return reply(self.entities.find(GROUPS, r.match_info["id"]))

    async def user_create(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(body_of(r))
        password, again = body.get("new_password"), body.get("new_password_confirmation")
        if not password:
            raise self.entities.invalid({"new_password": ["Password is required"]})
        if password != again:
            raise self.entities.invalid({"new_password_confirmation": ["Passwords do not match"]})
        return reply(self.present(USERS, self.entities.create(USERS, body)))

    async def user_access(self, r: web.Request) -> web.StreamResponse:
        doc = self.entities.find(USERS, r.match_info["id"])
        access = self.entities.body(body_of(r)).get("access_data")
        if not isinstance(access, dict):
            raise self.entities.invalid({"access_data": ["Access data is required"]})
        merged = {**doc.get("access_data", {}), **access}
        return reply(
            self.present(USERS, self.entities.update(USERS, doc["id"], {"access_data": merged}))
        )

    # ================================================================== bot list
    def _bots(self) -> list[str]:
        return list(self.store.kv_get("botlist", []))

    def _bot_values(self, request: web.Request) -> list[str]:
        body = self.entities.body(body_of(request))
        value = body.get("value")
        if not isinstance(value, str):
            raise self.entities.invalid({"value": ["Value is required"]})
        return [v for v in value.replace(",", "\n").split() if v]

    async def botlist_get(self, r: web.Request) -> web.StreamResponse:
        return reply({"value": "\n".join(self._bots())})

    async def botlist_replace(self, r: web.Request) -> web.StreamResponse:
        values = list(dict.fromkeys(self._bot_values(r)))
        self.store.kv_set("botlist", values)
        return reply({"count": len(values)})

    async def botlist_clear(self, r: web.Request) -> web.StreamResponse:
        self.store.kv_set("botlist", [])
        return empty()

    async def botlist_add(self, r: web.Request) -> web.StreamResponse:
        values = list(dict.fromkeys([*self._bots(), *self._bot_values(r)]))
        self.store.kv_set("botlist", values)
        return reply({"count": len(values)})

    async def botlist_exclude(self, r: web.Request) -> web.StreamResponse:
        drop = set(self._bot_values(r))
        values = [v for v in self._bots() if v not in drop]
        self.store.kv_set("botlist", values)
        return reply({"count": len(values)})

    # ================================================================== integrations
    def setting_get(self, key: str) -> Handler:
        async def handler(r: web.Request) -> web.StreamResponse:
            return reply({key: self.store.kv_get(key, "")})

        return handler

    def setting_put(self, key: str) -> Handler:
        async def handler(r: web.Request) -> web.StreamResponse:
            if key not in r.query:
                raise self.entities.invalid({key: [f"{key} is required"]})
            self.store.kv_set(key, r.query[key])
            return reply({key: r.query[key]})

        return handler

    async def facebook_list(self, r: web.Request) -> web.StreamResponse:
        return reply({"data": [self.present(FACEBOOK, d) for d in self.entities.listing(FACEBOOK)]})

    async def facebook_create(self, r: web.Request) -> web.StreamResponse:
        return reply(self.present(FACEBOOK, self.entities.create(FACEBOOK, body_of(r))))

    async def facebook_get(self, r: web.Request) -> web.StreamResponse:
        return reply(
            {"data": self.present(FACEBOOK, self.entities.find(FACEBOOK, r.match_info["id"]))}
        )

    async def facebook_update(self, r: web.Request) -> web.StreamResponse:
        doc = self.entities.update(FACEBOOK, r.match_info["id"], body_of(r))
        return reply({"data": self.present(FACEBOOK, doc)})

    async def facebook_delete(self, r: web.Request) -> web.StreamResponse:
        self.entities.remove(FACEBOOK, r.match_info["id"])
        return reply({"success": True})

    async def facebook_campaigns(self, r: web.Request) -> web.StreamResponse:
        doc = self.entities.find(FACEBOOK, r.match_info["id"])
        names = {c["id"]: c["name"] for c in self.store.all(CAMPAIGNS.kind)}
        return reply([{"name": names.get(c, ""), "value": c} for c in doc.get("campaigns", [])])

    def facebook_assign(self, assign: bool) -> Handler:
        async def handler(r: web.Request) -> web.StreamResponse:
            doc = self.entities.find(FACEBOOK, r.match_info["id"])
            body = self.entities.body(body_of(r))
            campaign = self.entities.find(CAMPAIGNS, body.get("campaign_id"))["id"]
            linked = [c for c in doc.get("campaigns", []) if c != campaign]
            doc["campaigns"] = [*linked, campaign] if assign else linked
            self.store.put(FACEBOOK.kind, doc)
            return empty()

        return handler


def _payload_text(payload: Any) -> str:
    """Filter payloads are written as arrays but read as strings (the spec says so)."""
    return payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
