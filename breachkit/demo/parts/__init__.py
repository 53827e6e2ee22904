"""The parts of the demo host, one module each, in the order :func:`breachkit.demo.generate` builds them.

Each module has one entry point that adds its part to the shared
:class:`~breachkit.demo.world.World` (files to the tree, lines to the logs, web
requests, benign noise). Later parts build on earlier ones – the traffic needs
the sites' files, the atimes need the traffic – so the order matters. The
incident's own steps (:class:`breachkit.demo.story.Story`) run in between:

1. :mod:`~breachkit.demo.parts.base_system` – the Debian install
2. :mod:`~breachkit.demo.parts.dpkg` – packages, the dpkg database, apt's logs
3. :mod:`~breachkit.demo.parts.accounts` – users, groups, homes
4. :mod:`~breachkit.demo.parts.apache_php` – Apache, PHP, vhosts, certificates
5. :mod:`~breachkit.demo.parts.sites` – the four sites' files
6. the story's ``prepare`` and ``intrude`` – what the attack needs, and the attack
7. :mod:`~breachkit.demo.parts.web_traffic` – everyone else's requests
8. :mod:`~breachkit.demo.parts.noise` – caches and cron output near the attack
9. :mod:`~breachkit.demo.parts.host_activity` – cron, timers, logins, boots; then the story's ``aftermath``
10. :mod:`~breachkit.demo.parts.php_sessions` – session files left at the snapshot
11. :mod:`~breachkit.demo.parts.reads` – atimes from requests and daemons
12. the story's ``cover_up`` – what the attacker erases
13. :mod:`~breachkit.demo.parts.logs` – the log files, rotated (and edited)
"""
