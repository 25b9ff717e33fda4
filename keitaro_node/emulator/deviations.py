"""Where the emulator answers differently from the official OpenAPI document, on purpose.

Each entry follows what real trackers do, with the evidence (see the reference's
``keitaro-api.md``). The OpenAPI sweep in the tests honours exactly this list and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["one_element_list", "rows_as_objects", "success_body", "text_404", "null_field"]


@dataclass(frozen=True)
class Deviation:
    kind: Kind
    what: str
    evidence: str


_CLONE = Deviation(
    "one_element_list",
    "clone answers a one-element list [entity] although the spec declares the bare entity",
    "wirgen/keitaro tests read result[0] against the demo tracker (2021); the adrobot client "
    "unwraps one-element lists (2026)",
)
_ROWS = Deviation(
    "rows_as_objects",
    "rows are objects keyed by column name although the spec types them as strings",
    "every client (playtini, kt-mcp-bc, adrobot live 2026) reads rows as objects",
)

DEVIATIONS: dict[tuple[str, str], Deviation] = {
    ("POST", "/campaigns/{id}/clone"): _CLONE,
    ("POST", "/offers/{id}/clone"): _CLONE,
    ("PUT", "/landing_pages/{id}/clone"): _CLONE,
    ("POST", "/affiliate_networks/{id}/clone"): _CLONE,
    ("POST", "/traffic_sources/{id}/clone"): _CLONE,
    ("POST", "/report/build"): _ROWS,
    ("POST", "/clicks/log"): _ROWS,
    ("POST", "/conversions/log"): _ROWS,
    ("POST", "/campaigns/{id}/update_costs"): Deviation(
        "success_body",
        'answers {"success": true} where the spec declares no body',
        "playtini/keitaro-client models the answer as {success: true}",
    ),
}

TEXT_404 = Deviation(
    "text_404",
    "a missing entity answers 404 with a plain-text body such as "
    "'Traffic\\Model\\Campaign #5 not found' instead of the spec's {\"error\": …}",
    "ermahavwork/adrobot-keitaro live probes (2026)",
)
"""Applies to every path with an entity id."""

NULL_FIELDS = {
    "bind_visitors": Deviation(
        "null_field",
        "a campaign that does not bind visitors shows bind_visitors: null, although the spec "
        "types it as one of s, sl, slo",
        "keitaro-api.md 3.1: the read field takes {null, s, sl, slo} (live and client fields)",
    ),
}
"""Fields that are null in real answers where the spec allows only values (every response)."""


@dataclass(frozen=True)
class Evidence:
    """Tracker behaviour beyond (or against) the OpenAPI document, and why the emulator has it."""

    what: str
    evidence: str
    certain: bool = True
    """False where the evidence shows that the behaviour exists but not its exact shape."""


BEHAVIOURS: dict[str, Evidence] = {
    "unknown_paths": Evidence(
        "paths outside the official API (the original node's /settings, /postbacks, …) answer 200 "
        "with the panel's HTML; Emulator(original_paths=True) serves the original node's guesses",
        "adrobot-keitaro live notes (2026): a mistyped Admin API path returns the panel page",
    ),
    "integer_ids": Evidence(
        "ids in paths are integers: /campaigns/abc matches no route (the unknown-path answer)",
        "keitaro-api.md 1.1 ('IDs are integers in the path'); the tracker's router only matches "
        "numeric ids, so a non-numeric id falls through to the panel page",
    ),
    "key_owner": Evidence(
        "GET /users always lists at least the API key's own user (login 'admin'), even when empty",
        "kt-mcp-bc 0.3.0 validate_login: an empty GET /users list is an error, since a key "
        "always belongs to a user",
    ),
    "sub_ids_30": Evidence(
        "clicks/log and report/build know sub_id_1 … sub_id_30",
        "kt-mcp-bc 0.3.0 documents sub_id_1..sub_id_30 for report/build and clicks/log; "
        "keitaro-api.md 3.1 (newer trackers go to sub_id_30)",
    ),
    "older_report_dialect": Evidence(
        "report/build with `metrics` (the older dialect, no `measures`) also accepts dimension "
        "names there and groups by them",
        "2022 OpenAPI + playtini/wirgen scripts send {range, metrics: [campaign_id, datetime]} and "
        "read those keys from the rows",
    ),
    "campaign_fields": Evidence(
        "campaigns carry `domain` (its name; null for a restricted key) and `bind_visitors`; "
        "`domain_id` is write-only",
        "keitaro-api.md 3.1 (live/client fields; domain null for restricted keys; domain_id not "
        "echoed per the newer schema)",
    ),
    "form_bodies": Evidence(
        "form-encoded request bodies are refused with 400 (JSON only), never stored as strings",
        "the OpenAPI document declares only application/json bodies; keitaropy's form posts are "
        "reported to work on some trackers [weak], so this is stricter than a tracker may be, "
        "never kinder",
    ),
    "costs_object": Evidence(
        "clicks/update_costs accepts `costs` as one object (one period) as well as a list",
        "keitaro-api.md 3.13: a live tracker accepted costs as a single object",
    ),
    "domains_ip": Evidence(
        "GET /domains/ip answers the tracker's addresses as {ipv4: [...], ipv6: [...]}, for admin "
        "and user keys alike",
        "kt-mcp-bc 0.3.0 uses it as its key probe for user-level keys ('Get tracker server IPs "
        "(ipv4, ipv6)'); the exact value types are not documented",
        certain=False,
    ),
    "postback_answer": Evidence(
        "the S2S postback URL answers text: 'Success' (or ?return=… when given) for a recorded "
        "conversion, 'Error: click not found' for an unknown subid",
        "docs.keitaro.io 'Postback' documents the parameters and `return` (a custom success "
        "message); the default texts are not documented",
        certain=False,
    ),
}
