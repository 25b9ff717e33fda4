"""The Admin API v1 handlers: every official operation, plus the node's unofficial paths."""

from __future__ import annotations

import base64
import io
import json
import time
import zipfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import catalogues
from .entities import ApiProblem, Entities, EntitySpec, now_text, token
from .reports import (
    CLICK_LOG_FIELDS,
    CONVERSION_FIELDS,
    Catalog,
    Ctx,
    ReportError,
    build_report,
    log_rows,
    resolve_range,
)
from .store import CLICK_COLUMNS, CONVERSION_COLUMNS, SUB_IDS, Store

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BODY: web.RequestKey[Any] = web.RequestKey("body", object)
"""The parsed request body (JSON, or a form as a dict), set by the server's journal middleware."""
LOG_TYPES = ("system", "traffic", "postbacks", "ssl", "sent_postbacks")
STATES = ("active", "disabled", "deleted")


def _spec(kind: str, model: str, defaults: Mapping[str, Any] | None = None, **kw: Any) -> EntitySpec:
    frozen = dict(defaults or {})
    return EntitySpec(kind, model, defaults=lambda: {k: _fresh(v) for k, v in frozen.items()}, **kw)


def _fresh(value: Any) -> Any:
    return list(value) if isinstance(value, list) else dict(value) if isinstance(value, dict) else value


CAMPAIGNS = _spec(
    "campaigns", "Campaign",
    {"alias": "", "type": "position", "name": "", "cookies_ttl": 24, "position": 0,
     "state": "active", "cost_type": "CPC", "cost_value": 0, "cost_currency": "USD",
     "cost_auto": False, "group_id": 0, "traffic_source_id": 0, "token": "", "parameters": {},
     "postbacks": [], "notes": "", "uniqueness_method": "ip", "uniqueness_use_cookies": True,
     "traffic_loss": 0},
    required=("alias", "name"), unique=("alias",), delete="archive_hidden", delete_status=201,
    enums={"type": ("position", "weight"), "state": STATES,
           "cost_type": ("CPM", "CPC", "CPUC", "RevShare", "CPA", "CPS", "CPUV", "CPV")},
)
STREAMS = _spec(
    "streams", "Stream",
    {"type": "regular", "name": "", "position": 0, "weight": 100, "action_options": {},
     "comments": "", "state": "active", "action_type": "http", "action_payload": "",
     "schema": "redirect", "collect_clicks": False, "filter_or": False, "triggers": [],
     "landings": [], "offers": []},
    required=("campaign_id", "type", "name", "schema", "action_type"), delete="archive_hidden",
    enums={"type": ("forced", "regular", "default"), "schema": ("landings", "redirect", "action"),
           "state": STATES},
)
LANDINGS = _spec(
    "landings", "Landing",
    {"landing_type": "local", "action_type": "local_file", "action_payload": "",
     "action_options": {}, "name": "", "group_id": 0, "offer_count": 0, "notes": "",
     "state": "active"},
    required=("name",), delete="archive_visible", enums={"state": STATES},
)
OFFERS = _spec(
    "offers", "Offer",
    {"name": "", "group_id": 0, "offer_type": "external", "action_type": "http",
     "action_payload": "", "action_options": {}, "affiliate_network_id": 0, "payout_value": 0,
     "payout_currency": "USD", "payout_type": "CPA", "state": "active", "payout_auto": False,
     "payout_upsell": False, "country": [], "notes": "", "conversion_cap_enabled": False,
     "daily_cap": 0},
    required=("name",), delete="archive_visible",
    enums={"payout_type": ("CPA", "CPC"), "state": ("active", "deleted")},
)
NETWORKS = _spec(
    "affiliate_networks", "AffiliateNetwork",
    {"name": "", "postback_url": "", "offer_param": "", "state": "active", "template_name": "",
     "notes": "", "pull_api_options": ""},
    required=("name",), unique=("name",), delete="archive_visible",
)
SOURCES = _spec(
    "traffic_sources", "TrafficSource",
    {"name": "", "postback_url": "", "postback_statuses": ["lead", "sale", "rejected"],
     "template_name": "", "accept_parameters": True, "parameters": {}, "notes": "",
     "state": "active", "traffic_loss": 0},
    required=("name",), delete="archive_visible", delete_answer="empty",
)
DOMAINS = _spec(
    "domains", "Domain",
    {"name": "", "network_status": "active", "state": "active", "wildcard": False,
     "catch_not_found": False, "notes": "", "campaigns_count": 0, "ssl_redirect": False,
     "allow_indexing": True, "is_ssl": False, "default_campaign_id": 0, "group_id": 0,
     "status": "active"},
    required=("name",), unique=("name",), delete="archive_visible", delete_status=201,
)
GROUPS = _spec(
    "groups", "Group", {"name": "", "type": "campaigns", "position": 0},
    required=("name", "type"), unique=("name",), scope=("type",), has_state=False,
    enums={"type": ("campaigns", "offers", "landings", "domains")},
)
USERS = _spec(
    "users", "User",
    {"login": "", "type": "USER", "state": "active",
     "access_data": {f"{r}_access_type": "full_access" for r in (
         "offers", "campaigns", "landings", "traffic_sources", "streams", "affiliate_networks",
         "domains")},
     "preferences": {"language": "en", "timezone": "UTC"}},
    required=("login", "type"), unique=("login",), has_state=False, delete_status=201,
    delete_answer="empty", hidden=("new_password", "new_password_confirmation"),
    enums={"type": ("USER", "ADMIN")},
)
FACEBOOK = _spec(
    "facebook", "Facebook",
    {"integration": "facebook", "proxy_enabled": False, "name": "", "ad_account_id": "",
     "token": "", "last_error": "", "last_raw_error": "", "proxy": {}, "campaigns": []},
    required=("name",), has_state=False, hidden=("campaigns",),
)
# The original node's paths that the official API lacks (plain documents, hard delete).
SETTINGS = _spec("settings", "Setting", has_state=False)
BLACKLIST = _spec("blacklist", "Blacklist", has_state=False)
POSTBACKS = _spec(
    "postbacks", "Postback",
    {"status": "active", "trigger": "any", "method": "GET", "lead_statuses": "lead",
     "sale_statuses": "sale", "rejected_statuses": "rejected"},
    required=("name", "url"), has_state=False,
    enums={"status": ("active", "inactive"), "trigger": ("any", "lead", "sale"),
           "method": ("GET", "POST")},
)
FILTERS = _spec(
    "filters", "Filter", {"payload": []}, required=("stream_id", "name", "mode"),
    has_state=False, enums={"mode": ("accept", "reject")},
)


def reply(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def empty(status: int = 200) -> web.Response:
    return web.Response(status=status)


def _int_id(value: Any, what: str = "id") -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiProblem(400, {"error": f"Incorrect {what} {value!r}"}) from None


@dataclass
class Tracker:
    """Handlers over one Store. ``now`` is injectable so that tests can pin the clock."""

    store: Store
    timezone: str = "UTC"
    validation_status: int = 422
    postback_key: str = "emulatorpostback"
    now: Callable[[], float] = time.time
    entities: Entities = field(init=False)

    def __post_init__(self) -> None:
        self.entities = Entities(self.store, self.validation_status)

    # ================================================================== helpers
    @staticmethod
    def body(request: web.Request) -> Any:
        return request.get(BODY)

    def _crud(
        self, base: str, spec: EntitySpec, *, listing: bool = True, read: bool = True,
        update: bool = True, delete: str | None = "{id}", clone: str | None = None,
        clone_method: str = "POST", create: Handler | None = None,
    ) -> list[tuple[str, str, Handler]]:
        """Routes of a plain entity: list, create, get, update, delete, clone."""
        ent = self.entities

        async def do_list(r: web.Request) -> web.StreamResponse:
            return reply([self.present(spec, d) for d in ent.listing(spec)])

        async def do_create(r: web.Request) -> web.StreamResponse:
            return reply(self.present(spec, ent.create(spec, self.body(r))))

        async def do_get(r: web.Request) -> web.StreamResponse:
            return reply(self.present(spec, ent.find(spec, r.match_info["id"])))

        async def do_update(r: web.Request) -> web.StreamResponse:
            return reply(self.present(spec, ent.update(spec, r.match_info["id"], self.body(r))))

        async def do_delete(r: web.Request) -> web.StreamResponse:
            doc = ent.remove(spec, r.match_info["id"])
            if spec.delete_answer == "empty":
                return empty(spec.delete_status)
            return reply(self.present(spec, doc), spec.delete_status)

        async def do_clone(r: web.Request) -> web.StreamResponse:
            return reply([self.present(spec, ent.clone(spec, r.match_info["id"]))])

        routes: list[tuple[str, str, Handler]] = []
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
        if spec is STREAMS:
            view["filters"] = [
                {**f, "payload": _payload_text(f.get("payload"))}
                for f in self.store.all(FILTERS.kind) if f.get("stream_id") == doc["id"]
            ]
        elif spec is OFFERS:
            network = self.store.get(NETWORKS.kind, int(doc.get("affiliate_network_id") or 0))
            view["affiliate_network"] = network["name"] if network else ""
        elif spec is NETWORKS:
            view["offers"] = sum(
                1 for o in self.store.all(OFFERS.kind)
                if o.get("affiliate_network_id") == doc["id"] and o.get("state") != "deleted"
            )
        elif spec is FILTERS:
            view["payload"] = _payload_text(doc.get("payload"))
        return view

    # ================================================================== routes
    def routes(self) -> list[tuple[str, str, Handler]]:
        """(method, path under /admin_api/v1, handler); fixed paths come before {id} ones."""
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
            *self._crud("/landing_pages", LANDINGS, clone="clone", clone_method="PUT",
                        create=self.landing_create),
            *self._files("/landing_pages", LANDINGS),
            ("DELETE", "/offers/{id}/archive", self.offer_archive),
            *self._crud("/offers", OFFERS, delete=None, clone="clone", create=self.offer_create),
            *self._files("/offers", OFFERS),
            # simple entities
            *self._crud("/affiliate_networks", NETWORKS, clone="clone"),
            *self._crud("/traffic_sources", SOURCES, clone="clone"),
            ("GET", "/domains/deleted", self.domains_deleted),
            *self._crud("/domains", DOMAINS, create=self.domains_create),
            ("POST", "/domains/{id}/check", self.domain_check),
            ("POST", "/domains/{id}/restore", self.state_handler(DOMAINS, "active")),
            ("GET", "/groups", self.groups_list),
            *self._crud("/groups", GROUPS, listing=False, delete="{id}/delete",
                        create=self.group_create),
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
            ("POST", "/logs/{type}", self.log_append),
            ("PUT", "/logs/{type}/{id}", self.log_update),
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
            # the original node's paths that the official API lacks
            *self._crud("/settings", SETTINGS),
            *self._crud("/blacklist", BLACKLIST),
            *self._crud("/postbacks", POSTBACKS),
            ("POST", "/postbacks/{id}/test", self.postback_test),
            *self._crud("/filters", FILTERS, listing=False, create=self.filter_create),
            ("POST", "/clicks", self.click_create),
            ("GET", "/clicks/{id}", self.click_get),
            ("PUT", "/clicks/{id}", self.click_update),
            ("DELETE", "/clicks/{id}", self.click_delete),
            ("POST", "/conversions", self.conversion_create),
            ("GET", "/conversions/{id}", self.conversion_get),
            ("PUT", "/conversions/{id}", self.conversion_update),
            ("DELETE", "/conversions/{id}", self.conversion_delete),
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
        offset = _int_id(r.query.get("offset", 0), "offset")
        limit = r.query.get("limit")
        stop = offset + _int_id(limit, "limit") if limit is not None else None
        return reply(docs[offset:stop])

    async def campaigns_deleted(self, r: web.Request) -> web.StreamResponse:
        return reply(self.entities.listing(CAMPAIGNS, deleted=True))

    async def campaigns_clean_archive(self, r: web.Request) -> web.StreamResponse:
        with self.store.transaction():
            for doc in self.entities.listing(CAMPAIGNS, deleted=True):
                self.store.delete(CAMPAIGNS.kind, doc["id"])
        return reply({"success": True})

    def new_campaign(self, doc: dict[str, Any]) -> None:
        doc["token"] = token()

    async def campaign_create(self, r: web.Request) -> web.StreamResponse:
        return reply(self.entities.create(CAMPAIGNS, self.body(r), self.new_campaign))

    async def campaign_get(self, r: web.Request) -> web.StreamResponse:
        return reply(self.entities.find(CAMPAIGNS, r.match_info["id"]))

    async def campaign_update(self, r: web.Request) -> web.StreamResponse:
        return reply(self.entities.update(CAMPAIGNS, r.match_info["id"], self.body(r)))

    async def campaign_delete(self, r: web.Request) -> web.StreamResponse:
        return reply(self.entities.remove(CAMPAIGNS, r.match_info["id"]), 201)

    async def campaign_clone(self, r: web.Request) -> web.StreamResponse:
        source_id = self.entities.find(CAMPAIGNS, r.match_info["id"])["id"]

        def adjust(copy: dict[str, Any]) -> None:
            copy["alias"] = f"{copy['alias']}-{token()[:6]}"
            copy["token"] = token()

        with self.store.transaction():
            clone = self.entities.clone(CAMPAIGNS, source_id, adjust)
            for stream in self._streams_of(source_id):
                self._copy_stream(stream, clone["id"])
        return reply([clone])

    async def campaign_streams(self, r: web.Request) -> web.StreamResponse:
        campaign = self.entities.find(CAMPAIGNS, r.match_info["id"])
        return reply([self.present(STREAMS, s) for s in self._streams_of(campaign["id"])])

    async def campaign_update_costs(self, r: web.Request) -> web.StreamResponse:
        campaign = self.entities.find(CAMPAIGNS, r.match_info["id"])
        body = self.entities.body(self.body(r))
        missing = [k for k in ("start_date", "end_date", "timezone", "cost", "currency") if not body.get(k)]
        if missing:
            raise self.entities.invalid({k: [f"{k} is required"] for k in missing})
        self._spread_cost(
            [campaign["id"]], body["start_date"], body["end_date"], body["timezone"],
            body["cost"], bool(body.get("only_campaign_uniques")), body.get("filters") or {},
        )
        return reply({"success": True})

    # ================================================================== streams
    def _streams_of(self, campaign_id: int, *, deleted: bool = False) -> list[dict[str, Any]]:
        streams = [
            s for s in self.store.all(STREAMS.kind)
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
            target = _int_id(item[key], key)
            if any(b[key] == target for b in result):
                continue  # a repeated target collapses to one binding
            binding = kept.get(target) or {
                "id": self.store.next_id(f"stream_{key}"),
                "stream_id": stream_id,
                key: target,
                "created_at": now_text(),
            }
            binding = {**binding, "share": int(item.get("share", 100)),
                       "state": item.get("state", "active"), "updated_at": now_text()}
            result.append(binding)
        return result

    def _save_filters(self, stream_id: int, filters: Any) -> None:
        if not isinstance(filters, list):
            raise self.entities.invalid({"filters": ["must be an array"]})
        for old in self.store.all(FILTERS.kind):
            if old.get("stream_id") == stream_id:
                self.store.delete(FILTERS.kind, old["id"])
        for raw in filters:
            self.entities.create(FILTERS, {**self.entities.body(raw), "stream_id": stream_id})

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
        body = self.entities.body(self.body(r))
        campaign_id = body.get("campaign_id")
        if campaign_id not in (None, ""):
            self._require_campaign(campaign_id)
        core = {k: v for k, v in body.items() if k not in ("offers", "landings", "filters")}
        with self.store.transaction():
            doc = self.entities.create(STREAMS, core)
            doc["campaign_id"] = int(doc["campaign_id"])
            doc = self.write_stream(doc, body)
        return reply(self.present(STREAMS, doc))

    def _require_campaign(self, campaign_id: Any) -> None:
        try:
            self.entities.find(CAMPAIGNS, campaign_id)
        except ApiProblem:
            raise self.entities.invalid({"campaign_id": ["Campaign not found"]}) from None

    async def stream_get(self, r: web.Request) -> web.StreamResponse:
        return reply(self.present(STREAMS, self.entities.find(STREAMS, r.match_info["id"])))

    async def stream_update(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(self.body(r))
        core = {k: v for k, v in body.items() if k not in ("offers", "landings", "filters")}
        with self.store.transaction():
            doc = self.entities.update(STREAMS, r.match_info["id"], core, keep=("campaign_id",))
            doc = self.write_stream(doc, body)
        return reply(self.present(STREAMS, doc))

    async def stream_delete(self, r: web.Request) -> web.StreamResponse:
        return reply(self.present(STREAMS, self.entities.remove(STREAMS, r.match_info["id"])))

    async def streams_deleted(self, r: web.Request) -> web.StreamResponse:
        return reply([self.present(STREAMS, s) for s in self.entities.listing(STREAMS, deleted=True)])

    async def streams_search(self, r: web.Request) -> web.StreamResponse:
        query = r.query.get("query", "").lower()
        if not query:
            raise ApiProblem(400, {"error": "query is required"})
        found = [
            s for s in self.entities.listing(STREAMS)
            if query in str(s.get("name", "")).lower() or query in str(s.get("action_payload", "")).lower()
        ]
        return reply([self.present(STREAMS, s) for s in found])

    def _copy_stream(self, stream: Mapping[str, Any], campaign_id: int) -> None:
        copy = {k: v for k, v in stream.items() if k not in ("id", "offers", "landings")}
        copy["campaign_id"] = campaign_id
        doc = self.entities.create(STREAMS, copy)
        filters = [
            {k: v for k, v in f.items() if k not in ("id", "stream_id")}
            for f in self.store.all(FILTERS.kind) if f.get("stream_id") == stream["id"]
        ]
        self.write_stream(doc, {
            "offers": stream.get("offers", []), "landings": stream.get("landings", []),
            "filters": filters,
        })

    # ================================================================== landings, offers, files
    def _with_archive(self, spec: EntitySpec, body: Any) -> dict[str, Any]:
        body = dict(self.entities.body(body))
        archive = body.pop("archive", None)
        with self.store.transaction():
            doc = self.entities.create(spec, body)
            if archive:
                self._unpack(spec, doc["id"], archive)
        return doc

    async def landing_create(self, r: web.Request) -> web.StreamResponse:
        return reply(self.present(LANDINGS, self._with_archive(LANDINGS, self.body(r))))

    async def offer_create(self, r: web.Request) -> web.StreamResponse:
        return reply(self.present(OFFERS, self._with_archive(OFFERS, self.body(r))))

    async def offer_archive(self, r: web.Request) -> web.StreamResponse:
        return reply(self.present(OFFERS, self.entities.remove(OFFERS, r.match_info["id"])))

    def _unpack(self, spec: EntitySpec, owner: int, archive: str) -> None:
        try:
            raw = base64.b64decode(archive, validate=True)
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                for info in zf.infolist():
                    if not info.is_dir():
                        path = _safe_path(info.filename)
                        data = zf.read(info).decode("utf-8", errors="replace")
                        self._write_file(spec, owner, path, data)
        except (ValueError, zipfile.BadZipFile):
            raise self.entities.invalid({"archive": ["Archive must be a base64 ZIP file"]}) from None

    def _write_file(self, spec: EntitySpec, owner: int, path: str, data: str) -> None:
        self.store.execute(
            "INSERT INTO files (kind, owner, path, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(kind, owner, path) DO UPDATE SET data = excluded.data",
            (spec.kind, owner, path, data),
        )

    def _files(self, base: str, spec: EntitySpec) -> list[tuple[str, str, Handler]]:
        def owner_and_path(r: web.Request, need_path: bool = True) -> tuple[int, str]:
            owner = self.entities.find(spec, r.match_info["id"])["id"]
            path = r.query.get("path", "")
            return owner, _safe_path(path) if need_path or path else ""

        def stored(owner: int) -> list[dict[str, Any]]:
            return self.store.query(
                "SELECT path, data FROM files WHERE kind = ? AND owner = ? ORDER BY path",
                (spec.kind, owner),
            )

        async def add_file(r: web.Request) -> web.StreamResponse:
            owner, path = owner_and_path(r)
            if any(f["path"] == path for f in stored(owner)):
                raise self.entities.invalid({"path": ["File already exists"]})
            self._write_file(spec, owner, path, "")
            return reply({"path": path})

        async def update_file(r: web.Request) -> web.StreamResponse:
            owner, path = owner_and_path(r)
            self._write_file(spec, owner, path, r.query.get("data", ""))
            return reply({"path": path})

        async def get_file(r: web.Request) -> web.StreamResponse:
            owner, path = owner_and_path(r)
            found = [f for f in stored(owner) if f["path"] == path]
            if not found:
                raise ApiProblem(404, f"File {path} not found", text=True)
            return reply({"data": found[0]["data"]})

        async def remove_file(r: web.Request) -> web.StreamResponse:
            owner, path = owner_and_path(r)
            removed = self.store.execute(
                "DELETE FROM files WHERE kind = ? AND owner = ? AND path = ?", (spec.kind, owner, path)
            )
            return reply({"success": removed > 0})

        async def structure(r: web.Request) -> web.StreamResponse:
            owner, _ = owner_and_path(r, need_path=False)
            return reply(_tree([f["path"] for f in stored(owner)]))

        async def download(r: web.Request) -> web.StreamResponse:
            owner, _ = owner_and_path(r, need_path=False)
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
                for f in stored(owner):
                    zf.writestr(f["path"], f["data"])
            return web.Response(body=buffer.getvalue(), content_type="application/octet-stream")

        return [
            ("POST", f"{base}/{{id}}/add_file", add_file),
            ("PUT", f"{base}/{{id}}/update_file", update_file),
            ("GET", f"{base}/{{id}}/get_file", get_file),
            ("DELETE", f"{base}/{{id}}/remove_file", remove_file),
            ("GET", f"{base}/{{id}}/get_structure", structure),
            ("GET", f"{base}/{{id}}/download", download),
        ]

    # ================================================================== domains, groups, users
    async def domains_deleted(self, r: web.Request) -> web.StreamResponse:
        return reply(self.entities.listing(DOMAINS, deleted=True))

    async def domains_create(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(self.body(r))
        names = [n.strip() for n in str(body.get("name") or "").splitlines() if n.strip()]
        if not names:
            raise self.entities.invalid({"name": ["Name is required"]})
        with self.store.transaction():
            created = [self.entities.create(DOMAINS, {**body, "name": n}) for n in names]
        return reply(created)

    async def domain_check(self, r: web.Request) -> web.StreamResponse:
        return reply(self.entities.update(DOMAINS, r.match_info["id"], {"network_status": "active"}))

    async def groups_list(self, r: web.Request) -> web.StreamResponse:
        kind = r.query.get("type", "campaigns")
        if kind not in GROUPS.enums["type"]:
            raise ApiProblem(400, {"error": f"Unknown group type {kind!r}"})
        return reply([g for g in self.entities.listing(GROUPS) if g.get("type") == kind])

    async def group_create(self, r: web.Request) -> web.StreamResponse:
        if not self.body(r):
            raise ApiProblem(500, {"error": "Internal error"})  # as a real tracker answers
        return reply(self.entities.create(GROUPS, self.body(r)))

    async def group_get(self, r: web.Request) -> web.StreamResponse:
        return reply(self.entities.find(GROUPS, r.match_info["id"]))

    async def user_create(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(self.body(r))
        password, again = body.get("new_password"), body.get("new_password_confirmation")
        if not password:
            raise self.entities.invalid({"new_password": ["Password is required"]})
        if password != again:
            raise self.entities.invalid({"new_password_confirmation": ["Passwords do not match"]})
        return reply(self.present(USERS, self.entities.create(USERS, body)))

    async def user_access(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(self.body(r))
        access = body.get("access_data")
        if not isinstance(access, dict):
            raise self.entities.invalid({"access_data": ["Access data is required"]})
        doc = self.entities.find(USERS, r.match_info["id"])
        merged = {**doc.get("access_data", {}), **access}
        return reply(self.present(USERS, self.entities.update(USERS, doc["id"], {"access_data": merged})))

    # ================================================================== bot list
    def _bots(self) -> list[str]:
        return list(self.store.kv_get("botlist", []))

    def _bot_values(self, request: web.Request) -> list[str]:
        body = self.entities.body(self.body(request))
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

    # ================================================================== reports
    def catalog(self) -> Catalog:
        def names(spec: EntitySpec) -> dict[int, str]:
            return {d["id"]: str(d.get("name", "")) for d in self.store.all(spec.kind)}

        return Catalog(
            names={"campaign": names(CAMPAIGNS), "stream": names(STREAMS), "offer": names(OFFERS),
                   "landing": names(LANDINGS), "ts": names(SOURCES),
                   "affiliate_network": names(NETWORKS), "group": names(GROUPS)},
            offer_network={o["id"]: int(o.get("affiliate_network_id") or 0) for o in self.store.all(OFFERS.kind)},
            campaign_group={c["id"]: int(c.get("group_id") or 0) for c in self.store.all(CAMPAIGNS.kind)},
            labels=self._labels(),
        )

    def _labels(self) -> dict[tuple[int, str], dict[str, str]]:
        stored = self.store.kv_get("labels", {})
        out: dict[tuple[int, str], dict[str, str]] = {}
        for key, items in stored.items():
            campaign, ref = key.split(":", 1)
            out[(int(campaign), ref)] = items
        return out

    def clicks_between(self, start: int, stop: int) -> list[dict[str, Any]]:
        """Clicks in [start, stop] with their conversions attached, oldest first."""
        clicks = self.store.query(
            "SELECT * FROM clicks WHERE epoch BETWEEN ? AND ? ORDER BY epoch, id", (start, stop)
        )
        by_sub = {c["sub_id"]: c for c in clicks}
        for c in clicks:
            c["conversions"] = []
        for conv in self.store.query(
            "SELECT * FROM conversions WHERE sub_id IN "
            "(SELECT sub_id FROM clicks WHERE epoch BETWEEN ? AND ?) ORDER BY id", (start, stop)
        ):
            by_sub[conv["sub_id"]]["conversions"].append(conv)
        return clicks

    async def report_build(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(self.body(r))
        start, stop, tz = resolve_range(body.get("range"), self.timezone, self.now())
        return reply(build_report(body, self.clicks_between(start, stop), self.catalog(), tz))

    async def clicks_log(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(self.body(r))
        start, stop, tz = resolve_range(body.get("range"), self.timezone, self.now())
        cat = self.catalog()

        def contexts() -> list[Ctx]:
            return [Ctx(c, tz, cat) for c in self.clicks_between(start, stop)]

        return reply(log_rows(body, contexts, CLICK_LOG_FIELDS, "datetime"))

    async def conversions_log(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(self.body(r))
        start, stop, tz = resolve_range(body.get("range"), self.timezone, self.now())
        cat = self.catalog()

        def contexts() -> list[Ctx]:
            convs = self.store.query(
                "SELECT * FROM conversions WHERE postback_epoch BETWEEN ? AND ? "
                "ORDER BY postback_epoch, id", (start, stop),
            )
            subs = {c["sub_id"] for c in convs}
            clicks = {
                c["sub_id"]: {**c, "conversions": []}
                for c in self.store.query(
                    f"SELECT * FROM clicks WHERE sub_id IN ({', '.join('?' * len(subs))})",  # noqa: S608
                    sorted(subs),
                )
            } if subs else {}
            return [Ctx(clicks[c["sub_id"]], tz, cat, c) for c in convs if c["sub_id"] in clicks]

        return reply(log_rows(body, contexts, CONVERSION_FIELDS, "postback_datetime"))

    async def labels_get(self, r: web.Request) -> web.StreamResponse:
        missing = [k for k in ("campaign_id", "label_name", "ref_name") if not r.query.get(k)]
        if missing:
            raise ApiProblem(400, {"error": f"Required parameters: {', '.join(missing)}"})
        items = self._labels().get((_int_id(r.query["campaign_id"]), r.query["ref_name"]), {})
        return reply({k: v for k, v in items.items() if v == r.query["label_name"]})

    async def labels_update(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(self.body(r))
        if not body.get("campaign_id") or not body.get("ref_name") or not isinstance(body.get("items"), dict):
            raise self.entities.invalid({"items": ["campaign_id, ref_name and items are required"]})
        stored = self.store.kv_get("labels", {})
        key = f"{_int_id(body['campaign_id'])}:{body['ref_name']}"
        stored[key] = {**stored.get(key, {}), **{str(k): str(v) for k, v in body["items"].items()}}
        self.store.kv_set("labels", stored)
        return reply({"success": True})

    # ================================================================== costs and cleaning
    def _window(self, start: str, end: str, timezone: str | None) -> tuple[int, int]:
        first, _, _ = resolve_range({"from": start, "timezone": timezone}, self.timezone, self.now())
        _, last, _ = resolve_range({"to": end, "timezone": timezone}, self.timezone, self.now())
        return first, last

    def _spread_cost(
        self, campaign_ids: list[int], start: str, end: str, timezone: str | None, cost: Any,
        uniques_only: bool, filters: Mapping[str, Any],
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
        ids = [row["id"] for row in self.store.query(
            f"SELECT id FROM clicks WHERE {' AND '.join(where)}", params)]  # noqa: S608
        if ids:
            share = total / len(ids)
            with self.store.transaction():
                self.store.db.executemany(
                    "UPDATE clicks SET cost = ? WHERE id = ?", [(share, i) for i in ids]
                )
        return len(ids)

    async def clicks_update_costs(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(self.body(r))
        campaign_ids, costs = body.get("campaign_ids"), body.get("costs")
        if not isinstance(campaign_ids, list) or not campaign_ids or not isinstance(costs, list):
            raise self.entities.invalid({"campaign_ids": ["campaign_ids and costs are required"]})
        ids = [_int_id(c, "campaign_id") for c in campaign_ids]
        with self.store.transaction():
            for item in costs:
                if not isinstance(item, dict):
                    raise self.entities.invalid({"costs": ["each cost must be an object"]})
                self._spread_cost(
                    ids, str(item.get("start_date", "")), str(item.get("end_date", "")),
                    item.get("timezone") or body.get("timezone"), item.get("cost"),
                    bool(int(body.get("only_campaign_uniques") or 0)), item.get("filters") or {},
                )
        return reply({"success": True})

    async def clicks_clean(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(self.body(r))
        if not body.get("start_date") or not body.get("end_date"):
            raise self.entities.invalid({"start_date": ["start_date and end_date are required"]})
        try:
            first, last = self._window(body["start_date"], body["end_date"], body.get("timezone"))
        except ReportError as exc:
            raise self.entities.invalid({"start_date": [str(exc)]}) from None
        where, params = "epoch BETWEEN ? AND ?", [first, last]
        if body.get("campaign_id"):
            where += " AND campaign_id = ?"
            params.append(_int_id(body["campaign_id"]))
        with self.store.transaction():
            self.store.execute(
                f"DELETE FROM conversions WHERE sub_id IN (SELECT sub_id FROM clicks WHERE {where})",  # noqa: S608
                params,
            )
            self.store.execute(f"DELETE FROM clicks WHERE {where}", params)  # noqa: S608
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
        entry = {"id": entry_id, "datetime": now_text(), "jid": f"{entry_id:08x}", "message": message}
        return self.store.put(f"logs:{kind}", entry)

    async def logs_get(self, r: web.Request) -> web.StreamResponse:
        kind = self._log_kind(r)
        if "limit" not in r.query:
            raise ApiProblem(400, {"error": "limit is required"})
        limit, offset = _int_id(r.query["limit"], "limit"), _int_id(r.query.get("offset", 0), "offset")
        query = r.query.get("query", "").lower()
        entries = [e for e in reversed(self.store.all(kind)) if query in e["message"].lower()]
        return reply(entries[offset : offset + limit])

    async def logs_clear(self, r: web.Request) -> web.StreamResponse:
        self.store.execute("DELETE FROM entities WHERE kind = ?", (self._log_kind(r),))
        return empty()

    async def log_append(self, r: web.Request) -> web.StreamResponse:
        kind = self._log_kind(r).split(":", 1)[1]
        body = self.entities.body(self.body(r))
        if not isinstance(body.get("message"), str) or not body["message"]:
            raise self.entities.invalid({"message": ["Message is required"]})
        return reply(self.write_log(kind, body["message"]))

    async def log_update(self, r: web.Request) -> web.StreamResponse:
        kind = self._log_kind(r)
        entry = self.store.get(kind, _int_id(r.match_info["id"]))
        if entry is None:
            raise ApiProblem(404, f"Log entry #{r.match_info['id']} not found", text=True)
        body = self.entities.body(self.body(r))
        if not isinstance(body.get("message"), str) or not body["message"]:
            raise self.entities.invalid({"message": ["Message is required"]})
        return reply(self.store.put(kind, {**entry, "message": body["message"]}))

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
        return reply(self.present(FACEBOOK, self.entities.create(FACEBOOK, self.body(r))))

    async def facebook_get(self, r: web.Request) -> web.StreamResponse:
        return reply({"data": self.present(FACEBOOK, self.entities.find(FACEBOOK, r.match_info["id"]))})

    async def facebook_update(self, r: web.Request) -> web.StreamResponse:
        doc = self.entities.update(FACEBOOK, r.match_info["id"], self.body(r))
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
            body = self.entities.body(self.body(r))
            campaign = self.entities.find(CAMPAIGNS, body.get("campaign_id"))["id"]
            linked = [c for c in doc.get("campaigns", []) if c != campaign]
            doc["campaigns"] = [*linked, campaign] if assign else linked
            self.store.put(FACEBOOK.kind, doc)
            return empty()

        return handler

    # ================================================================== unofficial: postbacks, filters
    async def postback_test(self, r: web.Request) -> web.StreamResponse:
        postback = self.entities.find(POSTBACKS, r.match_info["id"])
        body = self.body(r) or {}
        values = {k: str(v) for k, v in self.entities.body(body).items()}
        url = str(postback.get("url", ""))
        for name, value in values.items():
            url = url.replace(f"{{{name}}}", value)
        if "payout" in values:
            url = url.replace("{revenue}", values["payout"])
        self.write_log("sent_postbacks", f"test {postback.get('method', 'GET')} {url}")
        return reply({"success": True, "method": postback.get("method", "GET"), "url": url})

    async def filter_create(self, r: web.Request) -> web.StreamResponse:
        body = self.entities.body(self.body(r))
        if body.get("stream_id") not in (None, ""):
            self.entities.find(STREAMS, body["stream_id"])
            body = {**body, "stream_id": int(body["stream_id"])}
        return reply(self.present(FILTERS, self.entities.create(FILTERS, body)))

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
        body = self.entities.body(self.body(r))
        self._require_campaign(body.get("campaign_id"))
        row = {**new_click(self.now()), **{k: v for k, v in body.items() if k in CLICK_COLUMNS}}
        row["campaign_id"] = int(body["campaign_id"])
        self.store.insert_rows("clicks", CLICK_COLUMNS, [row])
        return reply(self._click_view(self._click(row["sub_id"])))

    async def click_get(self, r: web.Request) -> web.StreamResponse:
        return reply(self._click_view(self._click(r.match_info["id"])))

    async def click_update(self, r: web.Request) -> web.StreamResponse:
        click = self._click(r.match_info["id"])
        body = self.entities.body(self.body(r))
        changes = {k: v for k, v in body.items() if k in CLICK_COLUMNS and k not in ("sub_id", "epoch")}
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            self.store.execute(f"UPDATE clicks SET {sets} WHERE id = ?", [*changes.values(), click["id"]])  # noqa: S608
        return reply(self._click_view(self._click(click["sub_id"])))

    async def click_delete(self, r: web.Request) -> web.StreamResponse:
        click = self._click(r.match_info["id"])
        with self.store.transaction():
            self.store.execute("DELETE FROM conversions WHERE sub_id = ?", (click["sub_id"],))
            self.store.execute("DELETE FROM clicks WHERE id = ?", (click["id"],))
        return reply(self._click_view(click))

    # ================================================================== conversions
    def record_conversion(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Create, or update by (sub_id, tid), a conversion for an existing click."""
        sub_id = str(values.get("click_id") or values.get("sub_id") or values.get("subid") or "")
        if not sub_id or not self.store.query("SELECT 1 FROM clicks WHERE sub_id = ?", (sub_id,)):
            raise self.entities.invalid({"click_id": [f"Click {sub_id!r} not found"]})
        status = str(values.get("status") or "lead")
        revenue = values.get("revenue", values.get("payout", 0)) or 0
        try:
            revenue = float(revenue)
        except (TypeError, ValueError):
            raise self.entities.invalid({"revenue": ["Revenue must be a number"]}) from None
        tid = str(values.get("tid") or values.get("transaction_id") or "")
        now = self.now()
        with self.store.transaction():
            existing = self.store.query(
                "SELECT * FROM conversions WHERE sub_id = ? AND tid = ?", (sub_id, tid)
            )
            if existing:
                old = existing[0]
                self.store.execute(
                    "UPDATE conversions SET status = ?, previous_status = ?, revenue = ?, "
                    "postback_epoch = ?, sale_epoch = ? WHERE id = ?",
                    (status, old["status"], revenue, now,
                     now if status == "sale" else old["sale_epoch"], old["id"]),
                )
                conv_id = old["id"]
            else:
                conv_id = self.store.next_id("conversions")
                self.store.insert_rows("conversions", ("id", *CONVERSION_COLUMNS), [{
                    "id": conv_id, "conversion_id": conv_id, "sub_id": sub_id, "status": status,
                    "previous_status": "", "original_status": status, "revenue": revenue,
                    "currency": str(values.get("currency") or "USD"), "tid": tid,
                    "postback_epoch": now, "sale_epoch": now if status == "sale" else None,
                    "comment": str(values.get("comment") or ""), "params": "",
                }])
        return self._conversion(str(conv_id))

    def _conversion(self, conversion_id: str) -> dict[str, Any]:
        rows = self.store.query(
            "SELECT * FROM conversions WHERE CAST(id AS TEXT) = ? OR CAST(conversion_id AS TEXT) = ?",
            (conversion_id, conversion_id),
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

    async def conversion_create(self, r: web.Request) -> web.StreamResponse:
        return reply(self.record_conversion(self.entities.body(self.body(r))))

    async def conversion_get(self, r: web.Request) -> web.StreamResponse:
        return reply(self._conversion(r.match_info["id"]))

    async def conversion_update(self, r: web.Request) -> web.StreamResponse:
        conv = self._conversion(r.match_info["id"])
        body = self.entities.body(self.body(r))
        changes = {k: body[k] for k in ("status", "revenue", "tid", "comment", "currency") if k in body}
        if "status" in changes:
            changes["previous_status"] = conv["status"]
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            self.store.execute(f"UPDATE conversions SET {sets} WHERE id = ?", [*changes.values(), conv["id"]])  # noqa: S608
        return reply(self._conversion(str(conv["id"])))

    async def conversion_delete(self, r: web.Request) -> web.StreamResponse:
        conv = self._conversion(r.match_info["id"])
        self.store.execute("DELETE FROM conversions WHERE id = ?", (conv["id"],))
        return reply(conv)

    async def s2s_postback(self, r: web.Request) -> web.StreamResponse:
        """The tracker's S2S postback URL: ``/{key}/postback?subid=…&status=…&payout=…``."""
        if r.match_info["key"] != self.postback_key:
            return web.Response(status=404, text="Not found")
        values = dict(r.query)
        if isinstance(self.body(r), dict):
            values.update(self.body(r))
        try:
            conv = self.record_conversion(values)
        except ApiProblem as exc:
            self.write_log("postbacks", f"rejected postback: {exc.body}")
            return web.Response(status=200, text="Error: click not found")
        self.write_log("postbacks", f"conversion {conv['conversion_id']} {conv['status']} for {conv['sub_id']}")
        return web.Response(text="Success")


def new_click(now: float) -> dict[str, Any]:
    """A click row with every column filled as a tracker would for a bare visit."""
    row: dict[str, Any] = dict.fromkeys(CLICK_COLUMNS, "")
    row.update(
        sub_id=token()[:12], epoch=int(now), stream_id=0, landing_id=0, offer_id=0, ts_id=0,
        is_bot=0, is_unique_campaign=1, is_unique_stream=1, is_unique_global=1, landing_clicked=0,
        cost=0.0, ip="127.0.0.1", country_code="", device_type="desktop",
    )
    return row


def _payload_text(payload: Any) -> str:
    """Filter payloads are written as arrays but read as strings (the spec says so)."""
    return payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)


def _safe_path(path: str) -> str:
    clean = path.strip().lstrip("/")
    if not clean or ".." in clean.split("/") or "\\" in clean:
        raise ApiProblem(400, {"error": f"Incorrect path {path!r}"})
    return clean


def _tree(paths: list[str]) -> dict[str, Any]:
    """EditorFiles: ``{name, type, ext, path, children}`` for a list of file paths."""
    root: dict[str, Any] = {"name": "", "type": "directory", "ext": "", "path": "", "children": []}
    for path in paths:
        node = root
        parts = path.split("/")
        for depth, part in enumerate(parts):
            sub_path = "/".join(parts[: depth + 1])
            is_file = depth == len(parts) - 1
            child = next((c for c in node["children"] if c["name"] == part), None)
            if child is None:
                child = {"name": part, "type": "file" if is_file else "directory",
                         "ext": part.rsplit(".", 1)[1] if is_file and "." in part else "",
                         "path": sub_path, "children": []}
                node["children"].append(child)
            node = child
    return root
