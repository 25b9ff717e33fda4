"""The exception tree of keitaro-node.

::

    KeitaroNodeError                 every error this package raises
    ├── DefinitionError              node_schema/ is invalid (every problem with its JSON path)
    ├── InputError                   a user mistake: bad item, property, resource or operation
    ├── RequestError                 one request failed
    │   ├── ApiError                 the tracker answered with an error (status >= 300, or a lie)
    │   ├── TransportError           no usable answer: connection refused/reset, timeout, bad body
    │   └── NotFoundError            the tracker answered, but the named record is not in it
    ├── ItemError                    the run stopped on item N (wraps InputError or RequestError)
    └── Interrupted                  Ctrl-C / SIGTERM: carries the items that finished

Errors carry only masked context: the message, masked request metadata and the response body.
Nothing here ever holds the API key; the client masks texts before they are built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def did_you_mean(name: str, names: Mapping[str, str], cutoff: float = 0.6) -> str:
    """`` (did you mean 'campaign'?)`` for a near miss among ``names`` (what is compared ->
    what to suggest), or nothing."""
    import difflib  # only when a name is wrong

    close = difflib.get_close_matches(name, names, n=1, cutoff=cutoff)
    return f" (did you mean {names[close[0]]!r}?)" if close else ""


def reason(exc: BaseException) -> str:
    """Why a file could not be used: the OS's words ("No such file or directory"), or the
    exception's text (a path with a NUL byte is a ValueError)."""
    return getattr(exc, "strerror", None) or str(exc)


class KeitaroNodeError(Exception):
    """Base class of every error raised by keitaro-node."""

    description: str | None = None

    def __init__(self, message: str, *, description: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.description = description if description != message else None


class DefinitionError(KeitaroNodeError):
    """The node definition in node_schema/ does not validate (a bug or a broken install, not a
    user's mistake; a workflow that does not validate is a WorkflowError); ``problems`` lists
    each one."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        listed = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source} is invalid ({len(self.problems)} problem(s)):\n{listed}")


class InputError(KeitaroNodeError):
    """Bad input from the user, named by item, property and rule."""

    def __init__(
        self,
        message: str,
        *,
        property: str | None = None,
        item_index: int | None = None,
        description: str | None = None,
    ) -> None:
        super().__init__(message, description=description)
        self.property = property
        self.item_index = item_index


class RequestError(KeitaroNodeError):
    """One HTTP exchange failed; ``request`` is the masked request metadata."""

    http_code: int | None = None
    status_text: str | None = None
    response_data: Any = None
    maybe_applied: bool = False
    """A write that reached the tracker and may have been applied (the answer was lost)."""

    def __init__(
        self,
        message: str,
        *,
        description: str | None = None,
        request: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, description=description)
        self.request = request or {}


class ApiError(RequestError):
    """The tracker answered, but not with what was asked for."""

    def __init__(
        self,
        message: str,
        *,
        http_code: int,
        status_text: str,
        response_data: Any = None,
        description: str | None = None,
        request: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, description=description, request=request)
        self.http_code = http_code
        self.status_text = status_text
        self.response_data = response_data


class TransportError(RequestError):
    """The request got no usable answer. ``sent`` is False when it provably never left."""

    phase: str | None = None
    """For a timeout, where it struck: pool, connect, write (never sent) or read (sent)."""

    def __init__(
        self,
        message: str,
        *,
        sent: bool,
        description: str | None = None,
        request: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, description=description, request=request)
        self.sent = sent


class NotFoundError(RequestError):
    """A multi-step operation read the tracker's answer and the named record is not in it."""


class ItemError(KeitaroNodeError):
    """The run stopped because item ``item_index`` failed and continue-on-fail was off."""

    def __init__(self, item_index: int, resource: str, operation: str, cause: KeitaroNodeError):
        super().__init__(
            f"item {item_index} ({resource}:{operation}) failed: {cause.message}",
            description=cause.description,
        )
        self.item_index = item_index
        self.resource = resource
        self.operation = operation
        self.cause = cause


class Interrupted(KeitaroNodeError):
    """The run was cancelled (Ctrl-C, SIGTERM); ``finished`` holds the items that completed and
    ``unfinished`` an error item for each one still in flight when the grace period ended (a
    write among them may have been applied: its item says so, with its input index)."""

    def __init__(
        self,
        finished: Sequence[Any],
        total: int,
        where: str = "",
        unfinished: Sequence[Any] = (),
    ) -> None:
        cut = f"; {len(unfinished)} were in flight" if unfinished else ""
        super().__init__(
            f"interrupted{' in ' + where if where else ''}: {len(finished)} of {total} items "
            f"finished before the stop{cut}"
        )
        self.finished = list(finished)
        """The finished n8n items, in input order."""
        self.unfinished = list(unfinished)
        """Error items for the items in flight at the stop, in input order."""
        self.total = total

    @property
    def items(self) -> list[Any]:
        """Finished and unfinished items together, in input order."""
        merged = [*self.finished, *self.unfinished]
        return sorted(merged, key=lambda item: item.get("pairedItem", {}).get("item", 0))
