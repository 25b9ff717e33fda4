"""The Admin API v1 routes: every official operation, and (on opt-in) the original node's paths."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import catalogues
from .entities import ApiProblem, Entities, EntitySpec, token
from .files import FilesMixin
from .lists import ListsMixin
from .responses import BODY, Handler, Route, body_of, empty, int_id, reply
from .specs import (
    CAMPAIGNS,
    DOMAINS,
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
from .streams import StreamsMixin

__all__ = ["BODY", "Handler", "Tracker", "reply"]


@dataclass
class Tracker(StreamsMixin, FilesMixin, ListsMixin):
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
