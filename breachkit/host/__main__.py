"""``python -m breachkit.host`` and the zipapp's entry point."""

import sys

from breachkit.host.cli import main

sys.exit(main())
