"""Generic tracker entities: create, read, merge-update, soft/hard delete, clone, state toggles.

Each resource is an EntitySpec (data); one Entities object applies the tracker's semantics to all
of them, as listed in the reference's "Emulator notes".
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .store import Store

DeleteMode = Literal["archive_hidden", "archive_visible", "hard"]
"""archive_hidden: state=deleted and GET answers 404 (campaigns, streams);
archive_visible: state=deleted and GET still answers (offers, networks, sources, landings, domains);
hard: the row is gone (groups, users, unofficial documents)."""


class ApiProblem(Exception):
    """An error answer: status, body, and whether the body is plain text."""

    def __init__(self, status: int, body: Any, *, text: bool = False) -> None:
        super().__init__(body)
        self.status = status
        self.body = body
        self.text = text


def now_text() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())


@dataclass(frozen=True)
class EntitySpec:
    kind: str
    model: str
    """Class name in the tracker's 404 text, e.g. ``Traffic\\Model\\Campaign #5 not found``."""
    defaults: Callable[[], dict[str, Any]] = dict
    required: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()
    """Fields unique among all rows of the kind (archived included)."""
    enums: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    delete: DeleteMode = "hard"
    delete_status: int = 200
    delete_answer: Literal["entity", "list", "empty", "success"] = "entity"
    hidden: tuple[str, ...] = ()
    """Write-only fields: stored, never returned (passwords)."""
    has_state: bool = True
    scope: tuple[str, ...] = ()
    """Uniqueness is checked within rows sharing these fields (groups: type)."""


READONLY = frozenset({"id", "created_at", "updated_at"})


class Entities:
    """The tracker's entity semantics over a Store."""

    def __init__(self, store: Store, validation_status: int = 422) -> None:
        self.store = store
        self.validation_status = validation_status

    # ------------------------------------------------------------------ errors
    def not_found(self, spec: EntitySpec, entity_id: Any) -> ApiProblem:
        return ApiProblem(404, f"Traffic\\Model\\{spec.model} #{entity_id} not found", text=True)

    def invalid(self, problems: Mapping[str, list[str]]) -> ApiProblem:
        return ApiProblem(self.validation_status, dict(problems))

    # ------------------------------------------------------------------ reading
    def view(self, spec: EntitySpec, doc: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if k not in spec.hidden}

    def find(self, spec: EntitySpec, entity_id: Any, *, archived: bool = False) -> dict[str, Any]:
        """The stored document, or the tracker's 404 (archived hidden ones too, unless asked)."""
        try:
            number = int(entity_id)
        except (TypeError, ValueError):
            raise self.not_found(spec, entity_id) from None
        doc = self.store.get(spec.kind, number) if 0 < number < 2**63 else None  # SQLite's range
        if doc is None:
            raise self.not_found(spec, entity_id)
        if spec.delete == "archive_hidden" and doc.get("state") == "deleted" and not archived:
            raise self.not_found(spec, entity_id)
        return doc

    def listing(self, spec: EntitySpec, *, deleted: bool = False) -> list[dict[str, Any]]:
        docs = self.store.all(spec.kind)
        if spec.has_state:
            docs = [d for d in docs if (d.get("state") == "deleted") == deleted]
        return [self.view(spec, d) for d in docs]

    # ------------------------------------------------------------------ writing
    def check(self, spec: EntitySpec, doc: Mapping[str, Any], own_id: int | None = None) -> None:
        problems: dict[str, list[str]] = {}
        for name in spec.required:
            if doc.get(name) in (None, "", []):
                problems.setdefault(name, []).append(f"{name.capitalize()} is required")
        for name, allowed in spec.enums.items():
            if name in doc and doc[name] not in allowed:
                problems.setdefault(name, []).append(
                    f"{name.capitalize()} must be one of: {', '.join(map(str, allowed))}"
                )
        for name in spec.unique:
            value = doc.get(name)
            if value in (None, ""):
                continue
            for other in self.store.all(spec.kind):
                same_scope = all(other.get(s) == doc.get(s) for s in spec.scope)
                if other["id"] != own_id and same_scope and other.get(name) == value:
                    problems.setdefault(name, []).append(f"{name.capitalize()} has already used")
                    break
        if problems:
            raise self.invalid(problems)

    def create(
        self, spec: EntitySpec, body: Any, prepare: Callable[[dict[str, Any]], None] | None = None
    ) -> dict[str, Any]:
        body = self.body(body)
        defaults = spec.defaults()
        doc = {**defaults, **{k: v for k, v in body.items() if k not in READONLY}}
        if prepare is not None:
            prepare(doc)
        self.check(spec, doc)
        with self.store.transaction():
            stamp = now_text()
            doc["id"] = self.store.next_id(spec.kind)
            doc["created_at"] = doc["updated_at"] = stamp
            if "position" in defaults and not body.get("position"):
                doc["position"] = doc["id"]
            self.store.put(spec.kind, doc)
        return doc

    def update(
        self, spec: EntitySpec, entity_id: Any, body: Any, *, keep: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Shallow merge of the sent top-level fields (nested arrays replace the old ones)."""
        body = self.body(body)
        doc = self.find(spec, entity_id)
        changes = {k: v for k, v in body.items() if k not in READONLY and k not in keep}
        merged = {**doc, **changes}
        self.check(spec, merged, own_id=doc["id"])
        merged["updated_at"] = now_text()
        return self.store.put(spec.kind, merged)

    def set_state(self, spec: EntitySpec, entity_id: Any, state: str) -> dict[str, Any]:
        doc = self.find(spec, entity_id, archived=state == "active")
        doc["state"] = state
        doc["updated_at"] = now_text()
        return self.store.put(spec.kind, doc)

    def remove(self, spec: EntitySpec, entity_id: Any) -> dict[str, Any]:
        """Delete as the tracker does; a second DELETE of an archived-hidden row is a 404."""
        doc = self.find(spec, entity_id)
        if spec.delete == "hard":
            self.store.delete(spec.kind, doc["id"])
            return doc
        doc["state"] = "deleted"
        doc["updated_at"] = now_text()
        return self.store.put(spec.kind, doc)

    def clone(
        self,
        spec: EntitySpec,
        entity_id: Any,
        adjust: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        source = self.find(spec, entity_id)
        copy = {k: v for k, v in source.items() if k not in READONLY}
        copy["name"] = f"Copy of {source.get('name', '')}"
        if adjust is not None:
            adjust(copy)
        with self.store.transaction():
            copy["id"] = self.store.next_id(spec.kind)
            copy["created_at"] = copy["updated_at"] = now_text()
            self.store.put(spec.kind, copy)
        return copy

    @staticmethod
    def body(body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ApiProblem(400, {"error": "The request body must be a JSON object"})
        return body


def token() -> str:
    return secrets.token_hex(16)
