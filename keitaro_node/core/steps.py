"""Pure logic of multi-step operations: select records from an answer, edit an array in an object.

The original node had standalone postbacks, filters, a group by id, a click by id…; the official
Admin API keeps these inside other objects (a campaign's ``postbacks``, a stream's ``filters``) or
behind list and log endpoints. The definition says, as data, how to reach them (``select`` and
``edit``); this module does the picking and the changing, and the executor sends the requests.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

from ..errors import NotFoundError
from ..model import JSON, Edit, Reconcile, Select


def _same(a: Any, b: Any) -> bool:
    """IDs compare as text: ``5`` (a number from JSON) equals ``"5"`` (a string parameter)."""
    return a is not None and b is not None and str(a) == str(b)


def _fill(message: str, params: Mapping[str, Any]) -> str:
    try:
        return message.format_map({k: v for k, v in params.items() if not isinstance(v, dict)})
    except (KeyError, ValueError, IndexError):
        return message


def _array(data: JSON, field: str | None, what: str) -> list[JSON]:
    found = data.get(field) if field is not None and isinstance(data, dict) else data
    if found is None and field is not None and isinstance(data, dict):
        return []  # an object without the array has no elements yet
    if not isinstance(found, list):
        shape = f"an object without a list in {field!r}" if field else type(data).__name__
        raise NotFoundError(f"{what}: the tracker answered with {shape}, not a list")
    return found


def select(spec: Select, data: JSON, params: Mapping[str, Any]) -> JSON:
    """The records of ``data`` (or of its array ``spec.source``) that match ``spec.where``."""
    records = _array(data, spec.source, "select")
    wanted = [(field, params[name]) for field, name in spec.where.items() if name in params]
    matches = [
        r for r in records if isinstance(r, dict) and all(_same(r.get(f), v) for f, v in wanted)
    ]
    if not spec.one:
        return matches
    if not matches:
        raise NotFoundError(_fill(spec.missing, params))
    return matches[0]


def _position(spec: Edit, elements: list[JSON], params: Mapping[str, Any]) -> int:
    wanted = params.get(spec.match) if spec.match else None
    for i, element in enumerate(elements):
        if isinstance(element, dict) and _same(element.get(spec.key), wanted):
            return i
    raise NotFoundError(_fill(spec.missing, params))


def _decoded(spec: Edit, element: JSON) -> JSON:
    """The element as the tracker takes it: JSON text in ``spec.decode`` fields parsed."""
    if not spec.decode or not isinstance(element, dict):
        return element
    out = dict(element)
    for name in spec.decode:
        text = out.get(name)
        if isinstance(text, str) and text[:1] in ("[", "{"):
            with contextlib.suppress(
                ValueError, RecursionError
            ):  # not JSON after all: sent as it was read
                out[name] = json.loads(text)
    return out


def edited(
    spec: Edit, current: JSON, element: Mapping[str, Any], params: Mapping[str, Any]
) -> list[JSON]:
    """The array ``spec.array`` of ``current`` after adding, changing or removing ``element``."""
    elements = [_decoded(spec, e) for e in _array(current, spec.array, "edit")]
    if spec.action == "add":
        return [*elements, dict(element)]
    i = _position(spec, elements, params)
    if spec.action == "remove":
        return elements[:i] + elements[i + 1 :]
    return [*elements[:i], {**elements[i], **element}, *elements[i + 1 :]]


def edit_result(
    spec: Edit, before: JSON, after: JSON, element: Mapping[str, Any], params: Mapping[str, Any]
) -> JSON:
    """The element the edit made, changed or removed, as the tracker shows it."""
    old = _array(before, spec.array, "edit")
    if spec.action == "remove":
        return old[_position(spec, old, params)]
    new = _array(after, spec.array, "edit") if isinstance(after, dict) else []
    if spec.action == "add":
        known = {str(e.get(spec.key)) for e in old if isinstance(e, dict)}
        added = [e for e in new if isinstance(e, dict) and str(e.get(spec.key)) not in known]
        return added[-1] if added else dict(element)
    try:
        return new[_position(spec, new, params)]
    except NotFoundError:
        return {**old[_position(spec, old, params)], **element}


# --------------------------------------------------------------------------- reconciliation


def reconcile_request(
    spec: Reconcile, sent: Mapping[str, Any]
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The list to read for a create whose outcome is unknown: path and query."""
    query = tuple((name, str(sent.get(field, ""))) for name, field in spec.query.items())
    return spec.list_path, query


def created_record(
    spec: Reconcile,
    records: JSON,
    sent: Mapping[str, Any],
    *,
    baseline: set[str] | None,
    claimed: set[str],
) -> tuple[str, JSON]:
    """Whether the sent create is among ``records``: ("found", record), ("absent", None) or
    ("undecidable", why). By the natural key when there is one; otherwise by equality of every
    sent field among records that were not there when the batch began (``baseline``) and that no
    other item of the batch claimed."""
    if not isinstance(records, list):
        return "undecidable", "the list did not come back as a list"
    if spec.key:
        if any(sent.get(k) in (None, "") for k in spec.key):
            return "undecidable", f"the create sent no {'/'.join(spec.key)}"
        wanted = [(k, sent[k]) for k in spec.key]
    elif baseline is None:
        return "undecidable", "the records that existed before the batch are unknown"
    else:
        wanted = list(sent.items())
    matches = [
        r
        for r in records
        if isinstance(r, dict)
        and str(r.get("id")) not in claimed
        and (spec.key or str(r.get("id")) not in (baseline or ()))
        and all(_equal(r.get(k, _MISSING), v) for k, v in wanted)
    ]
    if len(matches) == 1:
        return "found", matches[0]
    if not matches:
        return "absent", None
    return "undecidable", f"{len(matches)} records match"


_MISSING = object()


def _equal(shown: Any, sent: Any) -> bool:
    """A sent value equals what the tracker shows: as text for scalars ("5" and 5), as JSON else."""
    if shown is _MISSING:
        return False
    if isinstance(sent, dict | list) or isinstance(shown, dict | list):
        return json.dumps(shown, sort_keys=True) == json.dumps(sent, sort_keys=True)
    return shown is not None and str(shown) == str(sent)


def record_ids(data: JSON) -> list[str]:
    """The ids of what a create answered (an object, or a list such as domains')."""
    found = data if isinstance(data, list) else [data]
    return [str(r["id"]) for r in found if isinstance(r, dict) and "id" in r]
