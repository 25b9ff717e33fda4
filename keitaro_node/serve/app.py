"""The HTTP side of ``serve``: webhooks at /webhook/…, the executions API, the pages, and
/healthz, in one aiohttp application. With a token, the API and the pages need it
(``Authorization: Bearer …``, or ``?token=…`` once in a browser, which sets a cookie);
webhooks are authenticated by their own node settings."""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from ..workflows.model import Response, Start, Workflow
from ..workflows.nodes import TABLE
from . import pages
from .service import Served, Service
from .webhooks import Hook, last_node, on_received, refusal, request_item

COOKIE = "keitaro_node_token"
MAX_BODY = 16 * 1024 * 1024
"""n8n's default N8N_PAYLOAD_SIZE_MAX: 16 MB."""
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SERVICE = web.AppKey("service", Service)


def application(service: Service, token: str | None = None) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_guard(token)])
    app[SERVICE] = service
    app.router.add_get("/healthz", _health)
    app.router.add_get("/api/workflows", _workflows)
    app.router.add_get("/api/executions", _executions)
    app.router.add_get("/api/executions/{id}", _execution)
    app.router.add_get("/", _page)
    app.router.add_get("/executions/{id}", _page)
    app.router.add_route("*", "/webhook/{tail:.*}", _webhook)
    return app


def _guard(token: str | None) -> Any:
    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if token is None or path.startswith("/webhook/") or path == "/healthz":
            return await handler(request)
        given = request.query.get("token")
        if given is not None and _same(given, token) and not path.startswith("/api/"):
            # once in a browser: the token becomes a cookie, and leaves the address bar
            response = web.HTTPFound(
                request.rel_url.with_query({k: v for k, v in request.query.items() if k != "token"})
            )
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict")
            raise response
        sent = request.headers.get("Authorization", "")
        bearer = sent[7:] if sent.startswith("Bearer ") else None
        if any(_same(v, token) for v in (bearer, request.cookies.get(COOKIE)) if v):
            return await handler(request)
        return web.json_response(
            {"code": 401, "message": "Unauthorized: send Authorization: Bearer <token>"},
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    return guard


def _same(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode(), token.encode())


def _service(request: web.Request) -> Service:
    return request.app[SERVICE]


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


# ---------------------------------------------------------------------------- the API


def workflow_summary(service: Service, served: Served) -> dict[str, Any]:
    return {
        "id": served.id,
        "name": served.workflow.name,
        "source": str(served.workflow.source) if served.workflow.source else None,
        "triggers": served.triggers,
        "webhooks": [
            {"node": h.node.name, "methods": list(h.methods), "path": h.url_path}
            for h in served.hooks
        ],
        "nextRuns": service.next_runs(served),
        "errorWorkflow": served.workflow.error_workflow,
    }


def graph(workflow: Workflow) -> dict[str, Any]:
    """The workflow's nodes (name, type, where n8n draws them) and connections, for pages."""
    return {
        "nodes": [
            {"name": n.name, "type": n.type, "position": list(workflow.place(n.name))[::-1]}
            for n in workflow.nodes
        ],
        "connections": [
            {"from": source, "output": output, "to": target}
            for source, outputs in workflow.connections.items()
            for output, targets in outputs.items()
            for target in targets
        ],
    }


async def _workflows(request: web.Request) -> web.Response:
    service = _service(request)
    data = [workflow_summary(service, s) for s in service.served.values()]
    return web.json_response({"data": data})


async def _executions(request: web.Request) -> web.Response:
    query = request.query
    try:
        limit = min(int(query.get("limit", "50")), 250)
        before = int(query["cursor"]) if query.get("cursor") else None
    except ValueError:
        return web.json_response({"message": "limit and cursor are numbers"}, status=400)
    found = _service(request).records.list(
        workflow=query.get("workflowId"), status=query.get("status"), limit=limit, before=before
    )
    cursor = str(found[-1].id) if len(found) == limit else None
    return web.json_response({"data": [r.summary() for r in found], "nextCursor": cursor})


async def _execution(request: web.Request) -> web.Response:
    service = _service(request)
    try:
        record = service.records.get(int(request.match_info["id"]))
    except ValueError:
        record = None
    if record is None:
        return web.json_response({"message": "No such execution"}, status=404)
    served = service.served.get(record.workflow_id)
    return web.json_response(
        {
            **record.summary(),
            "nodes": record.nodes or {},
            "workflow": graph(served.workflow) if served else None,
        }
    )


async def _page(request: web.Request) -> web.Response:
    return web.Response(text=pages.page(), content_type="text/html")


# ---------------------------------------------------------------------------- webhooks


async def _webhook(request: web.Request) -> web.StreamResponse:
    service = _service(request)
    segments = [s for s in request.match_info["tail"].split("/") if s]
    method = request.method.upper()
    found = _find(service, method, segments)
    if isinstance(found, web.Response):
        return found
    hook, params = found
    served = service.served[hook.workflow]
    if hook.problem:
        return web.json_response({"code": 0, "message": hook.problem}, status=500)
    refused = refusal(hook, request.headers, served.credential(hook.node))
    if refused is not None:
        status, message = refused
        headers = {"WWW-Authenticate": 'Basic realm="Webhook"'} if status in (401, 403) else {}
        return web.Response(status=status, text=message, headers=headers)
    body = await request.read()
    try:
        item = request_item(
            hook,
            headers=list(request.headers.items()),
            params=params,
            query=request.query_string,
            body=body,
            content_type=request.content_type if body else "",
            url=str(request.url.with_query(None)),
        )
    except ValueError as exc:
        refusal_body = {"code": 422, "message": "Failed to parse request body", "hint": str(exc)}
        return web.json_response(refusal_body, status=422)
    outputs = TABLE["webhook"].outputs(hook.node.config)
    start = Start(
        hook.node.name, [item], outputs[hook.output(method)] if len(outputs) > 1 else None
    )
    return _answer(await _respond(service, served, hook, start))


async def _respond(service: Service, served: Served, hook: Hook, start: Start) -> Response:
    if hook.mode == "onReceived":
        service.spawn(service.execute(served, start, "webhook"))
        return on_received(hook)
    if hook.mode == "lastNode":
        outcome = await service.execute(served, start, "webhook")
        result = outcome.result
        last = result.runs.get(result.order[-1]) if result and result.order else None
        return last_node(hook, last.items if last else None, outcome.error is not None)
    answered: asyncio.Future[Response] = asyncio.get_running_loop().create_future()

    def respond(response: Response) -> None:
        if not answered.done():
            answered.set_result(response)

    execution = service.spawn(service.execute(served, start, "webhook", respond))
    await asyncio.wait({answered, execution}, return_when=asyncio.FIRST_COMPLETED)
    if answered.done():
        return answered.result()
    if execution.cancelled() or execution.exception() or execution.result().error:
        return Response(500, {}, {"message": "Error in workflow"})
    return Response(200, {}, None)  # the execution ended without reaching a Respond node


def _find(
    service: Service, method: str, segments: list[str]
) -> tuple[Hook, dict[str, str]] | web.Response:
    """The hook a request is for: static paths first, then paths with :parameters (n8n's
    order); else n8n's 404."""
    hooks = service.routes
    for hook in hooks:
        params = hook.match(method, segments)
        if params is not None:
            return hook, params
    path = "/".join(segments)
    others = [m for h in hooks for m in h.methods if h.match(m, segments) is not None]
    if others:
        message = (
            f"This webhook is not registered for {method} requests. Did you mean to make a "
            f"{others[0]} request?"
        )
    else:
        message = f'The requested webhook "{method} {path}" is not registered.'
    hint = "Is the workflow in the folder keitaro-node serve was given, and did it load?"
    return web.json_response({"code": 404, "message": message, "hint": hint}, status=404)


def _answer(response: Response) -> web.Response:
    """A body as n8n (Express) sends it: text as HTML unless a content type is given, anything
    else as JSON; None: no body."""
    headers = dict(response.headers)
    body = response.body
    if body is None:
        return web.Response(status=response.status, headers=headers)
    if isinstance(body, str):
        headers.setdefault("content-type", "text/html; charset=utf-8")
        data = body.encode()
    else:
        headers.setdefault("content-type", "application/json; charset=utf-8")
        data = json.dumps(body, ensure_ascii=False).encode()
    return web.Response(status=response.status, body=data, headers=headers)
