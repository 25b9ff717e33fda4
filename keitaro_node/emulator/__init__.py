"""A local Keitaro tracker: the Admin API v1 over aiohttp + SQLite, for tests and offline runs.

``async with Emulator(api_key="…", seed="demo") as emu: Credentials(domain=emu.url, …)``
"""

from .faults import FaultSpec
from .server import Emulator, Journal, JournalEntry

__all__ = ["Emulator", "FaultSpec", "Journal", "JournalEntry"]
