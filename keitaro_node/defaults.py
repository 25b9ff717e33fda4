"""The defaults of a run, in one place (no imports: the CLI's --help reads them too)."""

DEFAULT_CONCURRENCY = 4
"""Requests in flight at once for one node (and the connection limit of its session)."""
DEFAULT_GRACE = 5.0
"""Seconds the requests in flight get to finish after a stop (Ctrl-C, SIGTERM, cancel)."""
DEFAULT_TRIES, MIN_TRIES, MAX_TRIES = 3, 2, 5
"""n8n's retryOnFail: maxTries defaults to 3 and is clamped to 2..5."""
DEFAULT_WAIT_MS, MAX_WAIT_MS = 1000, 5000
"""n8n's waitBetweenTries: milliseconds, default 1000, clamped to 0..5000."""
