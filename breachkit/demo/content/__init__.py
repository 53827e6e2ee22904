"""What the files of the demo host contain: text templates and small binary formats.

Kept as Python modules rather than data files so they ship inside the package
without packaging rules, type-check, and can be parameterised (user names,
domains, dates) by the parts of :mod:`breachkit.demo.parts`, which decide *when*
each file was made. Nothing here touches the disk or the clock.
"""

from __future__ import annotations
