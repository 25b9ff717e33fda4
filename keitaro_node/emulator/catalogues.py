"""Static catalogues a tracker serves: stream filter types, schemas, types and actions."""

from __future__ import annotations

from typing import Any


def _entry(
    key: str, name: str, field: str = "", kind: str = "", description: str = ""
) -> dict[str, str]:
    return {"key": key, "name": name, "field": field, "type": kind, "description": description}


def _filter(value: str, tooltip: str, group: str) -> dict[str, Any]:
    return {
        "value": value,
        "tooltip": tooltip,
        "modes": {"accept": "Accept", "reject": "Reject"},
        "group": group,
        "template": "",
        "header_template": "",
        "defaults": "[]",
    }


STREAM_FILTERS = [
    _filter("country", "Visitor's country (ISO code)", "geo"),
    _filter("region", "Visitor's region", "geo"),
    _filter("city", "Visitor's city", "geo"),
    _filter("ip", "IP addresses and ranges", "network"),
    _filter("isp", "Internet service provider", "network"),
    _filter("proxy", "Proxy and VPN", "network"),
    _filter("browser", "Browser", "device"),
    _filter("os", "Operating system", "device"),
    _filter("device_type", "Device type", "device"),
    _filter("language", "Browser language", "device"),
    _filter("referrer", "Referrer", "source"),
    _filter("keyword", "Keyword", "source"),
    _filter("sub_id_1", "Sub ID 1", "params"),
    _filter("schedule", "Days and hours", "other"),
    _filter("uniqueness", "Unique visitors", "other"),
    _filter("bot", "Bots", "other"),
]

STREAM_SCHEMAS = [
    _entry(
        "landings",
        "Landings and offers",
        "landings",
        "schema",
        "Send visitors to landings, then offers",
    ),
    _entry("redirect", "Redirect", "action_payload", "schema", "Redirect to a URL"),
    _entry("action", "Action", "action_type", "schema", "Run an action"),
]

STREAM_TYPES = [
    _entry(
        "forced",
        "Intercepting",
        "type",
        "type",
        "Checked first; takes the visitor if filters match",
    ),
    _entry("regular", "Regular", "type", "type", "Chosen by position or weight"),
    _entry("default", "Default", "type", "type", "Used when no other stream matches"),
]

_NON_REDIRECT = frozenset({"status404", "show_text", "show_html", "do_nothing", "campaign"})
_ACTIONS = (
    ("http", "HTTP redirect"),
    ("meta", "Meta refresh"),
    ("double_meta", "Double meta refresh"),
    ("js", "JavaScript redirect"),
    ("blank_referrer", "Blank referrer"),
    ("formsubmit", "Form submit"),
    ("iframe", "Iframe"),
    ("frame", "Frame"),
    ("remote", "Remote URL"),
    ("curl", "cURL"),
    ("local_file", "Local file"),
    ("status404", "404 Not Found"),
    ("show_text", "Show text"),
    ("show_html", "Show HTML"),
    ("campaign", "Send to campaign"),
    ("do_nothing", "Do nothing"),
    ("js_for_script", "JS for script"),
    ("js_for_iframe", "JS for iframe"),
)
STREAM_ACTIONS = [
    _entry(key, name, "action_payload", "other" if key in _NON_REDIRECT else "redirect")
    for key, name in _ACTIONS
]
