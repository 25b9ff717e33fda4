"""Safe YAML for every file a user hands over (workflows, credentials): no aliases, nesting
bounded, no numbers Python refuses to read."""

from __future__ import annotations

import json
from typing import Any

import yaml

from .limits import MAX_DEPTH, deeper_than


class WorkflowLoader(yaml.SafeLoader):
    """Safe YAML without aliases (600 bytes of them can expand to gigabytes) or deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in workflow files", mark
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", mark
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def parse_yaml(text: str) -> Any:
    """A YAML (or JSON) text with ``WorkflowLoader``: yaml.YAMLError on any problem (a number
    of more than 4,300 digits too, which Python refuses to read)."""
    if text.lstrip().startswith("{"):  # JSON, which YAML reads the same: parsed in C
        try:
            doc = json.loads(text, parse_constant=_not_json)
        except (ValueError, RecursionError):
            pass  # not JSON after all (YAML's flow style): YAML says what is wrong
        else:
            if deeper_than(doc, MAX_DEPTH):
                raise yaml.YAMLError(f"nested deeper than {MAX_DEPTH} levels")
            return doc
    try:
        return yaml.load(text, Loader=WorkflowLoader)  # noqa: S506 - a SafeLoader subclass
    except (ValueError, RecursionError) as exc:
        raise yaml.YAMLError(str(exc)) from None


def _not_json(name: str) -> Any:
    """NaN and Infinity are JavaScript's, not JSON's: YAML reads them as it reads them."""
    raise ValueError(name)
