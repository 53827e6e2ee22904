"""``python -m breachkit``."""

from __future__ import annotations

from breachkit.cli.main import main

raise SystemExit(main())
