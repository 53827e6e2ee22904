"""Kernel modules (both views), taint decoding and sysctls from a synthetic /proc and /sys."""

from __future__ import annotations

from pathlib import Path

from breachkit.host.live.kernel import decode_taint, parse_proc_modules, read_kernel, read_modules
from breachkit.host.records import WarningRecord
from tests.host.live.fakeproc import FakeProc


def test_modules_hidden_from_one_view(tmp_path: Path) -> None:
    fake = FakeProc(tmp_path)
    fake.module("ext4")
    fake.module("vboxdrv", taint="OE")
    fake.module("diamorphine", taint="OE", in_proc=False)  # unlinked itself from the module list
    fake.module("ghost", in_sys=False)  # kobject removed
    (fake.sys / "module" / "printk").mkdir(parents=True)  # built in: no initstate
    modules = {m.name: m for m in read_modules(str(fake.proc), str(fake.sys))}
    assert sorted(modules) == ["diamorphine", "ext4", "ghost", "vboxdrv"]
    assert modules["ext4"].in_proc_modules and modules["ext4"].in_sys_module
    assert modules["vboxdrv"].taint == "OE" and modules["vboxdrv"].size == 16384
    assert not modules["diamorphine"].in_proc_modules and modules["diamorphine"].in_sys_module
    assert modules["ghost"].in_proc_modules and not modules["ghost"].in_sys_module


def test_proc_modules_format() -> None:
    text = (
        "nf_tables 331776 3 nft_chain_nat,nft_compat, Live 0xffffffffc0a00000\n"
        "zfs 6103040 6 - Live 0xffffffffc1000000 (POE)\n"
        "broken\n"
    )
    modules = parse_proc_modules(text)
    assert modules["nf_tables"].used_by == ["nft_chain_nat", "nft_compat"]
    assert modules["zfs"].taint == "POE" and modules["zfs"].refcount == 6
    assert "broken" not in modules


def test_taint_bits() -> None:
    assert decode_taint(0) == []
    flags = decode_taint((1 << 12) | (1 << 13) | (1 << 40))
    assert flags[0].startswith("O: externally-built") and flags[1].startswith("E: unsigned")
    assert flags[2] == "bit 40: unknown to this tool"


def test_kernel_facts_and_a_kernel_without_modules(tmp_path: Path) -> None:
    fake = FakeProc(tmp_path)
    (fake.proc / "sys" / "kernel" / "tainted").write_text("12288\n")
    (fake.proc / "sys" / "kernel" / "core_pattern").write_text("|/tmp/.c %p\n")
    (fake.proc / "sys" / "net" / "ipv4").mkdir(parents=True)
    (fake.proc / "sys" / "net" / "ipv4" / "ip_forward").write_text("1\n")
    (fake.proc / "cmdline").write_text("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet\n")
    warnings: list[WarningRecord] = []
    facts = read_kernel(str(fake.proc), warnings.append)
    assert facts.tainted == 12288 and len(facts.taint_flags) == 2
    assert facts.sysctls == {"kernel.core_pattern": "|/tmp/.c %p", "net.ipv4.ip_forward": "1"}
    assert facts.cmdline is not None and "root=/dev/sda1" in facts.cmdline
    assert facts.version is None and any(w.path.endswith("/version") for w in warnings)
    assert read_modules(str(fake.proc), str(fake.sys), warnings.append) == []
    assert any(w.path.endswith("/modules") and w.kind == "absent" for w in warnings)
