"""The running kernel: loaded modules, taint, command line, sysctls attackers change, eBPF.

* ``/proc/modules``: ``name size refcount deps state address [(taint letters)]``
  (proc(5)). A module that unlinks itself from the kernel's module list (the
  classic rootkit trick) vanishes here but often keeps its
  ``/sys/module/NAME`` folder, and the reverse happens when only the kobject is
  removed: both differences are reported. A loadable module has
  ``/sys/module/NAME/initstate``; built-in ones do not.
* ``/sys/module/NAME/taint``: ``O`` out-of-tree, ``E`` unsigned, ``P`` proprietary.
* ``/proc/sys/kernel/tainted``: a bit field, decoded with the table of
  https://docs.kernel.org/admin-guide/tainted-kernels.html.
* ``/proc/cmdline``, and the sysctls in :data:`SYSCTLS` (``core_pattern`` and
  ``modprobe`` run programs as root; others loosen defences).
* ``bpftool -j prog show`` when bpftool is installed (live root only): eBPF
  programs can hide files, processes and traffic.
"""

import os
from typing import Dict, List, NamedTuple, Optional

from .procfs import Warn, problem, read_text
from .tools import ToolOutput, find_tool, run_tool

#: Bit, letter, meaning (Documentation/admin-guide/tainted-kernels.rst).
TAINT_BITS = (
    (0, "P", "proprietary module loaded"),
    (1, "F", "module force-loaded"),
    (2, "S", "kernel running on an out-of-specification system"),
    (3, "R", "module force-unloaded"),
    (4, "M", "machine check exception"),
    (5, "B", "bad page referenced"),
    (6, "U", "taint requested by userspace"),
    (7, "D", "kernel died recently (oops or BUG)"),
    (8, "A", "ACPI table overridden"),
    (9, "W", "kernel issued a warning"),
    (10, "C", "staging driver loaded"),
    (11, "I", "workaround for a platform firmware bug"),
    (12, "O", "externally-built (out-of-tree) module loaded"),
    (13, "E", "unsigned module loaded"),
    (14, "L", "soft lockup occurred"),
    (15, "K", "kernel live-patched"),
    (16, "X", "auxiliary taint (distribution-defined)"),
    (17, "T", "built with the struct randomization plugin"),
    (18, "N", "in-kernel test run"),
)

#: Sysctls an intruder changes, and why a responder looks at them.
SYSCTLS = {
    "kernel/core_pattern": "a leading | runs a program as root on every crash",
    "kernel/modprobe": "program the kernel runs as root to load modules",
    "kernel/modules_disabled": "1 stops new kernel modules",
    "kernel/kptr_restrict": "0 exposes kernel addresses to everyone",
    "kernel/dmesg_restrict": "0 lets everyone read the kernel log",
    "kernel/randomize_va_space": "below 2 weakens ASLR",
    "kernel/yama/ptrace_scope": "0 lets any process trace its user's other processes",
    "kernel/unprivileged_bpf_disabled": "0 lets any user load eBPF programs",
    "kernel/sysrq": "magic SysRq keys allowed",
    "kernel/hotplug": "program the kernel runs on device events",
    "fs/suid_dumpable": "non-zero dumps setuid programs' memory",
    "net/ipv4/ip_forward": "1 makes the host route traffic (pivoting)",
    "net/ipv4/conf/all/accept_redirects": "accepting ICMP redirects",
    "net/ipv4/conf/all/send_redirects": "sending ICMP redirects",
    "net/ipv4/tcp_syncookies": "0 removes SYN-flood protection",
    "net/ipv4/icmp_echo_ignore_all": "1 hides the host from ping",
}


class ModuleRecord(NamedTuple):
    """A loaded kernel module; ``in_proc_modules``/``in_sys_module`` say which views show it."""

    name: str
    size: Optional[int]
    refcount: Optional[int]
    used_by: List[str]
    state: Optional[str]
    taint: str
    in_proc_modules: bool
    in_sys_module: bool

    def to_json(self) -> Dict[str, object]:
        return dict(self._asdict())


class KernelFacts(NamedTuple):
    tainted: Optional[int]
    taint_flags: List[str]
    cmdline: Optional[str]
    version: Optional[str]
    sysctls: Dict[str, str]
    bpf: Optional[ToolOutput]

    def to_json(self) -> Dict[str, object]:
        data = dict(self._asdict())
        data["bpf"] = self.bpf.to_json() if self.bpf is not None else None
        return data


def decode_taint(value: int) -> List[str]:
    """``["O: externally-built …", …]`` for the set bits; unknown bits are named by number."""
    flags = ["%s: %s" % (letter, meaning) for bit, letter, meaning in TAINT_BITS if value & (1 << bit)]
    known = sum(1 << bit for bit, _, _ in TAINT_BITS)
    for bit in range(64):
        if value & (1 << bit) and not known & (1 << bit):
            flags.append("bit %d: unknown to this tool" % bit)
    return flags


def parse_proc_modules(text: str) -> Dict[str, ModuleRecord]:
    modules: Dict[str, ModuleRecord] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 5:
            continue
        taint = ""
        if len(parts) > 6 and parts[6].startswith("("):
            taint = parts[6].strip("()")
        try:
            size: Optional[int] = int(parts[1])
            refs: Optional[int] = int(parts[2])
        except ValueError:
            size = refs = None
        used = [name for name in parts[3].split(",") if name and name != "-"]
        modules[parts[0]] = ModuleRecord(parts[0], size, refs, used, parts[4], taint, True, False)
    return modules


def read_modules(proc: str = "/proc", sys_root: str = "/sys", warn: Optional[Warn] = None) -> List[ModuleRecord]:
    """Loaded modules from both views, sorted by name."""
    path = os.path.join(proc, "modules")
    modules: Dict[str, ModuleRecord] = {}
    have_proc = True
    try:
        modules = parse_proc_modules(read_text(path, 16 * 1024 * 1024))
    except OSError as exc:
        have_proc = False  # a kernel built without module support
        if warn is not None:
            warn(problem(path, exc, "absent"))
    folder = os.path.join(sys_root, "module")
    try:
        names = os.listdir(folder)
    except OSError as exc:
        names = []
        if warn is not None:
            warn(problem(folder, exc, "absent"))
    for name in sorted(names):
        base = os.path.join(folder, name)
        if not os.path.exists(os.path.join(base, "initstate")):
            continue  # built into the kernel
        try:
            state = read_text(os.path.join(base, "initstate"), 64).strip()
        except OSError:
            state = None
        try:
            taint = read_text(os.path.join(base, "taint"), 64).strip()
        except OSError:
            taint = ""
        known = modules.get(name)
        if known is not None:
            modules[name] = known._replace(in_sys_module=True, taint=known.taint or taint)
        elif have_proc:
            modules[name] = ModuleRecord(name, None, None, [], state, taint, False, True)
    return [modules[name] for name in sorted(modules)]


def read_kernel(proc: str = "/proc", warn: Optional[Warn] = None, run_bpftool: bool = False) -> KernelFacts:
    tainted: Optional[int] = None
    path = os.path.join(proc, "sys", "kernel", "tainted")
    try:
        tainted = int(read_text(path, 64).strip())
    except (OSError, ValueError) as exc:
        if warn is not None and isinstance(exc, OSError):
            warn(problem(path, exc, "absent"))
    cmdline = _small(os.path.join(proc, "cmdline"), warn)
    version = _small(os.path.join(proc, "version"), warn)
    sysctls: Dict[str, str] = {}
    for name in SYSCTLS:
        try:
            sysctls[name.replace("/", ".")] = read_text(os.path.join(proc, "sys", name), 4096).strip()
        except OSError:
            continue  # not every kernel has every knob; absence is normal here
    bpf = None
    if run_bpftool and find_tool("bpftool") is not None:
        bpf = run_tool(["bpftool", "-j", "prog", "show"])
    return KernelFacts(tainted, decode_taint(tainted or 0), cmdline, version, sysctls, bpf)


def _small(path: str, warn: Optional[Warn]) -> Optional[str]:
    try:
        return read_text(path, 64 * 1024).strip()
    except OSError as exc:
        if warn is not None:
            warn(problem(path, exc, "absent"))
        return None
