"""Artifacts: one module per kind of evidence, each yielding typed, frozen records.

``breachkit.artifacts.linux`` holds the system logs (auth, syslog, wtmp/btmp),
``breachkit.artifacts.web`` the web server's access logs and configuration.
:mod:`breachkit.artifacts.rotated` reads a log and its rotated, compressed
predecessors as one stream; :mod:`breachkit.artifacts.years` gives year-less
syslog lines their year. Every parser reads through the
:class:`breachkit.sources.Source` interface, so it works the same on a live
root, a mounted image and a collected bundle, and records per-line trouble in
a :class:`breachkit.artifacts.rotated.Problems` instead of failing.
"""
