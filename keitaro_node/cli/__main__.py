"""``python -m keitaro_node.cli``."""

import sys

from . import main

sys.exit(main())
