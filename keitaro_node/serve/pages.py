"""The pages a person reads: ``/`` (the workflows, their triggers and next runs, the latest
executions) and ``/executions/<id>`` (the workflow's graph with the failed node marked, and
each node's items as a table and as JSON): ``page.html``, one document with a little JavaScript
that reads the API of the same server; no build step, nothing from outside."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def page() -> str:
    return resources.files(__package__).joinpath("page.html").read_text(encoding="utf-8")
