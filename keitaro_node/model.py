"""Frozen dataclasses: the node definition, request plans, responses, items and credentials."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, NotRequired, TypedDict, TypeVar
from urllib.parse import urlsplit

from .errors import InputError, did_you_mean

PropertyType = Literal["string", "number", "boolean", "options", "json", "collection"]
Placement = Literal["path", "query", "body", "filter", "control"]
Returns = Literal["object", "list", "rows", "text"]
Endpoint = Literal["admin", "postback"]
EditAction = Literal["add", "change", "remove"]
PagingStrategy = Literal["bodyOffset", "queryOffset"]
HttpMethod = Literal["GET", "POST", "PUT", "DELETE"]

JSON = Any
"""A JSON value: dict, list, str, int, float, bool or None."""


@dataclass(frozen=True, slots=True)
class Choice:
    """One value of an ``options`` property."""

    value: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Property:
    """One n8n-style node parameter and where its value goes in the request."""

    name: str
    display_name: str
    display_name_en: str
    type: PropertyType
    schema: Mapping[str, JSON]
    placement: Placement = "control"
    """Where the value goes: the path, the query, the body, a report filter, or nowhere (a
    setting of the node itself, such as returnAll)."""
    description: str = ""
    required: bool = False
    default: JSON = None
    key: str | None = None
    """Target name: query key, dotted body path, or report filter name; defaults to ``name``."""
    rename: Mapping[str, str] = field(default_factory=dict)
    """Keys of a JSON object merged into the query or body, renamed on the way out."""
    operator: str = "EQUALS"
    """Report filter operator, for ``placement == "filter"``."""
    choices: tuple[Choice, ...] = ()
    options: tuple[Property, ...] = ()
    """Sub-properties of a ``collection``; each one is placed on its own."""

    @property
    def target(self) -> str:
        return self.key or self.name


@dataclass(frozen=True, slots=True)
class Rule:
    """A cross-field rule: the parameters must match ``schema``, or ``message`` is shown."""

    schema: Mapping[str, JSON]
    message: str
    property: str | None = None


@dataclass(frozen=True, slots=True)
class Fallback:
    """Set ``values`` on the parameters when they match ``when`` (e.g. conversions limit 100)."""

    when: Mapping[str, JSON]
    values: Mapping[str, JSON]


@dataclass(frozen=True, slots=True)
class Paging:
    """How ``returnAll`` walks pages: limit/offset in the JSON body or in the query string."""

    strategy: PagingStrategy
    page_size: int
    max_pages: int = 10_000


@dataclass(frozen=True, slots=True)
class Select:
    """Read-then-select: records of the answer (or of its array ``source``) matching ``where``."""

    source: str | None = None
    where: Mapping[str, str] = field(default_factory=dict)
    """Record field -> parameter name; parameters not given are not compared."""
    one: bool = False
    missing: str = "no matching record"


@dataclass(frozen=True, slots=True)
class Edit:
    """Read-modify-write of the array ``array`` of one object (a campaign's postbacks, …)."""

    array: str
    action: EditAction
    key: str = "id"
    match: str | None = None
    """The parameter holding the id of the element to change or remove."""
    missing: str = "no matching element"
    decode: tuple[str, ...] = ()
    """Fields shown as JSON text but written as JSON (a filter's payload)."""


@dataclass(frozen=True, slots=True)
class Reconcile:
    """Where to look for the record of a create whose outcome is unknown."""

    list_path: str
    query: Mapping[str, str] = field(default_factory=dict)
    """Query parameter -> the sent body's field that gives its value."""
    key: tuple[str, ...] = ()
    """The natural key (fields of the sent body); empty: every sent field, new records only."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One resource action: its HTTP call, its properties and its rules."""

    resource: str
    value: str
    display_name: str
    display_name_en: str
    method: HttpMethod
    path: str
    official: bool
    idempotent: bool
    returns: Returns
    properties: tuple[Property, ...]
    description: str = ""
    note: str = ""
    rules: tuple[Rule, ...] = ()
    fallbacks: tuple[Fallback, ...] = ()
    paging: Paging | None = None
    endpoint: Endpoint = "admin"
    select: Select | None = None
    edit: Edit | None = None
    refuse: Mapping[str, str] = field(default_factory=dict)
    """Original-node parameters with no place in the real request: name -> why."""
    reconcile: Reconcile | None = None
    params_schema: Mapping[str, JSON] = field(default_factory=dict)
    """JSON Schema of the whole parameter object, built by the loader from the properties."""
    sends_body: bool = False
    """Some property goes to the JSON body (then a body, maybe ``{}``, is always sent)."""

    @property
    def key(self) -> str:
        return f"{self.resource}:{self.value}"

    def property(self, name: str) -> Property | None:
        return next((p for p in self.properties if p.name == name), None)

    def requests(self) -> tuple[tuple[HttpMethod, str], ...]:
        """Method and path (as users see it) of each request the operation sends, in order."""
        prefix = "/{postbackKey}" if self.endpoint == "postback" else "/admin_api/v1"
        write = (self.method, prefix + self.path)
        return (("GET", prefix + self.path), write) if self.edit else (write,)


@dataclass(frozen=True, slots=True)
class Resource:
    value: str
    display_name: str
    display_name_en: str
    operations: Mapping[str, Operation]
    description: str = ""
    original: bool = True
    """True for the 17 resources of the original n8n node."""


_Entry = TypeVar("_Entry", "Resource", "Operation")


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    display_name: str
    description: str
    version: int
    resources: Mapping[str, Resource]

    def operation(self, resource: str, operation: str) -> Operation:
        """The operation, or an InputError that lists what exists.

        The names people see in n8n work too: «Кампания» / "Campaign" for ``campaign``,
        «Создать» / "Create" for ``create`` (any case).
        """
        res = _named(self.resources, resource)
        if res is None:
            known = ", ".join(sorted(self.resources))
            raise InputError(
                f"unknown resource {resource!r}{_hint(resource, self.resources)}; "
                f"known resources: {known}",
                property="resource",
            )
        op = _named(res.operations, operation)
        if op is None:
            known = ", ".join(res.operations)
            raise InputError(
                f"resource {res.value!r} ({res.display_name}) has no operation {operation!r}"
                f"{_hint(operation, res.operations)}; it supports: {known}",
                property="operation",
            )
        return op

    def operations(self) -> list[Operation]:
        return [op for res in self.resources.values() for op in res.operations.values()]


def _names(entry: Resource | Operation) -> tuple[str, ...]:
    return (entry.value, entry.display_name, entry.display_name_en)


def _named(entries: Mapping[str, _Entry], name: str) -> _Entry | None:
    """The entry whose value, Russian or English display name is ``name`` (any case)."""
    found = entries.get(name)
    if found is not None or not isinstance(name, str):
        return found
    wanted = name.strip().casefold()
    return next((e for e in entries.values() if wanted in (n.casefold() for n in _names(e))), None)


def _hint(name: str, entries: Mapping[str, _Entry]) -> str:
    """``(did you mean 'campaign'?)`` for a near miss of a value or a display name."""
    by_name = {n.casefold(): e.value for e in entries.values() for n in _names(e)}
    return did_you_mean(str(name).casefold(), by_name)


class RequestPlan(NamedTuple):
    """Everything needed to send one request, before base URL and auth are added."""

    method: HttpMethod
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: JSON = None
    idempotent: bool = False
    endpoint: Endpoint = "admin"


class ApiResponse(NamedTuple):
    status: int
    data: JSON
    headers: Mapping[str, str]
    reconciled: bool = False
    """A repeated DELETE found nothing left: an earlier attempt, whose answer was lost, did it."""


class PairedItem(TypedDict):
    item: int
    input: NotRequired[int]
    """Which input of a node with several (Merge); the first when absent."""


class Item(TypedDict):
    """An n8n item."""

    json: dict[str, JSON]
    pairedItem: NotRequired[PairedItem]
    binary: NotRequired[dict[str, JSON]]
    """n8n's binary data by property: {data (base64), mimeType, …} (a Webhook's rawBody)."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """Tracker domain and API key. The key never shows in ``repr`` or ``str``."""

    domain: str
    api_key: str = field(repr=False)
    postback_key: str | None = field(default=None, repr=False)
    """The tracker's postback key (Maintenance → Postback URL): only postback operations need it."""

    def __post_init__(self) -> None:
        # Keys and domains copied from env files often end in a newline: surrounding white
        # space is never part of them.
        for name in ("domain", "api_key", "postback_key"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, value.strip())
        if not isinstance(self.domain, str) or not self.domain:
            raise InputError("credentials: the tracker domain is empty", property="domain")
        for name in ("api_key", "postback_key"):
            value = getattr(self, name)
            if value is None and name == "postback_key":
                continue
            label = "API key" if name == "api_key" else "postback key"
            if not isinstance(value, str):
                raise InputError(f"credentials: the {label} must be text", property=name)
            if not value:
                raise InputError(f"credentials: the {label} is empty", property=name)
            if any(c.isspace() or not c.isprintable() for c in value):
                raise InputError(
                    f"credentials: the {label} contains spaces or control characters",
                    property=name,
                )
        self.root_url  # noqa: B018 - a domain that is no address is refused now, not mid-run

    def __repr__(self) -> str:
        postback = ", postback_key='***'" if self.postback_key else ""
        return f"Credentials(domain={self.domain!r}, api_key='***'{postback})"

    __str__ = __repr__

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        """Read ``KEITARO_DOMAIN`` and ``KEITARO_API_KEY``."""
        env = os.environ if environ is None else environ
        missing = [n for n in ("KEITARO_DOMAIN", "KEITARO_API_KEY") if not env.get(n)]
        if missing:
            raise InputError(f"credentials: environment variable(s) not set: {', '.join(missing)}")
        return cls(
            domain=env["KEITARO_DOMAIN"],
            api_key=env["KEITARO_API_KEY"],
            postback_key=env.get("KEITARO_POSTBACK_KEY") or None,
        )

    @property
    def base_url(self) -> str:
        """``https://host/admin_api/v1``; an explicit ``http://`` is kept (local trackers)."""
        return self.root_url + "/admin_api/v1"

    @property
    def root_url(self) -> str:
        """``https://host``: where the tracker's own URLs (the S2S postback URL) live."""
        raw = self.domain.strip()
        if "://" not in raw:
            raw = "https://" + raw
        try:
            parts = urlsplit(raw)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
            valid = valid and (parts.port is None or parts.port > 0)
        except ValueError:
            valid = False
        if not valid:
            raise InputError(
                f"credentials: {self.domain!r} is not a tracker address", property="domain"
            )
        path = parts.path.rstrip("/")
        for suffix in ("/admin_api/v1", "/admin_api"):
            if path.endswith(suffix):
                path = path[: -len(suffix)]
                break
        return f"{parts.scheme}://{parts.netloc}{path}"
