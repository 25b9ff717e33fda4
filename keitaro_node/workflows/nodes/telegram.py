"""``telegram``: n8n's Telegram node (versions 1–1.2) against the Bot API at the credential's
base URL (``telegramApi``: ``accessToken``, ``baseUrl``, default https://api.telegram.org).

As n8n 1.95 builds its requests (checked against it through tests/oracle with a local server
playing the Bot API): messages (send text, edit, delete, pin, unpin, send a photo, document,
animation, audio, sticker or video by URL or file id, send a location or a chat action), chats
(get, administrators, member, leave, set title or description), callback queries (answer), files
(get); n8n's attribution under a sent text (1.1+, unless ``appendAttribution`` is false), its
Markdown default and its reply markups. The answer is the item's ``json``; an error item under
continue-on-fail is ``{"error": description}``. Not yet: binary uploads, downloads, send and wait.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ... import expressions
from ...core.client import status_message
from ...core.http import HttpRequest
from ...errors import InputError, TransportError
from ...model import Item
from ...outcomes import Failure
from ..model import NodeFailed, WorkflowNode
from ..pairing import paired
from .base import (
    Checker,
    NodeType,
    Problems,
    Results,
    Run,
    credential_name,
    failed,
    n8n_native,
)

TELEGRAM = "n8n-nodes-base.telegram"
DEFAULT_BASE = "https://api.telegram.org"
ATTRIBUTION = "This message was sent automatically with "
LINK = "https://n8n.io/?utm_source=n8n-internal&utm_medium=powered_by&utm_campaign=" + quote(
    TELEGRAM, safe=""
)
_URL = re.compile(r"(https?|ftp|file)://\S+|www\.\S+|\S+\.\S+")
FILES = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendAnimation": "animation",
    "sendAudio": "audio",
    "sendSticker": "sticker",
    "sendVideo": "video",
}
CHAT = {
    "get": ("getChat", ()),
    "administrators": ("getChatAdministrators", ()),
    "leave": ("leaveChat", ()),
    "member": ("getChatMember", (("user_id", "userId"),)),
    "setDescription": ("setChatDescription", (("description", "description"),)),
    "setTitle": ("setChatTitle", (("title", "title"),)),
}


def _markup(body: dict[str, Any], params: Mapping[str, Any]) -> None:
    """n8n's reply markups: inline or reply keyboards, force reply, keyboard removal."""
    option = params.get("replyMarkup", "none")
    if option == "none":
        return
    markup: dict[str, Any] = {}
    if option in ("inlineKeyboard", "replyKeyboard"):
        key = "inline_keyboard" if option == "inlineKeyboard" else "keyboard"
        markup[key] = [
            [{"text": b.get("text"), **(b.get("additionalFields") or {})} for b in buttons]
            for row in (params.get(option) or {}).get("rows") or []
            if (buttons := (row.get("row") or {}).get("buttons")) is not None
        ]
        if option == "replyKeyboard":
            markup.update(params.get("replyKeyboardOptions") or {})
    elif option in ("forceReply", "replyKeyboardRemove"):
        markup = dict(params.get(option) or {})
    body["reply_markup"] = markup


def _fields(
    body: dict[str, Any], params: Mapping[str, Any], operation: str, version: float
) -> None:
    """n8n's addAdditionalFields: attribution, parse mode and previews of a sent text."""
    extra = dict(params.get("additionalFields") or {})
    if operation == "sendMessage":
        if version >= 1.1 and "appendAttribution" not in extra:
            extra["appendAttribution"] = True
        if not extra.get("parse_mode"):
            extra["parse_mode"] = "Markdown"
        if not _URL.search(str(body.get("text", ""))):
            body["disable_web_page_preview"] = True
        if extra.get("appendAttribution"):
            if extra["parse_mode"] == "Markdown":
                body["text"] = f"{body['text']}\n\n_{ATTRIBUTION}_[n8n]({LINK})"
            elif extra["parse_mode"] == "HTML":
                body["text"] = (
                    f'{body["text"]}\n\n<em>{ATTRIBUTION}</em><a href="{LINK}" '
                    'target="_blank">n8n</a>'
                )
        if version >= 1.2 and "disable_web_page_preview" not in extra:
            body["disable_web_page_preview"] = True
        extra.pop("appendAttribution", None)
    body.update(extra)
    _markup(body, params)


def _call(params: Mapping[str, Any], version: float) -> tuple[str, dict[str, Any]]:
    """The Bot API method and body of one item."""
    resource = params.get("resource", "message")
    operation = params.get("operation", "sendMessage" if resource == "message" else "get")
    body: dict[str, Any] = {}
    if resource == "callback" and operation == "answerQuery":
        body = {
            "callback_query_id": params.get("queryId"),
            **(params.get("additionalFields") or {}),
        }
        return "answerCallbackQuery", body
    if resource == "chat" and operation in CHAT:
        method, more = CHAT[operation]
        body = {"chat_id": params.get("chatId"), **{k: params.get(p) for k, p in more}}
        return method, body
    if resource == "file" and operation == "get" and not params.get("download"):
        return "getFile", {"file_id": params.get("fileId")}
    if resource != "message":
        raise InputError(f"Telegram {resource} {operation} is not supported yet")
    if operation == "editMessageText":
        if params.get("messageType", "message") == "inlineMessage":
            body["inline_message_id"] = params.get("inlineMessageId")
        else:
            body.update(chat_id=params.get("chatId"), message_id=params.get("messageId"))
        body["text"] = params.get("text")
        _fields(body, params, operation, version)
    elif operation in ("deleteMessage", "unpinChatMessage", "pinChatMessage"):
        body = {"chat_id": params.get("chatId"), "message_id": params.get("messageId")}
        if operation == "pinChatMessage" and (params.get("additionalFields") or {}).get(
            "disable_notification"
        ):
            body["disable_notification"] = True
    elif operation in FILES:
        body = {"chat_id": params.get("chatId"), FILES[operation]: params.get("file", "")}
        _fields(body, params, operation, version)
    elif operation == "sendChatAction":
        body = {"chat_id": params.get("chatId"), "action": params.get("action")}
    elif operation == "sendLocation":
        body = {
            "chat_id": params.get("chatId"),
            "latitude": params.get("latitude"),
            "longitude": params.get("longitude"),
        }
        _fields(body, params, operation, version)
    elif operation == "sendMessage":
        body = {"chat_id": params.get("chatId"), "text": params.get("text")}
        _fields(body, params, operation, version)
    else:
        raise InputError(f"Telegram message {operation} is not supported yet")
    return operation, body


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    version = float(node.get("typeVersion", 1.2))
    name = credential_name(node, "telegramApi")
    out: list[Item | Failure] = []
    for i in range(len(items)):
        params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, i, parent))
        try:
            credentials = ctx.credential("telegramApi", name)
            method, body = _call(params, version)
            base = (credentials.get("baseUrl") or DEFAULT_BASE).rstrip("/")
            url = f"{base}/bot{credentials['accessToken']}/{method}"
            headers = {"accept": "application/json", "content-type": "application/json"}
            request = HttpRequest("POST", url, headers, (), body or None)
            answer = await ctx.transport().send(request)
            data = json.loads(answer.body.decode("utf-8") or "null")
            if answer.status >= 300:
                described = data.get("description") if isinstance(data, dict) else None
                raise NodeFailed(node.name, i, status_message(answer.status), described)
        except (InputError, TransportError) as exc:
            error = NodeFailed(node.name, i, exc.message, None)
            out.append(
                failed(node, error, {"json": {"error": exc.message}, "pairedItem": paired(i)})
            )
            continue
        except NodeFailed as exc:
            message = exc.description or exc.reason
            out.append(failed(node, exc, {"json": {"error": message}, "pairedItem": paired(i)}))
            continue
        if params.get("operation") == "administrators" and isinstance(data, dict):
            data = data.get("result")
        records = data if isinstance(data, list) else [data]
        out.extend({"json": r, "pairedItem": paired(i)} for r in records)
    return {"main": out}


def check(raw: Mapping[str, Any], checker: Checker) -> Problems:
    params = raw.get("parameters") or {}
    if params.get("binaryData"):
        return [(["parameters", "binaryData"], "Telegram binary uploads are not supported yet")]
    if params.get("operation") in ("sendAndWait", "sendMediaGroup"):
        return [
            (["parameters", "operation"], f"Telegram {params['operation']} is not supported yet")
        ]
    return []


NODE = NodeType(
    name="telegram",
    description="Telegram's Bot API (n8n's Telegram node, versions 1–1.2): messages, chats, "
    "callback answers and files, with telegramApi credentials by name.",
    run=run,
    check=check,
    **n8n_native(
        TELEGRAM,
        1.2,
        credentials="{telegramApi: NAME}: credentials by name from the credentials file.",
    ),
)
