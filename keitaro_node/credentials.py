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


def from_spec(spec: Mapping[str, Any], environ: Mapping[str, str], source: str) -> Credentials:
    """Credentials from ``domain`` and ``apiKey`` (and ``postbackKey``); ``${VAR}`` is read
    from ``environ``. ``source`` names where the spec was written, for messages."""

    def expand(key: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if not environ.get(name):
                raise InputError(
                    f"{source}: credentials.{key}: environment variable {name} is not set "
                    "(export it, or put it in a .env file)"
                )
            return environ[name]

        return ENV_REF.sub(value, str(spec[key]))

    postback = expand("postbackKey") if "postbackKey" in spec else None
    return Credentials(domain=expand("domain"), api_key=expand("apiKey"), postback_key=postback)


def read_file(path: Path) -> dict[str, str]:
    """``domain`` and ``apiKey`` (and ``postbackKey``) from a YAML or JSON credentials file
    (keep it readable only by you), as a spec for ``from_spec``."""
    import yaml

    from .safe_yaml import parse_yaml

    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the credentials file: {exc}") from None
    if not isinstance(data, dict) or not data.get("domain") or not data.get("apiKey"):
        raise InputError(f"{path}: a credentials file needs 'domain' and 'apiKey'")
    extra = {"postbackKey": str(data["postbackKey"])} if data.get("postbackKey") else {}
    return {"domain": str(data["domain"]), "apiKey": str(data["apiKey"]), **extra}


def resolve(
    spec: Mapping[str, Any] | None,
    environ: Mapping[str, str],
    source: str,
    env_files: Sequence[str | Path] = (),
) -> Credentials:
    """The credentials a run uses: the spec's (a workflow's, a file's), else the environment's.
    ``env_files``: the .env files that ``environ`` was read from, named when none are found."""
    if spec is not None:
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
