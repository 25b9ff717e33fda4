"""JSON copies of what is slow to compute from a file (the definition's YAML, a time zone's
offset table), kept in the user's cache and keyed by a hash of the file's very bytes: a changed
file never meets an old copy, and only the newest copy of each is kept. Without a writable cache
everything still works, only slower."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def json_copy(name: str, source: bytes, make: Callable[[], Any]) -> Any:
    """``make()``, or the copy of it made earlier from the same ``source`` bytes."""
    copy = _folder() / f"{name}-{hashlib.sha256(source).hexdigest()[:32]}.json"
    try:
        return json.loads(copy.read_bytes())
    except (OSError, ValueError):
        pass
    value = make()
    with contextlib.suppress(OSError, TypeError, ValueError):
        if json.loads(json.dumps(value)) != value:  # not said by JSON as it is: no copy
            return value
        copy.parent.mkdir(parents=True, exist_ok=True)
        part = copy.with_suffix(f".{os.getpid()}.part")
        part.write_text(json.dumps(value), encoding="utf-8")
        part.replace(copy)
        for old in copy.parent.glob(f"{name}-*.json"):  # one copy of each thing: the newest
            if old != copy:
                old.unlink(missing_ok=True)
    return value


def _folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "keitaro-node"
