from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from breachkit.case import Case
from breachkit.detect import iocs as loki
from breachkit.indicators import export, extract
from breachkit.indicators.model import Indicator

DATA = Path(__file__).parents[1] / "data" / "indicators"


def _items(tmp_path: Path) -> tuple[Case, list[Indicator]]:
    case = Case.init(tmp_path / "case", "test", "tester")
    shutil.copy(DATA / "findings.jsonl", case.db_dir / "findings.jsonl")
    return case, extract(case.root).indicators


def test_json_and_csv_round_trip(tmp_path: Path) -> None:
    _, items = _items(tmp_path)
    assert export.load_json(export.to_json(items, "id")) == items
    assert export.load_csv(export.to_csv(items)) == items


def test_csv_defuses_spreadsheet_formulas() -> None:
    item = Indicator("filename", "=cmd|' /C calc'!A0", 0.9, "high", "a hostile name")
    text = export.to_csv([item])
    assert "filename,'=cmd" in text
    assert export.load_csv(text) == [item]


def test_stix_bundle_is_valid_shape_and_reproducible(tmp_path: Path) -> None:
    case, items = _items(tmp_path)
    args = (items, case.info.case_id, case.info.name, case.info.created_utc)
    first, second = export.to_stix(*args), export.to_stix(*args)
    assert first == second
    bundle = json.loads(first)
    assert bundle["type"] == "bundle" and bundle["id"].startswith("bundle--")
    identity = bundle["objects"][0]
    assert identity["type"] == "identity" and identity["spec_version"] == "2.1"
    uuid_re = re.compile(r"^[a-z-]+--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    patterns = {}
    for obj in bundle["objects"][1:]:
        assert obj["type"] == "indicator" and obj["pattern_type"] == "stix"
        assert uuid_re.match(obj["id"]) and obj["created_by_ref"] == identity["id"]
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", obj["valid_from"])
        patterns[obj["name"].split(" ", 1)[0]] = obj["pattern"]
    assert patterns["sha256"].startswith("[file:hashes.'SHA-256' = '")
    assert patterns["ip"] == "[ipv4-addr:value = '192.0.2.44']"
    assert patterns["domain"] == "[domain-name:value = 'evil.example.net']"
    escaped = export.stix_pattern(Indicator("filename", "it's\\x", 1.0, "high", ""))
    assert escaped == "[file:name = 'it\\'s\\\\x']"


def test_loki_files_load_in_the_scanner(tmp_path: Path) -> None:
    _, items = _items(tmp_path)
    written = export.write(items, "loki", tmp_path / "loki", case_id="c", case_name="n", created_utc="")
    assert {p.name for p in written} == {"hash-iocs.txt", "filename-iocs.txt"}
    loaded = loki.load(written)
    assert not loaded.problems
    assert "3f1d8c0b5e2a4f6d7c8b9a0e1f2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5" in loaded.hashes
    assert loaded.name_hits("/var/www/html/uploads/avatar_91.php")
    assert loaded.name_hits("/tmp/.a\nb")  # the newline is an escape in the file, a match in the path
    assert not loaded.name_hits("/var/www/html/uploads/avatar_91.phpx")
    lines = (tmp_path / "loki" / "filename-iocs.txt").read_text().splitlines()
    assert all("\n" not in line for line in lines)
