"""One helper writes the JSON that is hashed (``domain.audit.canonical.canonical_json``), and the digests
it now writes are the very bytes written before it: a submission's idempotency key stored then still
replays, a record's stored content digest still matches its content. The anchor file's line is not
canonical JSON and keeps its own format, byte for byte."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from xinyong.domain.aggregation.rows import content_digest
from xinyong.domain.audit.canonical import canonical_json
from xinyong.domain.audit.checkpoints import Checkpoint
from xinyong.services.aggregation.batches import rows_digest
from xinyong.services.audit.anchors import _line, read_checkpoints

ROWS = [
    [{"unit": "u1", "item": "penalty", "subject_name": "示范有限公司", "decision_date": "2026-01-05", "amount": 3}],
    [{"名称": "张三\u00a0", "note": "引号\"与\\反斜杠\n换行", "when": date(2026, 2, 3)},
     {"at": datetime(2026, 2, 3, 4, 5, 6, 7, tzinfo=UTC), "fine": Decimal("1.50"), "ok": True, "none": None}],
    [{"b": [1, 2.5, {"z": 1, "a": "ä"}], "a": float("nan"), "c": "🙂 emoji", "d": 2**70}],
    [],
]


def _old_rows_digest(rows: list) -> str:
    text = json.dumps(rows, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@pytest.mark.parametrize("rows", ROWS)
def test_the_idempotency_digest_of_a_json_submission_is_unchanged(rows):
    assert rows_digest(rows) == _old_rows_digest(rows)


def test_the_idempotency_digest_tells_different_bodies_apart():
    assert rows_digest(ROWS[1]) != rows_digest(ROWS[0])
    assert rows_digest([{"d": date(2026, 2, 3)}]) == rows_digest([{"d": "2026-02-03"}])


@pytest.mark.parametrize("payload", [
    {"subject_name": "示范有限公司", "amount": 3, "decided": "2026-01-05", "ok": False, "note": None},
    {"名称": "张三", "text": "引号\"与\\反斜杠\n换行 🙂", "n": 2**70},
])
def test_a_records_content_digest_is_unchanged(payload):
    old = json.dumps({"item": "penalty", "subject": "91110000100000000X", "fields": payload}, sort_keys=True,
                     ensure_ascii=False, separators=(",", ":"))
    assert content_digest("penalty", "91110000100000000X", payload) == hashlib.sha256(old.encode()).hexdigest()


def test_canonical_json_refuses_nan_unless_asked():
    with pytest.raises(ValueError):
        canonical_json({"a": float("nan")})
    assert canonical_json({"b": float("nan"), "a": "中"}, allow_nan=True) == '{"a":"中","b":NaN}'
    with pytest.raises(TypeError):
        canonical_json({"d": date(2026, 1, 1)})


def test_the_anchor_file_line_keeps_its_format(tmp_path):
    cp = Checkpoint(12, "ab" * 32, datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC), "k-1", "cd" * 64)
    line = _line(cp)
    assert line == (
        '{"at": "2026-03-04T05:06:07.000089Z", "entry_hash": "' + "ab" * 32 + '", "key_id": "k-1", "seq": 12, '
        '"signature": "' + "cd" * 64 + '"}\n').encode()
    path = tmp_path / "ledger-anchors.jsonl"
    path.write_bytes(line)
    assert read_checkpoints(path) == ([cp], [])
