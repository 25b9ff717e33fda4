"""Time zones for the sandbox: a zone's offsets 1970-2070 as a table computed with zoneinfo
(the sandbox has no zone database of its own), kept as a copy keyed by the zone file's bytes."""

from __future__ import annotations

import json
import os
import zoneinfo
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..cache import json_copy

_ZONE_YEARS = (1970, 2070)


@lru_cache(maxsize=64)
def zone_table(name: str) -> str | None:
    """A zone's offset changes between 1970 and 2070 as JSON ``{t: [utc s], o: [minutes]}``,
    kept as a copy keyed by the zone file's bytes where that file can be found."""
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    source = _zone_file(name)
    if source is None:
        return _walk(zone)
    years = "-".join(map(str, _ZONE_YEARS))  # a copy made for other years is not this table
    copy = f"zone-{name.replace('/', '_')}-{years}"
    return str(json_copy(copy, source, lambda: _walk(zone)))


def _zone_file(name: str) -> bytes | None:
    """The TZif bytes zoneinfo reads for a zone: the first of its search path, then tzdata."""
    for root in zoneinfo.TZPATH:
        path = os.path.join(root, name)
        if os.path.isfile(path):
            with open(path, "rb") as fh:
                return fh.read()
    try:
        return resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).read_bytes()
    except (ImportError, OSError, ValueError):
        return None


def _walk(zone: ZoneInfo) -> str:

    def offset(moment: datetime) -> int:
        delta = moment.astimezone(zone).utcoffset() or timedelta(0)
        return int(delta.total_seconds() // 60)

    step = timedelta(days=7)  # no zone changes its offset twice within a week in 1970-2070
    moment = datetime(_ZONE_YEARS[0], 1, 1, tzinfo=UTC)
    stop = datetime(_ZONE_YEARS[1], 1, 1, tzinfo=UTC)
    changes, offsets = [-(2**53)], [offset(moment)]
    while moment < stop:
        following = moment + step
        if offset(following) != offsets[-1]:
            low, high = moment, following  # the change is in (low, high]: find the second
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset(middle) == offsets[-1]:
                    low = middle
                else:
                    high = middle
            changes.append(int(high.timestamp()))
            offsets.append(offset(high))
        moment = following
    return json.dumps({"t": changes, "o": offsets})
