"""The host half: runs on the suspect machine with the standard library only.

Everything in this package must import and run on Python 3.8 with no
site-packages (``python3 -I -S``); CI checks it with ``vermin`` and a test
that runs the zipapp collector that way. It reads the examined root through
:class:`breachkit.host.rootfs.RootFS`, which never writes, never follows a
symlink out of the root and never opens FIFOs, sockets or devices.
"""
