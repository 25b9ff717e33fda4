"""The bot list (the tracker's IP blacklist), settings and the Facebook integration."""

from __future__ import annotations

from aiohttp import web

from .responses import Handler, body_of, empty, reply
from .specs import CAMPAIGNS, FACEBOOK
from .views import ViewsMixin


class ListsMixin(ViewsMixin):
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
