"""What every demo incident's attacker does the same way: requests to a site, commands through a webshell.

:class:`Attack` is the record a story fills in while its attack happens; the
answer key (:mod:`breachkit.demo.answer_key`) turns it into the
:class:`~breachkit.demo.truth.GroundTruth`. :class:`Intruder` is one attacker
address working on one site: its requests go into the site's traffic (and so
into the access log) and into the record, and its webshell commands leave the
atimes of the programs they ran.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

from breachkit.demo.content.clock import MS, local_ns
from breachkit.demo.content.traffic import Hit
from breachkit.demo.truth import (
    AttackerAddress,
    AttackerLogin,
    AttackRequest,
    EntryPoint,
    MaliciousFile,
    Timestomp,
    Trace,
    Wipe,
)
from breachkit.demo.world import World, random_for


@dataclass(slots=True)
class Attack:
    """What the attack did, as the answer key needs it; filled in while it happens."""

    requests: list[AttackRequest] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    malicious: list[MaliciousFile] = field(default_factory=list)
    traces: list[Trace] = field(default_factory=list)
    entry: EntryPoint | None = None
    timestomp: Timestomp | None = None
    start: int = 0
    end: int = 0
    addresses: list[AttackerAddress] = field(default_factory=list)
    payload_url: str = ""
    c2: str = ""
    hidden_dirs: list[str] = field(default_factory=list)
    persistence: list[str] = field(default_factory=list)
    exposed_credentials: list[str] = field(default_factory=list)
    logins: list[AttackerLogin] = field(default_factory=list)
    wiping: list[Wipe] = field(default_factory=list)
    not_established: list[str] = field(default_factory=list)
    #: instants a later step of the story needs (when the crontab was installed, when the flood began)
    marks: dict[str, int] = field(default_factory=dict)

    @property
    def ips(self) -> tuple[str, ...]:
        return tuple(a.ip for a in self.addresses)


class Intruder:
    """One attacker address at work on one site, on the attack's day unless told otherwise."""

    def __init__(self, world: World, attack: Attack, part: str, ip: str, domain: str) -> None:
        self.world = world
        self.attack = attack
        self.rng = random_for(world.seed, part)
        self.ip = ip
        self.domain = domain
        self.log_path = f"/var/log/apache2/{domain}_access.log"
        self.hits = world.hits.setdefault(domain, [])
        #: (when, command) of every command sent through a webshell
        self.ran: list[tuple[int, str]] = []

    def at(self, h: int, mi: int, s: int, day: tuple[int, int, int] | None = None) -> int:
        """A host wall-clock time on ``day`` (default: the attack's), with the attacker's sub-second jitter."""
        y, m, d = day or self.world.dates.attack_day
        return local_ns(y, m, d, h, mi, s) + self.rng.randrange(0, 900) * MS + self.rng.randrange(1, MS)

    def request(
        self,
        t: int,
        method: str,
        target: str,
        status: int,
        size: int,
        agent: str,
        purpose: str,
        ref: str = "",
        *,
        cookies: bool = False,
    ) -> Hit:
        hit = Hit(t, self.ip, method, target, status, size, ref, agent, "attacker", 9_000_000 + len(self.hits), cookies)
        self.hits.append(hit)
        self.attack.requests.append(AttackRequest(t, self.ip, method, target, status, self.log_path, purpose))
        return hit

    def command(self, shell: str, param: str, t: int, command: str, purpose: str, output: int, agent: str) -> int:
        """One GET to the webshell at URL ``shell`` carrying ``command`` in ``param``; the response is the output."""
        self.attack.commands.append(command)
        self.ran.append((t, command))
        target = f"{shell}?{param}=" + urllib.parse.quote(command, safe="")
        self.request(t, "GET", target, 200, 242 + output, agent, purpose)
        return t

    def executed(self, implied: Mapping[str, tuple[str, ...]] | None = None) -> None:
        """The programs the commands ran: their atimes move (relatime) – quiet evidence.

        ``implied`` names programs a command runs without naming them (a script
        that calls ``pgrep``), by the command's last word.
        """
        tree = self.world.tree
        executed: set[str] = set()
        for when, command in self.ran:
            tree.read("/usr/bin/dash", when + 12 * MS)  # system() runs sh -c
            segments = re.split(r"&&|;|\||\(|\)", command)
            words = {seg.split()[0] for seg in segments if seg.split()}  # the programs, not their arguments
            words.update((implied or {}).get(command.split()[-1], ()))
            for word in sorted(words):
                binary = f"/usr/bin/{word}"
                if binary in tree and tree.nodes[binary].kind == "file" and word not in ("dash", "sh"):
                    tree.read(binary, when + 15 * MS)
                    executed.add(binary)
        for binary in sorted(executed):
            self.attack.traces.append(Trace(binary, "executed through the webshell (atime)"))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
