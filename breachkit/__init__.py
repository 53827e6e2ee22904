"""breachkit: incident response for a hacked Linux server.

The package has two halves. :mod:`breachkit.host` runs on the suspect host with
nothing but the standard library (Python 3.8+); everything else is the analyst
side and may use real dependencies.
"""

from __future__ import annotations

from breachkit.host.toolinfo import VERSION as __version__

__all__ = ["__version__"]
