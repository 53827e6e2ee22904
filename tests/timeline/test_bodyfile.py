from __future__ import annotations

import stat
from pathlib import Path

import pytest

from breachkit.host.records import FileStat, WarningRecord
from breachkit.timeline.bodyfile import BodyfileReader, parse_line, parse_mode

DATA = Path(__file__).resolve().parent.parent / "data" / "timeline" / "bodyfile"
NS = 1_000_000_000


def read(name: str) -> tuple[list[FileStat], list[WarningRecord]]:
    entries: list[FileStat] = []
    warnings: list[WarningRecord] = []
    for item in BodyfileReader(DATA / name):
        (warnings if isinstance(item, WarningRecord) else entries).append(item)  # type: ignore[arg-type]
    return entries, warnings


def test_fls_output_is_read_with_types_modes_links_and_pipes() -> None:
    entries, warnings = read("fls_web01.body")
    assert warnings == []
    by_path = {e.path: e for e in entries}
    passwd = by_path["/usr/bin/passwd"]
    assert passwd.type == "f" and passwd.mode & stat.S_ISUID and stat.S_IMODE(passwd.mode) == 0o4755
    assert passwd.mtime_ns == 1675843200 * NS and passwd.btime_ns == 1707728832 * NS
    link = by_path["/etc/localtime"]
    assert link.type == "l" and link.target == "/usr/share/zoneinfo/Europe/Berlin"
    assert by_path["/tmp/.X11-cache"].type == "d"
    assert "/var/www/shop/htdocs/images/a|b.php" in by_path  # a | in the name, fields taken from the right
    assert by_path["/etc/deleted-file (deleted)"].btime_ns is None  # crtime 0: no birth time
    assert by_path["/$OrphanFiles"].type == "?"


def test_ls_style_modes_fractions_quotes_and_extreme_times() -> None:
    entries, warnings = read("uac_find.body")
    assert warnings == []
    by_path = {e.path: e for e in entries}
    shadow = by_path["/etc/shadow"]
    assert shadow.atime_ns == 1795300000 * NS + 123456789
    assert shadow.mtime_ns == 1714979642 * NS + 500_000_000
    assert shadow.ctime_ns == 1714979642 * NS + 500_000_001
    assert shadow.gid == 42 and stat.S_IMODE(shadow.mode) == 0o640
    assert by_path["/etc/alternatives/awk"].target == "/usr/bin/mawk"
    assert by_path["/old/file-from-1965"].mtime_ns == -157766400 * NS
    assert by_path["/far/future"].mtime_ns == 4102444801 * NS


def test_precision_follows_the_digits_given() -> None:
    assert parse_line("0|/a|1|r/rrw-r--r--|0|0|1|1|2|3|4")[1] == NS
    assert parse_line("0|/a|1|-rw-r--r--|0|0|1|1.5|2|3|0")[1] == 100_000_000
    assert parse_line("0|/a|1|-rw-r--r--|0|0|1|1.123456789|2|3|0")[1] == 1


def test_malformed_lines_are_warnings_with_line_numbers_and_the_rest_is_used() -> None:
    entries, warnings = read("malformed.body")
    assert [e.path for e in entries] == ["/good/one", "/good/two"]
    lines = sorted(int(w.detail.split()[1].rstrip(":")) for w in warnings)
    assert lines == [2, 3, 4, 5, 6]
    assert all(w.kind == "malformed-line" for w in warnings)


@pytest.mark.parametrize(
    ("text", "code", "bits"),
    [
        ("r/rrwxr-xr-x", "f", stat.S_IFREG | 0o755),
        ("d/drwxrwxrwt", "d", stat.S_IFDIR | 0o1777),
        ("-rwsr-sr-x", "f", stat.S_IFREG | 0o6755),
        ("-rwSr--r--", "f", stat.S_IFREG | 0o4644),
        ("lrwxrwxrwx", "l", stat.S_IFLNK | 0o777),
        ("p/prw-------", "p", stat.S_IFIFO | 0o600),
    ],
)
def test_modes(text: str, code: str, bits: int) -> None:
    assert parse_mode(text) == (code, bits)


def test_hostile_bytes_in_names_survive(tmp_path: Path) -> None:
    body = tmp_path / "hostile.body"
    body.write_bytes(b"0|/tmp/\x1b[31mred\xff|5|r/rrw-r--r--|0|0|1|1|1|1|1\n" + b"x" * 70000 + b"\n")
    items = list(BodyfileReader(body))
    assert isinstance(items[0], FileStat) and items[0].path == "/tmp/\x1b[31mred\udcff"
    assert isinstance(items[1], WarningRecord) and "longer" in items[1].detail
