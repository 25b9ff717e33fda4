"""``xml``: n8n's XML node (version 1): XML to JSON and JSON to XML as its library, xml2js,
does them. To JSON: attributes merged into their element (``mergeAttrs``), one child as a
value and repeated ones as a list (``explicitArray: false``), text beside attributes or
children under ``_`` (``charkey``), the root element as the one key (``explicitRoot``); to XML:
xml2js's Builder (one key is the root, else ``rootName``; ``$`` attributes, ``_`` text;
indented, with the XML declaration unless ``headless``). Parsed with expat, which expands no
external entity and bounds entity expansion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from ...model import Item
from ...outcomes import Failure
from ..model import NodeFailed, WorkflowNode
from ..pairing import paired
from .base import NodeType, Results, Run, continues, n8n_native

XML = "n8n-nodes-base.xml"
TO_JSON = {
    "attrkey": "$",
    "charkey": "_",
    "explicitArray": False,
    "explicitRoot": True,
    "ignoreAttrs": False,
    "mergeAttrs": True,
    "normalize": False,
    "normalizeTags": False,
    "trim": False,
}


def to_json(text: str, options: Mapping[str, Any]) -> Any:
    """xml2js's parseString with these options."""
    opts = {**TO_JSON, **options}
    charkey, attrkey = str(opts["charkey"]), str(opts["attrkey"])
    stack: list[tuple[str, dict[str, Any], list[str]]] = []
    result: dict[str, Any] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        node: dict[str, Any] = {}
        if not opts["ignoreAttrs"] and attrs:
            if opts["mergeAttrs"]:
                for key, value in attrs.items():
                    _add(node, key, value, opts["explicitArray"])
            else:
                node[attrkey] = dict(attrs)
        stack.append((name.lower() if opts["normalizeTags"] else name, node, []))

    def end(name: str) -> None:
        tag, node, texts = stack.pop()
        text = "".join(texts)
        value: Any = node
        if text.strip():
            if opts["trim"]:
                text = text.strip()
            if opts["normalize"]:
                text = " ".join(text.split())
            node[charkey] = text
            if len(node) == 1:
                value = text
        elif not node:
            value = text  # an empty element: its whitespace, or ""
        if stack:
            _add(stack[-1][1], tag, value, opts["explicitArray"])
        else:
            result[tag] = value

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = lambda data: stack[-1][2].append(data) if stack else None
    parser.Parse(text, True)
    if not result:
        raise ValueError("no root element")
    return result if opts["explicitRoot"] else next(iter(result.values()))


def _add(node: dict[str, Any], key: str, value: Any, explicit: bool) -> None:
    if key not in node:
        node[key] = [value] if explicit else value
    elif isinstance(node[key], list):
        node[key].append(value)
    else:
        node[key] = [node[key], value]


def to_xml(data: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    """xml2js's Builder.buildObject: the one key as the root, else ``rootName``."""
    attrkey, charkey = str(options.get("attrkey", "$")), str(options.get("charkey", "_"))
    root_name = str(options.get("rootName", "root"))
    if len(data) == 1 and root_name == "root":  # the one key is the root, unless one is named
        root, body = next(iter(data.items()))
    else:
        root, body = root_name, data
    lines: list[str] = []
    if not options.get("headless"):
        lines.append('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')

    def element(name: str, value: Any, depth: int) -> None:
        pad = "  " * depth
        if isinstance(value, list):
            for each in value:
                element(name, each, depth)
            return
        if not isinstance(value, Mapping):
            text = "" if value is None else _text(value)
            lines.append(f"{pad}<{name}>{escape(text)}</{name}>" if text else f"{pad}<{name}/>")
            return
        attrs = "".join(
            f" {k}={quoteattr(_text(v))}" for k, v in (value.get(attrkey) or {}).items()
        )
        children = {k: v for k, v in value.items() if k not in (attrkey, charkey)}
        text = escape(_text(value[charkey])) if charkey in value else ""
        if not children:
            lines.append(
                f"{pad}<{name}{attrs}>{text}</{name}>" if text else f"{pad}<{name}{attrs}/>"
            )
            return
        lines.append(f"{pad}<{name}{attrs}>")
        if text:  # beside children, text is a line of its own
            lines.append(f"{pad}  {text}")
        for key, child in children.items():
            element(key, child, depth + 1)
        lines.append(f"{pad}</{name}>")

    element(str(root), body, 0)
    return "\n".join(lines)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    params = node.get("parameters") or {}
    mode = params.get("mode", "xmlToJson")
    prop = str(params.get("dataPropertyName", "data"))
    options = params.get("options") or {}
    out: list[Item | Failure] = []
    for i, item in enumerate(items):
        try:
            if mode == "xmlToJson":
                if prop not in item["json"]:
                    raise ValueError(f'Item has no JSON property called "{prop}"')
                out.append(
                    {"json": to_json(str(item["json"][prop]), options), "pairedItem": paired(i)}
                )
            elif mode == "jsonToxml":
                text = to_xml(item["json"], options)
                out.append({"json": {prop: text}, "pairedItem": paired(i)})
            else:
                raise ValueError(f'The operation "{mode}" is not known!')
        except (ValueError, expat.ExpatError) as exc:
            message = str(exc) if not isinstance(exc, expat.ExpatError) else _expat(exc)
            failure = NodeFailed(node.name, i, message, None)
            if not continues(node):
                raise failure from None
            # n8n 1.95 puts the error item in place of the input item, not in its output
            out.append(Failure(i, failure, None))
    return {"main": out}


def _expat(exc: expat.ExpatError) -> str:
    """An XML error in the words of xml2js's parser (sax): what, then where."""
    return f"{expat.errors.messages[exc.code]}\nLine: {exc.lineno - 1}\nColumn: {exc.offset}"


NODE = NodeType(
    name="xml",
    description="XML to JSON and back (n8n's XML node: mode xmlToJson or jsonToxml, "
    "dataPropertyName, options as xml2js's).",
    run=run,
    **n8n_native(XML, 1),
)
