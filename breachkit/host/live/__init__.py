"""Live response: the state of the running system that the disk does not hold.

Readers for ``/proc`` and ``/sys`` (processes, sockets, kernel modules,
sessions) that never run the host's own tools for the primary picture, plus
optional cross-checks (``ps``, ``nft``/``iptables``, ``bpftool``, container
CLIs) and memory capture from the responder's media. Every reader takes the
``/proc`` (and ``/sys``) folder as an argument, so tests feed it a fake tree.
:mod:`breachkit.host.live.collect` writes the tables into the bundle.

Standard library only, Python 3.8: this ships in the collector zipapp.
"""
