"""The version, read by the build (pyproject: tool.hatch.version) and by ``--version``."""

__version__ = "0.1.0"
