"""Read-only sources of evidence: a live or mounted root, or a collected bundle.

Every analysis reads through :class:`Source`, so it runs the same way on the
live host, on a read-only mounted image and on a bundle collected earlier.
"""

from __future__ import annotations

from breachkit.sources.base import Source, open_source
from breachkit.sources.bundle import BundleSource
from breachkit.sources.root import RootSource

__all__ = ["BundleSource", "RootSource", "Source", "open_source"]
