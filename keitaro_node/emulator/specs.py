"""The tracker's entity kinds as data: defaults, required and unique fields, delete style."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .entities import EntitySpec

LOG_TYPES = ("system", "traffic", "postbacks", "ssl", "sent_postbacks")
STATES = ("active", "disabled", "deleted")


def _spec(
    kind: str, model: str, defaults: Mapping[str, Any] | None = None, **kw: Any
) -> EntitySpec:
    frozen = dict(defaults or {})
    return EntitySpec(kind, model, defaults=lambda: {k: _fresh(v) for k, v in frozen.items()}, **kw)


def _fresh(value: Any) -> Any:
    return (
        list(value)
        if isinstance(value, list)
        else dict(value)
        if isinstance(value, dict)
        else value
    )


CAMPAIGNS = _spec(
    "campaigns",
    "Campaign",
    {
        "alias": "",
        "type": "position",
        "name": "",
        "cookies_ttl": 24,
        "position": 0,
        "state": "active",
        "cost_type": "CPC",
        "cost_value": 0,
        "cost_currency": "USD",
        "cost_auto": False,
        "group_id": 0,
        "traffic_source_id": 0,
        "token": "",
        "parameters": {},
        "postbacks": [],
        "notes": "",
        "uniqueness_method": "ip",
        "uniqueness_use_cookies": True,
        "traffic_loss": 0,
        "bind_visitors": None,
    },
    required=("alias", "name"),
    unique=("alias",),
    delete="archive_hidden",
    delete_status=201,
    enums={
        "type": ("position", "weight"),
        "state": STATES,
        "cost_type": ("CPM", "CPC", "CPUC", "RevShare", "CPA", "CPS", "CPUV", "CPV"),
    },
)
STREAMS = _spec(
    "streams",
    "Stream",
    {
        "type": "regular",
        "name": "",
        "position": 0,
        "weight": 100,
        "action_options": {},
        "comments": "",
        "state": "active",
        "action_type": "http",
        "action_payload": "",
        "schema": "redirect",
        "collect_clicks": False,
        "filter_or": False,
        "triggers": [],
        "landings": [],
        "offers": [],
    },
    required=("campaign_id", "type", "name", "schema", "action_type"),
    delete="archive_hidden",
    enums={
        "type": ("forced", "regular", "default"),
        "schema": ("landings", "redirect", "action"),
        "state": STATES,
    },
)
LANDINGS = _spec(
    "landings",
    "Landing",
    {
        "landing_type": "local",
        "action_type": "local_file",
        "action_payload": "",
        "action_options": {},
        "name": "",
        "group_id": 0,
        "offer_count": 0,
        "notes": "",
        "state": "active",
    },
    required=("name",),
    delete="archive_visible",
    enums={"state": STATES},
)
OFFERS = _spec(
    "offers",
    "Offer",
    {
        "name": "",
        "group_id": 0,
        "offer_type": "external",
        "action_type": "http",
        "action_payload": "",
        "action_options": {},
        "affiliate_network_id": 0,
        "payout_value": 0,
        "payout_currency": "USD",
        "payout_type": "CPA",
        "state": "active",
        "payout_auto": False,
        "payout_upsell": False,
        "country": [],
        "notes": "",
        "conversion_cap_enabled": False,
        "daily_cap": 0,
    },
    required=("name",),
    delete="archive_visible",
    enums={"payout_type": ("CPA", "CPC"), "state": ("active", "deleted")},
)
NETWORKS = _spec(
    "affiliate_networks",
    "AffiliateNetwork",
    {
        "name": "",
        "postback_url": "",
        "offer_param": "",
        "state": "active",
        "template_name": "",
        "notes": "",
        "pull_api_options": "",
    },
    required=("name",),
    unique=("name",),
    delete="archive_visible",
)
SOURCES = _spec(
    "traffic_sources",
    "TrafficSource",
    {
        "name": "",
        "postback_url": "",
        "postback_statuses": ["lead", "sale", "rejected"],
        "template_name": "",
        "accept_parameters": True,
        "parameters": {},
        "notes": "",
        "state": "active",
        "traffic_loss": 0,
    },
    required=("name",),
    delete="archive_visible",
    delete_answer="empty",
)
DOMAINS = _spec(
    "domains",
    "Domain",
    {
        "name": "",
        "network_status": "active",
        "state": "active",
        "wildcard": False,
        "catch_not_found": False,
        "notes": "",
        "campaigns_count": 0,
        "ssl_redirect": False,
        "allow_indexing": True,
        "is_ssl": False,
        "default_campaign_id": 0,
        "group_id": 0,
        "status": "active",
    },
    required=("name",),
    unique=("name",),
    delete="archive_visible",
    delete_status=201,
)
GROUPS = _spec(
    "groups",
    "Group",
    {"name": "", "type": "campaigns", "position": 0},
    required=("name", "type"),
    unique=("name",),
    scope=("type",),
    has_state=False,
    enums={"type": ("campaigns", "offers", "landings", "domains")},
)
USERS = _spec(
    "users",
    "User",
    {
        "login": "",
        "type": "USER",
        "state": "active",
        "access_data": {
            f"{r}_access_type": "full_access"
            for r in (
                "offers",
                "campaigns",
                "landings",
                "traffic_sources",
                "streams",
                "affiliate_networks",
                "domains",
            )
        },
        "preferences": {"language": "en", "timezone": "UTC"},
    },
    required=("login", "type"),
    unique=("login",),
    has_state=False,
    delete_status=201,
    delete_answer="empty",
    hidden=("new_password", "new_password_confirmation"),
    enums={"type": ("USER", "ADMIN")},
)
FACEBOOK = _spec(
    "facebook",
    "Facebook",
    {
        "integration": "facebook",
        "proxy_enabled": False,
        "name": "",
        "ad_account_id": "",
        "token": "",
        "last_error": "",
        "last_raw_error": "",
        "proxy": {},
        "campaigns": [],
    },
    required=("name",),
    has_state=False,
    hidden=("campaigns",),
)
# The original node's settings path, which the official API lacks (plain documents, hard delete).
SETTINGS = _spec("settings", "Setting", has_state=False)
# A stream's filters, kept apart from the stream document.
FILTERS = _spec(
    "filters",
    "Filter",
    {"payload": []},
    required=("stream_id", "name", "mode"),
    has_state=False,
    enums={"mode": ("accept", "reject")},
)
