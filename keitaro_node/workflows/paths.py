"""The files a workflow reads and writes (``items`` files, ``output`` paths, ``streamTo``
exports and their checkpoints beside them) stay inside the workflow file's folder: ``..``, an
absolute path or a symlink leading out is refused before the run starts, naming the node and
the path, unless the folder it leads to is allowed (``--allow-path DIR``, ``allow_paths=``).
So an imported n8n export cannot read ``../.env`` or overwrite a file elsewhere. Paths typed on
the command line (``--output``, ``--credentials``, ``--env-file``) are the user's own."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from .model import Workflow, WorkflowError

FILE_SETTINGS = {"items": "file", "output": "path", "keitaro": "streamTo"}
"""For each node type that touches files, the setting that names the file."""


def base(workflow: Workflow) -> Path:
    """Where relative paths start: the workflow file's folder (the current directory for a
    workflow given as text)."""
    return workflow.source.parent if workflow.source else Path.cwd()


def named(workflow: Workflow) -> Iterator[tuple[str, str]]:
    """(node, path) for every file the workflow's nodes name."""
    for node in workflow.nodes:
        setting = FILE_SETTINGS.get(node.type)
        value = node.get(setting) if setting else None
        if isinstance(value, str) and value:
            yield node.name, value


def confined(workflow: Workflow, node: str, value: str, allowed: Sequence[Path] = ()) -> Path:
    """The path, resolved; WorkflowError when it leads outside the workflow's folder and every
    allowed folder."""
    folder = base(workflow)
    path = (folder / value).resolve()
    for root in (folder, *allowed):
        if path.is_relative_to(Path(root).resolve()):
            return path
    raise WorkflowError(
        f"{workflow.source or '<workflow>'}: node {node!r}: the path {value!r} leads outside "
        f"the workflow's folder ({folder}); allow its folder with --allow-path DIR"
    )


def check(workflow: Workflow, allowed: Sequence[Path] = ()) -> None:
    """Every file path of the workflow confined, before anything runs."""
    for node, value in named(workflow):
        confined(workflow, node, value, allowed)
