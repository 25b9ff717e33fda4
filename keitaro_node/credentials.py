"""Where credentials come from, resolved in one place: a workflow's ``credentials:`` (``domain``
and ``apiKey`` with ``${VAR}`` references), a credentials file (``--credentials FILE``), the
environment (``KEITARO_DOMAIN``, ``KEITARO_API_KEY``, ``KEITARO_POSTBACK_KEY``) and ``.env``
files. The embedded emulator is not a source: whoever starts it (the CLI) passes its credentials.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .errors import InputError
from .model import Credentials

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
"""``${VAR}`` in a credentials value: read from the environment (or a .env file)."""

TYPES: Mapping[str, tuple[str, ...]] = {
    "keitaroApi": ("domain", "apiKey"),
    "httpHeaderAuth": ("name", "value"),
    "httpQueryAuth": ("name", "value"),
    "httpBasicAuth": ("user", "password"),
    "httpBearerAuth": ("token",),
    "telegramApi": ("accessToken",),
}
"""The n8n credential types a credentials file may hold by name, with their required fields."""
SECRET_FIELDS = frozenset({"apiKey", "postbackKey", "value", "password", "token", "accessToken"})

Named = Mapping[str, Mapping[str, Mapping[str, str]]]
"""Credentials by n8n type and name: ``{"httpHeaderAuth": {"Bot": {"name": …, "value": …}}}``."""


def read_dotenv(*paths: str | Path) -> dict[str, str]:
    """The variables of .env files (python-dotenv: quotes, escapes, multi-line values,
    ``export``); a missing file is skipped, and an earlier file wins over a later one."""
    from dotenv import dotenv_values  # only when a .env file is there to read

    values: dict[str, str] = {}
    for path in reversed(paths or (".env",)):
        if Path(path).is_file():
            found = dotenv_values(path, encoding="utf-8")
            values.update({k: v for k, v in found.items() if v is not None})
    return values


def _expanded(text: Any, environ: Mapping[str, str], where: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if not environ.get(name):
            raise InputError(
                f"{where}: environment variable {name} is not set "
                "(export it, or put it in a .env file)"
            )
        return environ[name]

    return ENV_REF.sub(value, str(text))


def from_spec(spec: Mapping[str, Any], environ: Mapping[str, str], source: str) -> Credentials:
    """Credentials from ``domain`` and ``apiKey`` (and ``postbackKey``); ``${VAR}`` is read
    from ``environ``. ``source`` names where the spec was written, for messages."""

    def expand(key: str) -> str:
        return _expanded(spec[key], environ, f"{source}: credentials.{key}")

    postback = expand("postbackKey") if "postbackKey" in spec else None
    return Credentials(domain=expand("domain"), api_key=expand("apiKey"), postback_key=postback)


def named(spec: Mapping[str, Any] | None, environ: Mapping[str, str], source: str) -> Named:
    """The credentials by n8n type and name of a spec (a credentials file's), ``${VAR}``
    read from ``environ``."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for kind in TYPES:
        for name, fields in ((spec or {}).get(kind) or {}).items():
            where = f"{source}: {kind}.{name}"
            out.setdefault(kind, {})[name] = {
                k: _expanded(v, environ, f"{where}.{k}") for k, v in fields.items()
            }
    return out


def pick(credentials: Named, kind: str, name: str | None) -> Mapping[str, str]:
    """The credentials of an n8n type by name (the only ones of the type when no name is
    given), or InputError saying what there is."""
    entries = credentials.get(kind, {})
    if name is not None and name in entries:
        return entries[name]
    if name is None and len(entries) == 1:
        return next(iter(entries.values()))
    known = ", ".join(repr(n) for n in entries) or "none"
    wanted = f"no {kind} credentials {name!r}." if name else f"which {kind} credentials?"
    raise InputError(f"{wanted} The credentials file (--credentials FILE) has: {known}")


def read_file(path: Path) -> dict[str, Any]:
    """A YAML or JSON credentials file (keep it readable only by you) as a spec: ``domain`` and
    ``apiKey`` (and ``postbackKey``) of the tracker, and credentials by n8n type and name
    (``httpHeaderAuth: {Bot: {name: X-Key, value: ${BOT_TOKEN}}}``); a file with one
    ``keitaroApi`` entry and no ``domain`` uses that one as the tracker."""
    import yaml

    from .safe_yaml import parse_yaml

    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the credentials file: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a credentials file is a mapping")
    typed: dict[str, Any] = {}
    for kind, fields in TYPES.items():
        entries = data.get(kind) or {}
        if not isinstance(entries, dict) or not all(
            isinstance(v, dict) and all(f in v for f in fields) for v in entries.values()
        ):
            raise InputError(f"{path}: {kind}: each entry needs {', '.join(fields)}")
        if entries:
            typed[kind] = {str(n): {k: str(v) for k, v in e.items()} for n, e in entries.items()}
    tracker = data
    if not data.get("domain") and len(typed.get("keitaroApi", {})) == 1:
        tracker = next(iter(typed["keitaroApi"].values()))
    if not tracker.get("domain") or not tracker.get("apiKey"):
        if not typed:
            raise InputError(f"{path}: a credentials file needs 'domain' and 'apiKey'")
        return typed
    extra = {"postbackKey": str(tracker["postbackKey"])} if tracker.get("postbackKey") else {}
    return {"domain": str(tracker["domain"]), "apiKey": str(tracker["apiKey"]), **extra, **typed}


def resolve(
    spec: Mapping[str, Any] | None,
    environ: Mapping[str, str],
    source: str,
    env_files: Sequence[str | Path] = (),
) -> Credentials:
    """The credentials a run uses: the spec's (a workflow's, a file's), else the environment's.
    ``env_files``: the .env files that ``environ`` was read from, named when none are found."""
    if spec is not None and ("domain" in spec or "emulator" in spec):
        if "emulator" in spec:
            raise InputError(
                f"{source}: the workflow runs against the embedded emulator: start it with "
                "'keitaro-node run' (or keitaro_node.embedded.run_workflow in Python)"
            )
        return from_spec(spec, environ, source)
    if environ.get("KEITARO_DOMAIN") and environ.get("KEITARO_API_KEY"):
        return Credentials.from_env(environ)
    looked = ", ".join(map(str, env_files))
    raise InputError(
        f"{source}: no credentials: add 'credentials:' to the workflow "
        "(emulator: {seed: demo}, or domain and apiKey), set KEITARO_DOMAIN "
        "and KEITARO_API_KEY, or run keitaro-node with --emulator or --credentials FILE"
        + (f" (.env files looked for: {looked})" if looked else "")
    )
