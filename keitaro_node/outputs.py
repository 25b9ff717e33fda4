"""Read and write items as JSON, NDJSON or CSV. Writers stream and replace the file atomically.

CSV flattening: nested objects become dotted columns (``data.name``), lists and other values that
are not scalars are written as JSON text, booleans as ``true``/``false``, null as an empty cell.
The columns are the union of every row's keys, in first-seen order.

CSV formula injection: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return would run as a formula in a spreadsheet (click-log columns hold what site visitors send),
so it is written with a leading ``'``, as OWASP advises, unless ``formula_guard=False``.
"""

from __future__ import annotations

import contextlib
import csv
import glob
import io
import json
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, TextIO

from .errors import InputError, reason
from .model import JSON, Item

Format = Literal["json", "ndjson", "csv"]
FORMATS: tuple[Format, ...] = ("json", "ndjson", "csv")


def format_of(path: str | Path, explicit: str | None = None) -> Format:
    """The format named, or the one the file name ends with."""
    wanted = explicit or Path(path).suffix.lstrip(".").lower()
    wanted = {"jsonl": "ndjson"}.get(wanted, wanted)
    name = next((f for f in FORMATS if f == wanted), None)
    if name is None:
        raise InputError(f"{path}: unknown format {wanted!r}; use one of {', '.join(FORMATS)}")
    return name


def flatten(value: Mapping[str, Any], prefix: str = "") -> dict[str, JSON]:
    """``{"a": {"b": 1}, "c": [1]}`` -> ``{"a.b": 1, "c": "[1]"}``."""
    out: dict[str, JSON] = {}
    for key, inner in value.items():
        name = f"{prefix}{key}"
        if isinstance(inner, Mapping) and inner:
            out.update(flatten(inner, f"{name}."))
        else:
            out[name] = inner
    return out


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any, guard: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "'" + text if guard and text.startswith(FORMULA_STARTS) else text


STALE_PART_SECONDS = 60.0
"""A temporary file of an earlier write older than this was left by a killed process."""


@contextmanager
def atomic_writer(path: str | Path) -> Iterator[IO[str]]:
    """A text file that appears at ``path`` only when the block ends without error."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{path} is a directory: give a file name for the output")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_parts(target)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot write here: {reason(exc)}") from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; the result is an ordinary file
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove_stale_parts(target: Path) -> None:
    """Temporary files that a killed earlier write of ``target`` left behind."""
    now = time.time()
    for part in target.parent.glob(f".{glob.escape(target.name)}.*.part"):
        with contextlib.suppress(OSError):
            if now - part.stat().st_mtime > STALE_PART_SECONDS:
                part.unlink()


class RowWriter:
    """Writes JSON objects to a text stream in one format, batch by batch.

    JSON is an array, NDJSON one object a line, CSV flattened with the columns of the first
    batch (later keys that the first batch lacked are left out, so keep batches alike).
    """

    def __init__(self, fh: IO[str], fmt: Format, *, formula_guard: bool = True) -> None:
        self.fh, self.fmt, self.count = fh, fmt, 0
        self.formula_guard = formula_guard
        self._columns: list[str] | None = None
        self._csv = csv.writer(fh) if fmt == "csv" else None

    @property
    def columns(self) -> list[str] | None:
        """CSV columns once the header is written."""
        return self._columns

    def continue_after(self, count: int, columns: list[str] | None) -> None:
        """Go on after ``count`` rows (and a CSV header of ``columns``) already in the file."""
        self.count, self._columns = count, columns

    def write(self, rows: Iterable[Mapping[str, Any]]) -> None:
        if self._csv is not None:
            batch = list(rows)
            self._write_csv(batch)
            self.count += len(batch)
            return
        for row in rows:
            text = json.dumps(row, ensure_ascii=False)
            if self.fmt == "ndjson":
                self.fh.write(text + "\n")
            else:
                self.fh.write((",\n" if self.count else "[\n") + text)
            self.count += 1

    def _write_csv(self, rows: list[Mapping[str, Any]]) -> None:
        assert self._csv is not None
        flat = [flatten(row) for row in rows]
        if self._columns is None and flat:
            self._columns = list(dict.fromkeys(k for row in flat for k in row))
            self._csv.writerow(self._columns)
        for row in flat:
            guard = self.formula_guard
            self._csv.writerow([_cell(row.get(c), guard) for c in self._columns or ()])

    def close(self) -> None:
        if self.fmt == "json":
            self.fh.write("\n]\n" if self.count else "[]\n")
        elif self.fmt == "csv" and self._columns is None:
            self.fh.write("\n")


def write_rows(
    rows: Iterable[Mapping[str, Any]], fh: IO[str], fmt: Format, *, formula_guard: bool = True
) -> int:
    """Write JSON objects in a format; returns how many."""
    writer = RowWriter(fh, fmt, formula_guard=formula_guard)
    writer.write(rows)
    writer.close()
    return writer.count


@contextmanager
def stream_to(
    path: str | Path, fmt: Format | None = None, *, formula_guard: bool = True
) -> Iterator[RowWriter]:
    """A RowWriter onto ``path`` that appears atomically when the block ends without error."""
    kind = fmt or format_of(path)
    with atomic_writer(path) as fh:
        writer = RowWriter(fh, kind, formula_guard=formula_guard)
        yield writer
        writer.close()


def write_items(
    items: Iterable[Item],
    path: str | Path,
    fmt: Format | None = None,
    *,
    formula_guard: bool = True,
) -> int:
    """Write the items' json to ``path`` atomically; returns how many were written."""
    with stream_to(path, fmt, formula_guard=formula_guard) as writer:
        writer.write(item["json"] for item in items)
    return writer.count


def dumps_items(items: Iterable[Item], fmt: Format, *, formula_guard: bool = True) -> str:
    buffer = io.StringIO()
    write_rows((item["json"] for item in items), buffer, fmt, formula_guard=formula_guard)
    return buffer.getvalue()


def _number(text: str) -> JSON:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def read_items(
    path: str | Path, fmt: Format | None = None, *, parse_numbers: bool = False
) -> list[Item]:
    """Items from a JSON array, NDJSON lines or CSV rows; errors name the file and line."""
    fmt = fmt or format_of(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read: {reason(exc)}") from None
    rows: list[Any]
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        rows = [
            {k: _number(v) if parse_numbers and v else v for k, v in row.items()} for row in reader
        ]
    elif fmt == "ndjson":
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except (ValueError, RecursionError) as exc:
                    raise InputError(f"{path}:{number}: not valid JSON: {exc}") from None
    else:
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        except (ValueError, RecursionError) as exc:  # too deep, or a number too long
            raise InputError(f"{path}: not valid JSON: {exc}") from None
        rows = loaded if isinstance(loaded, list) else [loaded]
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise InputError(f"{path}: item {number} is not an object")
    return [{"json": row, "pairedItem": {"item": 0}} for row in rows]


# --------------------------------------------------------------------------- resumable exports


@dataclass
class ExportState:
    """Where a streamed export stands: the input item it is on and the records it wrote."""

    fingerprint: str
    item: int = 0
    """The input item being exported (earlier ones are complete)."""
    offset: int = 0
    """Records of that item already written (the next page starts there)."""
    done: list[int] = field(default_factory=list)
    """Records written per completed item."""


def _sidecars(target: Path) -> tuple[Path, Path]:
    """The partial file and its checkpoint, hidden beside the target."""
    return target.parent / f".{target.name}.partial", target.parent / f".{target.name}.checkpoint"


@dataclass
class Export:
    """A resumable export in progress: write rows with ``writer``, keep ``state`` up to date,
    and ``checkpoint()`` after each page (so that even ``kill -9`` leaves a place to resume)."""

    writer: RowWriter
    state: ExportState
    _file: TextIO
    _checkpoint: Path

    def checkpoint(self) -> None:
        """The partial file flushed, then the checkpoint replaced atomically."""
        self._file.flush()
        _write_checkpoint(self._checkpoint, self._file.tell(), self.writer, self.state)


@contextmanager
def resumable_stream(
    path: str | Path,
    fmt: Format | None,
    fingerprint: str,
    *,
    resume: bool = False,
    formula_guard: bool = True,
) -> Iterator[Export]:
    """An Export whose file appears at ``path`` only when the export ends. If it is stopped
    (Ctrl-C, SIGTERM, an error, or killed after a checkpoint), the partial file stays beside
    ``path`` with a checkpoint, and
    ``resume=True`` continues it — into the same file an uninterrupted run writes — as long as
    the export is the same (``fingerprint``). Without ``resume`` a leftover is removed."""
    target = Path(path)
    kind = fmt or format_of(target)
    if target.is_dir():
        raise InputError(f"{path} is a directory: give a file name for the output")
    partial, checkpoint = _sidecars(target)
    saved = _read_checkpoint(checkpoint) if resume else None
    if saved is not None and (saved["state"]["fingerprint"] != fingerprint or not partial.exists()):
        raise InputError(
            f"{path}: the interrupted export was of something else (or its partial file is "
            "gone); run without --resume to start over"
        )
    if saved is None:
        partial.unlink(missing_ok=True)
        checkpoint.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    with partial.open("r+" if saved else "w", encoding="utf-8", newline="") as fh:
        writer = RowWriter(fh, kind, formula_guard=formula_guard)
        state = ExportState(fingerprint)
        if saved is not None:
            fh.seek(saved["bytes"])
            fh.truncate()
            writer.continue_after(saved["count"], saved["columns"])
            state = ExportState(**saved["state"])
        export = Export(writer, state, fh, checkpoint)
        try:
            yield export
        except BaseException:
            export.checkpoint()
            raise
        writer.close()
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, target)
    checkpoint.unlink(missing_ok=True)


def _read_checkpoint(checkpoint: Path) -> dict[str, Any] | None:
    try:
        saved = json.loads(checkpoint.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return saved if isinstance(saved, dict) and "state" in saved else None


def _write_checkpoint(checkpoint: Path, size: int, writer: RowWriter, state: ExportState) -> None:
    data = {"bytes": size, "count": writer.count, "columns": writer.columns, "state": vars(state)}
    fresh = checkpoint.with_name(checkpoint.name + ".new")
    fresh.write_text(json.dumps(data), encoding="utf-8")
    os.replace(fresh, checkpoint)  # a reader sees the old checkpoint or the new, never half
