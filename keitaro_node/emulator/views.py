"""How the emulator shows a stored document: the computed fields a tracker adds."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .entities import Entities, EntitySpec
from .specs import CAMPAIGNS, DOMAINS, FILTERS, NETWORKS, OFFERS, STREAMS
from .store import Store


class ViewsMixin:
    store: Store
    entities: Entities
    restricted: bool

    def present(self, spec: EntitySpec, doc: Mapping[str, Any]) -> dict[str, Any]:
        """A stored document as the tracker shows it (computed fields added)."""
        view = self.entities.view(spec, doc)
        if spec is CAMPAIGNS:
            domain_id = int(doc.get("domain_id") or 0)
            domain = self.store.get(DOMAINS.kind, domain_id) if domain_id else None
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


def _payload_text(payload: Any) -> str:
    """Filter payloads are written as arrays but read as strings (the spec says so)."""
    return payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
