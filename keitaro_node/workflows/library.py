"""The workflows an Execute Workflow node may call: by id or name (n8n's "database" source)
among those a server serves or those in the calling workflow's folder, from a file, or from
JSON in a parameter. YAML is read here; n8n JSON through the loader the caller hands in (the
n8n interchange sits above this layer)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .document import load_workflow
from .model import Workflow, WorkflowError

JsonLoader = Callable[[Mapping[str, Any], str], Workflow]
"""An n8n export (parsed) and where it came from -> a Workflow."""
MAX_FILES = 1000
"""Files of a folder looked at for a workflow by id or name."""


class Library:
    def __init__(
        self,
        folders: Sequence[Path] = (),
        *,
        json_loader: JsonLoader | None = None,
        known: Mapping[str, Workflow] | None = None,
    ) -> None:
        self.folders = list(folders)
        self.json_loader = json_loader
        self.known = dict(known or {})
        """Workflows by id and by name (a server's set), looked at before the folders."""
        self._read: dict[Path, Workflow | None] = {}

    def find(self, key: str) -> Workflow:
        """The workflow with this id (an n8n export's ``id``, a YAML ``id:``), file name without
        its suffix, or name."""
        if key in self.known:
            return self.known[key]
        for folder in self.folders:
            paths = sorted(
                p for p in folder.glob("*") if p.suffix.lower() in (".json", ".yaml", ".yml")
            )
            for path in paths[:MAX_FILES]:
                found = self._quietly(path)
                if found is not None and key in (found.id, path.stem, found.name):
                    return found
        where = ", ".join(str(f) for f in self.folders) or "nowhere"
        raise WorkflowError(
            f"Workflow does not exist: no workflow with the id or name {key!r} (looked in {where})"
        )

    def load(self, path: Path) -> Workflow:
        if path.suffix.lower() != ".json":
            return load_workflow(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise WorkflowError(f"{path}: cannot read: {exc.strerror}") from None
        return self.from_json(text, str(path))

    def from_json(self, text: str, source: str = "<workflowJson>") -> Workflow:
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise WorkflowError(f"{source}: not valid JSON: {exc}") from None
        if not isinstance(doc, dict):
            raise WorkflowError(f"{source}: not a workflow")
        if self.json_loader is None:
            raise WorkflowError(
                f"{source}: an n8n export: run it through keitaro-node, or give run_workflow a "
                "library that reads n8n JSON (keitaro_node.embedded.run_workflow does)"
            )
        return self.json_loader(doc, source)

    def _quietly(self, path: Path) -> Workflow | None:
        """A file of the folder as a workflow, or None when it is not one."""
        if path not in self._read:
            try:
                self._read[path] = self.load(path)
            except WorkflowError:
                self._read[path] = None
        return self._read[path]
