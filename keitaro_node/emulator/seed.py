"""The deterministic ``demo`` seed: a small tracker with real-looking traffic over 30 days."""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import islice
from typing import Any

from . import specs
from .api import Tracker
from .store import CLICK_COLUMNS, CONVERSION_COLUMNS, new_click

SEEDS = ("demo", "empty")
KEY_OWNER = "admin"
"""The user whose API key the emulator accepts (a real key always belongs to a user)."""
DEMO_CAMPAIGNS = (
    ("demo-fb", "Demo Facebook", "active"),
    ("demo-google", "Demo Google", "active"),
    ("demo-push", "Demo Push", "disabled"),
)
IP_OCTETS = ((11, 223), (0, 255), (0, 255), (1, 254))
COUNTRIES = (
    ("RU", "Russia"),
    ("US", "United States"),
    ("DE", "Germany"),
    ("BR", "Brazil"),
    ("IN", "India"),
    ("KZ", "Kazakhstan"),
)
DEVICES = (
    ("mobile", "Android", "Chrome"),
    ("mobile", "iOS", "Safari"),
    ("desktop", "Windows", "Chrome"),
    ("desktop", "macOS", "Safari"),
    ("tablet", "Android", "Chrome"),
)


def seed(tracker: Tracker, name: str | None, clicks: int = 2000) -> None:
    """Fill an empty store. ``demo`` adds entities and ``clicks`` clicks; ``empty`` adds only the
    API key's own user, which every tracker has."""
    if not tracker.store.count(specs.USERS.kind):
        tracker.entities.create(specs.USERS, {"login": KEY_OWNER, "type": "ADMIN"})
    if name is None or name == "empty":
        return
    if name != "demo":
        raise ValueError(f"unknown seed {name!r}; known: {', '.join(SEEDS)}")
    if tracker.store.count(specs.CAMPAIGNS.kind):
        return  # a file database that was seeded before
    rng = random.Random(f"keitaro-demo-{clicks}")
    ent = tracker.entities
    with tracker.store.transaction():
        groups = {
            kind: ent.create(specs.GROUPS, {"name": label, "type": kind})["id"]
            for kind, label in (
                ("campaigns", "Арбитраж"),
                ("offers", "Nutra"),
                ("landings", "Лендинги"),
            )
        }
        sources = [
            ent.create(specs.SOURCES, {"name": n, "template_name": t})["id"]
            for n, t in (
                ("Facebook Ads", "facebook"),
                ("Google Ads", "google"),
                ("PropellerAds", "propeller"),
            )
        ]
        networks = [
            ent.create(
                specs.NETWORKS, {"name": n, "postback_url": f"https://{h}/postback?subid={{subid}}"}
            )["id"]
            for n, h in (("Admitad", "ad.admitad.example"), ("CPA Network", "cpa.example"))
        ]
        offers = [
            ent.create(
                specs.OFFERS,
                {
                    "name": name,
                    "group_id": groups["offers"],
                    "affiliate_network_id": networks[i % 2],
                    "payout_value": payout,
                    "payout_currency": "USD",
                    "country": [c],
                    "action_payload": f"https://offers.example/{i + 1}?sub={{subid}}",
                },
            )
            for i, (name, payout, c) in enumerate(
                (
                    ("Keto Diet", 24.0, "US"),
                    ("Крем для суставов", 11.5, "RU"),
                    ("Smart Watch", 18.0, "DE"),
                    ("VPN Premium", 6.0, "BR"),
                    ("Dating Pro", 3.5, "IN"),
                )
            )
        ]
        landings = [
            ent.create(specs.LANDINGS, {"name": n, "group_id": groups["landings"]})
            for n in ("Quiz", "Обзор", "Pre-lander")
        ]
        campaigns = []
        for i, (alias, name, state) in enumerate(DEMO_CAMPAIGNS):
            campaign = ent.create(
                specs.CAMPAIGNS,
                {
                    "alias": alias,
                    "name": name,
                    "state": state,
                    "group_id": groups["campaigns"],
                    "traffic_source_id": sources[i],
                    "cost_type": "CPC",
                    "cost_value": 0.05,
                },
                tracker.new_campaign,
            )
            streams = []
            for j, schema in enumerate(("landings", "redirect")):
                body: dict[str, Any] = {
                    "campaign_id": campaign["id"],
                    "name": f"{name} / {'Offers' if j == 0 else 'Fallback'}",
                    "type": "regular" if j == 0 else "default",
                    "schema": schema,
                    "action_type": "http",
                    "action_payload": "" if j == 0 else "https://example.com/",
                    "position": j + 1,
                    "collect_clicks": True,
                }
                doc = ent.create(specs.STREAMS, body)
                picked = offers[i : i + 2]
                streams.append(
                    tracker.write_stream(
                        doc,
                        {
                            "offers": [{"offer_id": o["id"], "share": 50} for o in picked]
                            if j == 0
                            else [],
                            "landings": [{"landing_id": landings[i]["id"], "share": 100}]
                            if j == 0
                            else [],
                            "filters": [
                                {
                                    "name": "country",
                                    "mode": "accept",
                                    "payload": [c for c, _ in COUNTRIES[:3]],
                                }
                            ]
                            if j == 0
                            else [],
                        },
                    )
                )
            campaigns.append((campaign, streams))
        tracker.store.kv_set("botlist", ["66.249.66.1", "157.55.39.0/24", "40.77.167.0/24"])
        tracker.write_log("system", "Tracker started (emulator, demo seed)")
        _traffic(tracker, rng, campaigns, offers, clicks)


def _traffic(
    tracker: Tracker, rng: random.Random, campaigns: list[Any], offers: list[Any], count: int
) -> None:
    rows = _visits(tracker, rng, campaigns, offers, count)
    with tracker.store.transaction():  # one commit, and the rows written a chunk at a time
        while chunk := list(islice(rows, 20_000)):
            tracker.store.insert_rows("clicks", CLICK_COLUMNS, (click for click, _ in chunk))
            conversions = (conversion for _, conversion in chunk if conversion)
            tracker.store.insert_rows("conversions", ("id", *CONVERSION_COLUMNS), conversions)


def _visits(
    tracker: Tracker, rng: random.Random, campaigns: list[Any], offers: list[Any], count: int
) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Clicks of the last 30 days, each with its conversion (about one in 14 has one)."""
    now = int(tracker.now())
    payout = {o["id"]: float(o["payout_value"]) for o in offers}
    seen_ips: set[tuple[int, str]] = set()
    next_conversion = tracker.store.next_id
    for n in range(count):
        campaign, streams = rng.choice(campaigns)
        stream = streams[0] if rng.random() < 0.85 else streams[1]
        offer_id = rng.choice(stream["offers"])["offer_id"] if stream["offers"] else 0
        landing_id = stream["landings"][0]["landing_id"] if stream["landings"] else 0
        code, country = rng.choice(COUNTRIES)
        device, os_name, browser = rng.choice(DEVICES)
        ip = ".".join(str(rng.randint(low, high)) for low, high in IP_OCTETS)
        unique = (campaign["id"], ip) not in seen_ips
        seen_ips.add((campaign["id"], ip))
        epoch = now - rng.randint(0, 30 * 86400)
        row = new_click(epoch)
        row.update(
            sub_id=f"{rng.getrandbits(48):012x}",
            campaign_id=campaign["id"],
            stream_id=stream["id"],
            landing_id=landing_id,
            offer_id=offer_id,
            ts_id=campaign["traffic_source_id"],
            ip=ip,
            country_code=code,
            country=country,
            city="",
            region="",
            device_type=device,
            os=os_name,
            browser=browser,
            user_agent=f"Mozilla/5.0 ({os_name}) {browser}",
            referrer=rng.choice(("", "https://facebook.com/", "https://google.com/")),
            sub_id_1=f"ad{rng.randint(1, 5)}",
            sub_id_2=rng.choice(("feed", "stories", "search")),
            sub_id_3=str(rng.randint(100, 999)),
            is_bot=int(rng.random() < 0.03),
            is_unique_campaign=int(unique),
            is_unique_stream=int(unique),
            is_unique_global=int(unique),
            landing_clicked=int(bool(landing_id) and rng.random() < 0.45),
            cost=round(rng.uniform(0.02, 0.2), 4),
        )
        conversion = None
        if not row["is_bot"] and offer_id and rng.random() < 0.07:
            status = rng.choices(("lead", "sale", "rejected"), (50, 35, 15))[0]
            later = min(now, epoch + rng.randint(60, 3 * 86400))
            conv_id = next_conversion("conversions")
            conversion = {
                "id": conv_id,
                "conversion_id": conv_id,
                "sub_id": row["sub_id"],
                "status": status,
                "previous_status": "lead" if status != "lead" else "",
                "original_status": "lead",
                "revenue": payout[offer_id],
                "currency": "USD",
                "tid": f"T{n:06d}",
                "postback_epoch": later,
                "sale_epoch": later if status == "sale" else None,
                "comment": "",
                "params": "",
            }
        yield row, conversion
