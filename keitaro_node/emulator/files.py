"""Landing and offer file trees: add, update, read, remove, structure, ZIP download and upload."""

from __future__ import annotations

import base64
import io
import zipfile
from typing import Any

from aiohttp import web

from .entities import ApiProblem, Entities, EntitySpec
from .responses import Route, reply
from .store import Store


class FilesMixin:
    """Per-entity file trees, stored in the ``files`` table."""

    store: Store
    entities: Entities

    # ================================================================== landings, offers, files
    def _with_archive(self, spec: EntitySpec, body: Any) -> dict[str, Any]:
        body = dict(self.entities.body(body))
        archive = body.pop("archive", None)
        with self.store.transaction():
            doc = self.entities.create(spec, body)
            if archive:
                self._unpack(spec, doc["id"], archive)
        return doc

    def _unpack(self, spec: EntitySpec, owner: int, archive: str) -> None:
        try:
            raw = base64.b64decode(archive, validate=True)
            left = MAX_UNPACKED
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                for info in zf.infolist():
                    if not info.is_dir():
                        path = _safe_path(info.filename)
                        with zf.open(info) as member:  # sizes in the header can lie: count
                            content = member.read(left + 1)
                        left -= len(content)
                        if left < 0:
                            raise self.entities.invalid({"archive": [TOO_BIG]})
                        data = content.decode("utf-8", errors="replace")
                        self._write_file(spec, owner, path, data)
        except (ValueError, zipfile.BadZipFile):
            raise self.entities.invalid(
                {"archive": ["Archive must be a base64 ZIP file"]}
            ) from None

    def _write_file(self, spec: EntitySpec, owner: int, path: str, data: str) -> None:
        self.store.execute(
            "INSERT INTO files (kind, owner, path, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(kind, owner, path) DO UPDATE SET data = excluded.data",
            (spec.kind, owner, path, data),
        )

    def _files(self, base: str, spec: EntitySpec) -> list[Route]:
        def owner_and_path(r: web.Request, need_path: bool = True) -> tuple[int, str]:
            owner = self.entities.find(spec, r.match_info["id"])["id"]
            path = r.query.get("path", "")
            return owner, _safe_path(path) if need_path or path else ""

        def stored(owner: int) -> list[dict[str, Any]]:
            return self.store.query(
                "SELECT path, data FROM files WHERE kind = ? AND owner = ? ORDER BY path",
                (spec.kind, owner),
            )

        async def add_file(r: web.Request) -> web.StreamResponse:
            owner, path = owner_and_path(r)
            if any(f["path"] == path for f in stored(owner)):
                raise self.entities.invalid({"path": ["File already exists"]})
            self._write_file(spec, owner, path, "")
            return reply({"path": path})

        async def update_file(r: web.Request) -> web.StreamResponse:
            owner, path = owner_and_path(r)
            self._write_file(spec, owner, path, r.query.get("data", ""))
            return reply({"path": path})

        async def get_file(r: web.Request) -> web.StreamResponse:
            owner, path = owner_and_path(r)
            found = [f for f in stored(owner) if f["path"] == path]
            if not found:
                raise ApiProblem(404, f"File {path} not found", text=True)
            return reply({"data": found[0]["data"]})

        async def remove_file(r: web.Request) -> web.StreamResponse:
            owner, path = owner_and_path(r)
            removed = self.store.execute(
                "DELETE FROM files WHERE kind = ? AND owner = ? AND path = ?",
                (spec.kind, owner, path),
            )
            return reply({"success": removed > 0})

        async def structure(r: web.Request) -> web.StreamResponse:
            owner, _ = owner_and_path(r, need_path=False)
            return reply(_tree([f["path"] for f in stored(owner)]))

        async def download(r: web.Request) -> web.StreamResponse:
            owner, _ = owner_and_path(r, need_path=False)
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
                for f in stored(owner):
                    zf.writestr(f["path"], f["data"])
            return web.Response(body=buffer.getvalue(), content_type="application/octet-stream")

        return [
            ("POST", f"{base}/{{id}}/add_file", add_file),
            ("PUT", f"{base}/{{id}}/update_file", update_file),
            ("GET", f"{base}/{{id}}/get_file", get_file),
            ("DELETE", f"{base}/{{id}}/remove_file", remove_file),
            ("GET", f"{base}/{{id}}/get_structure", structure),
            ("GET", f"{base}/{{id}}/download", download),
        ]


MAX_UNPACKED = 32 * 1024 * 1024
"""An uploaded archive unpacks to at most this many bytes (a small ZIP can hold gigabytes)."""
TOO_BIG = f"Archive unpacks to more than {MAX_UNPACKED // (1024 * 1024)} MiB"


def _safe_path(path: str) -> str:
    clean = path.strip().lstrip("/")
    if not clean or ".." in clean.split("/") or "\\" in clean:
        raise ApiProblem(400, {"error": f"Incorrect path {path!r}"})
    return clean


def _tree(paths: list[str]) -> dict[str, Any]:
    """EditorFiles: ``{name, type, ext, path, children}`` for a list of file paths."""
    root: dict[str, Any] = {"name": "", "type": "directory", "ext": "", "path": "", "children": []}
    for path in paths:
        node = root
        parts = path.split("/")
        for depth, part in enumerate(parts):
            sub_path = "/".join(parts[: depth + 1])
            is_file = depth == len(parts) - 1
            child = next((c for c in node["children"] if c["name"] == part), None)
            if child is None:
                child = {
                    "name": part,
                    "type": "file" if is_file else "directory",
                    "ext": part.rsplit(".", 1)[1] if is_file and "." in part else "",
                    "path": sub_path,
                    "children": [],
                }
                node["children"].append(child)
            node = child
    return root
