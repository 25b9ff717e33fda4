"""Where the emulator answers differently from the official OpenAPI document, on purpose.

Each entry follows what real trackers do, with the evidence (see the reference's
``keitaro-api.md``). The OpenAPI sweep in the tests honours exactly this list and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["one_element_list", "rows_as_objects", "success_body", "text_404"]


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
