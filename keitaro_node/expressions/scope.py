"""What an evaluation reads, handed to the sandbox as it is needed: the current item always,
and whatever else the code reads on request. The current item comes with the items after it
(``window``). The sandbox cannot call back into Python while a time limit is set, so a read of
data it was not given ends the evaluation with the keys it
needs; the realm runs it again with them and remembers them for the program's next items
(``Scope.data_for``). So a node's data crosses into QuickJS only as far as its code touches it.

Keys: ``i<n>`` input item n; ``I`` the whole input; ``s<name>`` a node's state (its item count,
MISSING or UNEXECUTED); ``n<i>\\0<name>`` a node's item; ``N<name>`` a node's whole output;
``p<i>\\0<name>`` the item of node ``name`` that input item i leads back to (n8n's pairedItem
walk, done here), or ``"!none"`` / ``"!many"``. In a remembered key, ``\\1`` stands for the
index of the item being evaluated."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

MISSING = -1
UNEXECUTED = -2
CURRENT = "\1"
_PAIRED_STEPS = 100_000
WINDOW = 256
"""Input items handed to the sandbox at a time."""
_WINDOW_BYTES = 8 << 20
"""Past this size, a window of one item (large items cross one at a time)."""


dump = json.JSONEncoder(default=str).encode
"""JSON text of a value (one encoder: json.dumps with options builds one per call)."""


class Scope:
    """The data of the evaluations in one realm: ``bind`` before each evaluation (a new
    ``generation`` when the input or the other nodes' outputs changed: the sandbox drops the
    whole lists it kept of the old ones)."""

    def __init__(self, make_room: Callable[[int], None]) -> None:
        self.items: Sequence[Any] = ()
        self.runs: Mapping[str, Any] = {}
        self.parent: str | None = None
        self.generation = 0
        self._runs_size = 0
        self._whole: set[str] = set()
        """The whole lists the sandbox holds for this generation."""
        self._window = (0, 0)
        """The input items the sandbox holds: where they start, how many."""
        self._make_room = make_room
        """Called with the size of data about to cross, before the call that carries it."""

    def bind(self, items: Sequence[Any], runs: Mapping[str, Any], parent: str | None) -> int:
        other_runs = runs is not self.runs and bool(runs or self.runs)  # two empty: the same
        if items is not self.items or other_runs or len(runs) != self._runs_size:
            self.items, self.runs, self._runs_size = items, runs, len(runs)
            self.renew()
        self.parent = parent
        return self.generation

    def renew(self) -> None:
        """The sandbox's copies are stale (a Code node may have changed them in place)."""
        self.generation += 1
        self._whole = set()
        self._window = (0, 0)

    def window(self, index: int) -> tuple[int, str]:
        """The input items from ``index`` on that the sandbox holds for the evaluations of the
        next items (nodes go through their items in order): where they start and their JSON
        text, or '' when the sandbox already holds item ``index``."""
        start, size = self._window
        if start <= index < start + size:
            return start, ""
        chunk = self.items[index : index + WINDOW]
        text = dump(chunk)
        if len(text) > _WINDOW_BYTES and len(chunk) > 1:
            chunk = self.items[index : index + 1]
            text = dump(chunk)
        self._window = (index, len(chunk))
        return index, text

    def data_for(self, keys: Iterable[str], index: int) -> str:
        """The data for ``keys`` as one JSON object ('' when there is none to send)."""
        found: dict[str, Any] = {}
        for key in keys:
            key = key.replace(CURRENT, str(index))
            if key in self._whole:
                continue
            found[key] = self._value(key)
            if key[0] in "IN":
                self._whole.add(key)
        if not found:
            return ""
        text = dump(found)
        self._make_room(len(text))
        return text

    def _value(self, key: str) -> Any:
        kind, rest = key[0], key[1:]
        if kind == "I":
            return list(self.items)
        if kind == "i":
            return _at(self.items, rest)
        at, _, name = rest.partition("\0")
        if kind == "s":
            if rest not in self.runs:
                return MISSING
            run = self.runs[rest]
            return UNEXECUTED if run is None else len(run.items)
        if kind == "c":
            run = self.runs.get(rest)
            return {} if run is None else dict(run.context)
        if kind == "N":
            run = self.runs.get(rest)
            return [] if run is None else list(run.items)
        if kind == "n":
            run = self.runs.get(name)
            return None if run is None else _at(run.items, at)
        if kind == "p" and at.isdigit():
            return self._paired(name, int(at))
        return None

    def _paired(self, name: str, index: int) -> Any:
        """n8n's walk: follow pairedItem back from item ``index`` of the parent's output, along
        every link (a merged item has several; ``input`` picks the source of a node with
        several inputs), to the items of node ``name`` they reach: the one, or an error."""
        found: dict[int, Any] = {}
        todo: list[tuple[str | None, Any]] = [(self.parent, index)]
        for _ in range(_PAIRED_STEPS):
            if not todo:
                break
            node, at = todo.pop()
            run = None if node is None else self.runs.get(node)
            if run is None or not isinstance(at, int) or not 0 <= at < len(run.items):
                continue
            item = run.items[at]
            if node == name:
                found[id(item)] = item
                continue
            paired = item.get("pairedItem") if isinstance(item, dict) else None
            links = [at] if paired is None else paired if isinstance(paired, list) else [paired]
            todo.extend(_source(run, link) for link in links)
        if len(found) == 1:
            return next(iter(found.values()))
        return "!many" if found else "!none"


def _at(items: Sequence[Any], index: str) -> Any:
    return items[int(index)] if index.isdigit() and int(index) < len(items) else None


def _source(run: Any, link: Any) -> tuple[str | None, Any]:
    """The node and the item a pairedItem link points at."""
    item: Any
    source: Any = 0
    if isinstance(link, int) and not isinstance(link, bool):
        item = link
    elif isinstance(link, dict):
        item, source = link.get("item"), link.get("input") or 0
    else:
        return None, None
    sources = run.sources
    if not sources:
        return run.parent, item
    ok = isinstance(source, int) and 0 <= source < len(sources)
    return (sources[source] if ok else None), item


def remembered(keys: Iterable[str], index: int) -> set[str]:
    """Keys asked for while item ``index`` was evaluated, as the program's next items need them."""
    mine = str(index)
    out = set()
    for key in keys:
        kind, rest = key[0], key[1:]
        at, sep, name = rest.partition("\0")
        if kind in "inp" and (at == mine if sep else rest == mine):
            key = kind + CURRENT + sep + name
        out.add(key)
    return out
