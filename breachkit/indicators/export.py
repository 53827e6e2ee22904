"""Indicator exports: CSV, JSON, a STIX 2.1 bundle, and Loki IOC files.

* **JSON**: ``{"format": "breachkit-indicators", "version": 1, "indicators": [...]}`` with
  :meth:`Indicator.to_json` records; ``breachkit hunt`` reads it back with every kind.
* **CSV**: one indicator a row (:data:`CSV_COLUMNS`). Cells that a spreadsheet would run as a
  formula (starting with ``= + - @``, tab or CR) get a leading ``'``, which :func:`load_csv` drops.
* **STIX 2.1** (https://docs.oasis-open.org/cti/stix/v2.1/os/stix-v2.1-os.html): a ``bundle``
  with one ``identity`` (the case) and one ``indicator`` per value, with STIX patterns such as
  ``[file:hashes.'SHA-256' = '…']`` and ``[ipv4-addr:value = '…']``. Ids are UUIDv5 of the
  case id and the value, and times come from the case, so the same case exports the same bytes.
* **Loki** (https://github.com/Neo23x0/Loki, ``signature-base/iocs``): ``hash-iocs.txt``
  (``HASH;COMMENT``) and ``filename-iocs.txt`` (``REGEX;SCORE``), the formats
  :mod:`breachkit.detect.iocs` and ``breachkit scan --iocs`` read too.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from breachkit.indicators.model import Indicator, severity_rank

FORMAT_NAME = "breachkit-indicators"
CSV_COLUMNS = (
    "kind",
    "value",
    "severity",
    "confidence",
    "reason",
    "source_check",
    "source_title",
    "evidence_path",
    "evidence_line",
    "first_seen_ns",
    "last_seen_ns",
    "sha256",
)
#: Namespace of breachkit's STIX ids (a fixed UUIDv5 of the project name).
STIX_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/breachkit/breachkit/stix")
#: Loki scores: an exact attacker path is a strong sign, a bare file name a weaker one.
PATH_SCORE = 80
FILENAME_SCORE = 60
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def to_json(indicators: Sequence[Indicator], case_id: str = "") -> str:
    data = {
        "format": FORMAT_NAME,
        "version": 1,
        "case_id": case_id,
        "indicators": [i.to_json() for i in indicators],
    }
    return json.dumps(data, ensure_ascii=True, indent=2, sort_keys=True) + "\n"


def to_csv(indicators: Sequence[Indicator]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in indicators:
        data = item.to_json()
        writer.writerow([_cell(data.get(column)) for column in CSV_COLUMNS])
    return buffer.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def load_csv(text: str) -> list[Indicator]:
    """Indicators from :func:`to_csv` output; rows that do not parse raise ``ValueError`` with the row number."""
    out: list[Indicator] = []
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), 2):
        data: dict[str, Any] = {}
        for key, cell in row.items():
            if key is None or cell is None or cell == "":
                continue
            if cell.startswith("'") and cell[1:].startswith(_FORMULA):
                cell = cell[1:]
            data[key] = (
                int(cell) if key in {"evidence_line", "first_seen_ns", "last_seen_ns"} and cell.isdigit() else cell
            )
        try:
            out.append(Indicator.from_json(data))
        except ValueError as exc:
            raise ValueError(f"row {number}: {exc}") from None
    return out


def load_json(text: str) -> list[Indicator]:
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME or not isinstance(data.get("indicators"), list):
        raise ValueError(f"not a {FORMAT_NAME} file")
    return [Indicator.from_json(item) for item in data["indicators"] if isinstance(item, dict)]


# -- STIX 2.1 -------------------------------------------------------------------


def _stix_string(value: str) -> str:
    """A STIX pattern string literal: backslash and quote escaped (STIX 2.1 §9.2)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def stix_pattern(item: Indicator) -> str:
    value = _stix_string(item.value)
    if item.kind == "sha256":
        return f"[file:hashes.'SHA-256' = {value}]"
    if item.kind == "sha1":
        return f"[file:hashes.'SHA-1' = {value}]"
    if item.kind == "md5":
        return f"[file:hashes.MD5 = {value}]"
    if item.kind == "filename":
        return f"[file:name = {value}]"
    if item.kind == "path":
        parent, _, name = item.value.rpartition("/")
        return f"[file:name = {_stix_string(name)} AND file:parent_directory_ref.path = {_stix_string(parent or '/')}]"
    if item.kind == "ip":
        family = "ipv6-addr" if ":" in item.value else "ipv4-addr"
        return f"[{family}:value = {value}]"
    if item.kind == "url":
        return f"[url:value = {value}]"
    if item.kind == "domain":
        return f"[domain-name:value = {value}]"
    return f"[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = {value}]"


def _stix_time(ns: int | None, fallback: str) -> str:
    if ns is None:
        return fallback
    moment = datetime.fromtimestamp(ns / 1e9, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _case_time(created_utc: str) -> str:
    try:
        moment = datetime.fromisoformat(created_utc.replace("Z", "+00:00"))
    except ValueError:
        moment = datetime(1970, 1, 1, tzinfo=timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def to_stix(indicators: Sequence[Indicator], case_id: str, case_name: str, created_utc: str) -> str:
    """A STIX 2.1 bundle; identical input gives identical bytes."""
    created = _case_time(created_utc)
    identity_id = f"identity--{uuid.uuid5(STIX_NAMESPACE, 'identity:' + case_id)}"
    objects: list[dict[str, Any]] = [
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": identity_id,
            "created": created,
            "modified": created,
            "name": f"breachkit case {case_name}",
            "identity_class": "system",
        }
    ]
    for item in indicators:
        objects.append(
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": f"indicator--{uuid.uuid5(STIX_NAMESPACE, f'{case_id}:{item.kind}:{item.value}')}",
                "created_by_ref": identity_id,
                "created": created,
                "modified": created,
                "name": f"{item.kind} {item.value}"[:250],
                "description": item.reason + (f" (from {item.source_check})" if item.source_check else ""),
                "indicator_types": ["malicious-activity"],
                "pattern": stix_pattern(item),
                "pattern_type": "stix",
                "valid_from": _stix_time(item.first_seen_ns, created),
                "confidence": max(0, min(100, round(item.confidence * 100))),
                "labels": [item.severity],
            }
        )
    bundle = {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid5(STIX_NAMESPACE, 'bundle:' + case_id + ':' + str(len(indicators)))}",
        "objects": objects,
    }
    return json.dumps(bundle, ensure_ascii=True, indent=2, sort_keys=True) + "\n"


# -- Loki -----------------------------------------------------------------------


def _comment(item: Indicator) -> str:
    # One line per IOC: a newline or ';' from a hostile file name would split it.
    text = f"{item.severity} {item.source_check}: {item.reason}"
    return re.sub(r"[\x00-\x1f\x7f;]", " ", text)


def to_loki(indicators: Sequence[Indicator]) -> dict[str, str]:
    """``{"hash-iocs.txt": ..., "filename-iocs.txt": ...}``."""
    hashes = ["# hash IOCs from breachkit: HASH;COMMENT"]
    names = ["# file-name IOCs from breachkit: REGEX;SCORE"]
    for item in indicators:
        if item.kind in ("sha256", "sha1", "md5"):
            hashes.append(f"{item.value};{_comment(item)}")
        elif item.kind == "path":
            names.append(f"^{_loki_regex(item.value)}\\Z;{_score(item, PATH_SCORE)}")
        elif item.kind == "filename":
            names.append(f"(?:^|/){_loki_regex(item.value)}\\Z;{_score(item, FILENAME_SCORE)}")
    return {"hash-iocs.txt": "\n".join(hashes) + "\n", "filename-iocs.txt": "\n".join(names) + "\n"}


def _loki_regex(value: str) -> str:
    # Control characters and ';' (the field separator) as \xNN escapes, the rest re.escape'd.
    return "".join(f"\\x{ord(ch):02x}" if ord(ch) < 0x20 or ch in ";\x7f" else re.escape(ch) for ch in value)


def _score(item: Indicator, base: int) -> int:
    return min(100, base + 5 * max(0, severity_rank(item.severity) - 2))


def write(
    indicators: Sequence[Indicator], fmt: str, out: Path, *, case_id: str, case_name: str, created_utc: str
) -> list[Path]:
    """Write ``fmt`` to ``out`` (a folder for ``loki``); returns the files written."""
    if fmt == "loki":
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in to_loki(indicators).items():
            (out / name).write_text(text, encoding="utf-8")
            written.append(out / name)
        return written
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        render(indicators, fmt, case_id=case_id, case_name=case_name, created_utc=created_utc), encoding="utf-8"
    )
    return [out]


def render(indicators: Sequence[Indicator], fmt: str, *, case_id: str, case_name: str, created_utc: str) -> str:
    if fmt == "json":
        return to_json(indicators, case_id)
    if fmt == "csv":
        return to_csv(indicators)
    if fmt == "stix":
        return to_stix(indicators, case_id, case_name, created_utc)
    if fmt == "loki":
        files = to_loki(indicators)
        return "".join(f"== {name}\n{text}" for name, text in files.items())
    raise ValueError(f"unknown format {fmt!r}: choose csv, json, stix or loki")
