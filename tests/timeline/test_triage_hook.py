"""The triage hook on a bundle the collector really wrote (hostile names, path_b64 lines and all)."""

from __future__ import annotations

from pathlib import Path

from breachkit import tables
from breachkit.case import open_or_init
from breachkit.host.collect import collect
from breachkit.sources.bundle import BundleSource
from breachkit.timeline import triage_findings
from tests.hostile import HostileRoot


def test_triage_findings_on_a_collected_hostile_bundle(hostile_root: HostileRoot, tmp_path: Path) -> None:
    bundle_dir = tmp_path / "bundle"
    collect(str(hostile_root.path), str(bundle_dir), examiner="test", live=False)
    case = open_or_init(tmp_path / "case", name="hook", examiner="test")
    source = BundleSource(bundle_dir)
    try:
        found = triage_findings(case, source)
    finally:
        source.close()
    walked = sum(1 for line in (bundle_dir / "walk.jsonl").read_bytes().splitlines() if line.strip())
    con = tables.connect(case.root, read_only=True)
    try:
        paths = {row[0] for row in con.execute("SELECT path FROM files").fetchall()}
        assert len(paths) == walked  # every record, the ones DuckDB cannot parse included
        assert "/tmp/bad\\xffdir/bad\\xfe" in paths  # undecodable bytes kept as visible escapes
        assert con.execute("SELECT count(*) FROM fs_events").fetchone()[0] >= walked
    finally:
        con.close()
    checks = {f.check for f in found}
    assert "timeline.temp-executables" in checks  # the .php files in /tmp
    assert "timeline.heatmap" in checks
