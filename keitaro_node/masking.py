"""One Redactor that masks secrets by header/key name, by URL query key and by value."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"

# Names whose values are secret wherever they appear (headers, JSON keys, query keys).
# Matching is case-insensitive on the name with '-' and '_' ignored, as Airflow does by substring.
SENSITIVE_NAME_PARTS = (
    "apikey",
    "authorization",
    "password",
    "passwd",
    "secret",
    "token",
    "cookie",
    "accesskey",
    "privatekey",
    "passphrase",
)


def _normalise(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


@lru_cache(maxsize=4096)
def is_sensitive_name(name: str) -> bool:
    """True if a header, key or query parameter with this name holds a secret."""
    flat = _normalise(name)
    return any(part in flat for part in SENSITIVE_NAME_PARTS)


_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
"""A JSON (and JavaScript) escape of one UTF-16 code unit."""


class Redactor:
    """Masks known secret values anywhere, and values under sensitive names.

    Secrets shorter than 4 characters are ignored as values (they would mask ordinary text),
    but are still masked under sensitive names.
    """

    __slots__ = ("_pattern", "_secrets")

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = tuple(sorted({s for s in secrets if s and len(s) >= 4}, key=len))[::-1]
        self._pattern = (
            re.compile("|".join(re.escape(s) for s in self._secrets)) if self._secrets else None
        )

    def __repr__(self) -> str:
        return f"Redactor(<{len(self._secrets)} secret(s)>)"

    def text(self, value: str) -> str:
        """Replace every known secret value inside ``value``; a text that holds one written as
        JSON escapes (``\\u0063…``) is masked whole."""
        if self._pattern is None:
            return value
        if "\\u" in value and self._escaped(value):
            return MASK
        if not any(s in value for s in self._secrets):
            return value
        return self._pattern.sub(MASK, value)

    def _escaped(self, value: str) -> bool:
        """Whether a secret appears once JSON escapes are undone (those inside quoted text,
        ``\\\\u0063``, too)."""
        plain = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), re.sub(r"\\+u", r"\\u", value))
        return any(s in plain for s in self._secrets)

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """A copy of ``headers`` with sensitive ones masked and secret values removed."""
        return {k: MASK if is_sensitive_name(k) else self.text(str(v)) for k, v in headers.items()}

    def url(self, url: str) -> str:
        """Mask userinfo, sensitive query parameters and secret values in a URL."""
        if "@" not in url and "?" not in url:
            return self.text(url)
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(is_sensitive_name(k) for k, _ in pairs):
                query = urlencode(
                    [(k, MASK if is_sensitive_name(k) else v) for k, v in pairs], safe="*"
                )
        return self.text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))

    def data(self, value: Any) -> Any:
        """A copy of JSON-like data with every known secret value masked (the data itself as
        it is when there is no secret to mask).

        Keys are not judged by name here: response fields such as a campaign's ``token`` are the
        user's data, not our credentials.
        """
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value


class SecretFilter(logging.Filter):
    """Masks every registered secret in log records (message and arguments)."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._redactor = Redactor()

    def add(self, secret: str) -> None:
        if secret not in self._secrets:
            self._secrets.add(secret)
            self._redactor = Redactor(self._secrets)

    def text(self, text: str) -> str:
        """``text`` with every secret registered so far masked."""
        return self._redactor.text(text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = self._redactor.text(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True


SECRET_FILTER = SecretFilter()


def logger(name: str) -> logging.Logger:
    """A package logger that masks every secret registered with ``SECRET_FILTER``."""
    log = logging.getLogger(name)
    if SECRET_FILTER not in log.filters:
        log.addFilter(SECRET_FILTER)
    return log
