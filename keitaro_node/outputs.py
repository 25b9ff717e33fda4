"""Read and write items as JSON, NDJSON or CSV. Writers stream and replace the file atomically.

CSV flattening: nested objects become dotted columns (``data.name``), lists and other values that
are not scalars are written as JSON text, booleans as ``true``/``false``, null as an empty cell.
The columns are the union of every row's keys, in first-seen order.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal

from .errors import InputError
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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


@contextmanager
def atomic_writer(path: str | Path) -> Iterator[IO[str]]:
    """A text file that appears at ``path`` only when the block ends without error."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
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


def write_rows(rows: Iterable[Mapping[str, Any]], fh: IO[str], fmt: Format) -> int:
    """Write JSON objects in a format; returns how many. CSV needs the rows twice (columns)."""
    count = 0
    if fmt == "ndjson":
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False))
            fh.write("\n")
            count += 1
    elif fmt == "json":
        fh.write("[")
        for row in rows:
            fh.write(",\n" if count else "\n")
            fh.write(json.dumps(row, ensure_ascii=False))
            count += 1
        fh.write("\n]\n" if count else "]\n")
    else:
        flat = [flatten(row) for row in rows]
        columns = list(dict.fromkeys(k for row in flat for k in row))
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in flat:
            writer.writerow([_cell(row.get(c)) for c in columns])
            count += 1
    return count


def write_items(items: Iterable[Item], path: str | Path, fmt: Format | None = None) -> int:
    """Write the items' json to ``path`` atomically; returns how many were written."""
    with atomic_writer(path) as fh:
        return write_rows((item["json"] for item in items), fh, fmt or format_of(path))


def dumps_items(items: Iterable[Item], fmt: Format) -> str:
    buffer = io.StringIO()
    write_rows((item["json"] for item in items), buffer, fmt)
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
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
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
                except ValueError as exc:
                    raise InputError(f"{path}:{number}: not valid JSON: {exc}") from None
    else:
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        rows = loaded if isinstance(loaded, list) else [loaded]
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise InputError(f"{path}: item {number} is not an object")
    return [{"json": row, "pairedItem": {"item": 0}} for row in rows]
