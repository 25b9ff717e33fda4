"""``python -m keitaro_node.cli``."""

from . import entry

entry()
