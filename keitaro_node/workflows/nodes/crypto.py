"""``crypto``: n8n's Crypto node: hash or HMAC a value (MD5, SHA…, SHA3…; hex or base64), or
generate a UUID or random text; the result goes to ``dataPropertyName`` (one key, dots and
all, as n8n sets it). Not yet: signing with a private key, binary data."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import re
import secrets
import uuid
from typing import Any

from ... import expressions
from ...model import Item
from ...outcomes import Failure
from ..model import NodeFailed, WorkflowNode
from ..pairing import paired
from .base import Checker, NodeType, Problems, Results, Run, failed, n8n_native

CRYPTO = "n8n-nodes-base.crypto"


def _digest(params: dict[str, Any], keyed: bool) -> str:
    name = str(params.get("type", "MD5")).lower().replace("-", "_")
    if name not in hashlib.algorithms_available:
        raise ValueError(f"Digest method not supported: {params.get('type')}")
    value = str(params.get("value", "")).encode()
    if keyed:
        raw = hmac.new(str(params.get("secret", "")).encode(), value, name).digest()
    else:
        raw = hashlib.new(name, value).digest()
    return base64.b64encode(raw).decode() if params.get("encoding") == "base64" else raw.hex()


def _generated(params: dict[str, Any]) -> str:
    kind = params.get("encodingType", "uuid")
    if kind == "uuid":
        return str(uuid.uuid4())
    length = int(params.get("stringLength", 32))
    raw = secrets.token_bytes(length)
    if kind == "base64":
        return re.sub(r"\W", "", base64.b64encode(raw).decode())[:length]
    if kind == "hex":
        return raw.hex()[:length]
    return "".join(chr(b & 0x7F) for b in raw)[:length]  # Node's Buffer.toString("ascii")


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    action = (node.get("parameters") or {}).get("action", "hash")
    out: list[Item | Failure] = []
    for i, item in enumerate(items):
        params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, i, parent))
        name = str(params.get("dataPropertyName", "data"))
        try:
            if action == "generate":
                value = _generated(params)
            elif action in ("hash", "hmac"):
                value = _digest(params, keyed=action == "hmac")
            else:
                raise ValueError(f"The Crypto action {action!r} is not supported yet")
        except ValueError as exc:
            stop = NodeFailed(node.name, i, str(exc), None)
            out.append(failed(node, stop, {"json": {"error": str(exc)}, "pairedItem": paired(i)}))
            continue
        data = copy.deepcopy(item["json"]) if "." in name else dict(item["json"])
        data[name] = value  # n8n sets ["json", name]: a dotted name is one key, not a path
        out.append({"json": data, "pairedItem": paired(i)})
    return {"main": out}


def check(raw: Any, checker: Checker) -> Problems:
    params = raw.get("parameters") or {}
    if params.get("action") == "sign" or params.get("binaryData"):
        return [(["parameters", "action"], "Crypto sign and binary data are not supported yet")]
    return []


NODE = NodeType(
    name="crypto",
    description="Hash, HMAC or generate values (n8n's Crypto node).",
    run=run,
    check=check,
    **n8n_native(CRYPTO, 1),
)
