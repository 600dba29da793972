"""Storing behind the reading (``services.aggregation.writer``, ``background=True``, off by default,
turned on here): a batch's chunks are stored on a worker thread while the batch's thread validates the
next. The outcome must be the one of storing each chunk as it is
handed over: the same records, versions, corrections and rejections; a failure of the worker is the
batch's failure, with nothing stored; and a batch that fails on its own thread while a chunk is being
stored rolls back only once that write is over."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.subjects.identifiers import uscc_check_character
from xinyong.services.aggregation import batches, notices, writer
from xinyong.services.aggregation.lookups import BatchLookups, granted_items
from xinyong.services.catalog import CatalogIndex
from xinyong.services.demo.catalog import load_catalog
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.records import Record, RecordVersion, RowRejection, SubmissionBatch

ROWS = 2 * writer.CHUNK_ROWS + 700     # three chunks, the last one short


def _uscc(n: int) -> str:
    base = f"91500000{n:09d}"
    return base + uscc_check_character(base)


def _row(n: int, *, key: int | None = None, fine: int | None = None, reason: str = "") -> dict[str, str]:
    key = n if key is None else key
    return {"item": "admin_penalty", "record_key": f"CF-{key}", "identifier": _uscc(key % 97),
            "subject_name": f"示范企业{key % 97}有限公司", "document_kind": "administrative_penalty_decision",
            "document_number": f"罚〔2025〕{key}号", "document_date": "2025-04-01",
            "document_issuer": "市市场监督管理局", "penalty_kinds": "fine",
            "fine_amount": str(1000 + key if fine is None else fine),
            "violation_facts": "未按规定公示年度报告。", "legal_basis": "《企业信息公示暂行条例》第十八条",
            "simplified_procedure": "否", "slight_or_harm_eliminated": "否", "correction_reason": reason}


def _file(path: Path) -> Path:
    """New records, records corrected later in the same file (with a reason, in another chunk), changes
    refused for want of a reason, unchanged repeats, and rows refused by the validator."""
    rows = []
    for n in range(ROWS):
        if n % 50 == 7 and n > writer.CHUNK_ROWS:       # a correction of a record two chunks back
            rows.append(_row(n, key=n - writer.CHUNK_ROWS, fine=5, reason="金额更正"))
        elif n % 50 == 9 and n > 100:                   # a change without its reason
            rows.append(_row(n, key=n - 100, fine=6))
        elif n % 50 == 11 and n > 100:                  # the same content again
            rows.append(_row(n, key=n - 100))
        elif n % 50 == 13:                              # not a number
            rows.append({**_row(n), "fine_amount": "一千元"})
        else:
            rows.append(_row(n))
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    return path


def _outcome(platform: Platform, unit: str) -> dict[str, Any]:
    with platform.sessions() as session:
        versions = session.execute(
            select(Record.record_key, RecordVersion.version, RecordVersion.content_sha256,
                   RecordVersion.source_row, RecordVersion.correction_reason)
            .join(RecordVersion, RecordVersion.record_id == Record.id).where(Record.unit_code == unit)
            .order_by(Record.record_key, RecordVersion.version)).all()
        batch_id = session.scalar(select(SubmissionBatch.id).where(SubmissionBatch.unit_code == unit))
        rejections = session.execute(
            select(RowRejection.row, RowRejection.field, RowRejection.code, RowRejection.message_en)
            .where(RowRejection.batch_id == batch_id).order_by(RowRejection.row, RowRejection.code)).all()
    return {"versions": [tuple(v) for v in versions], "rejections": [tuple(r) for r in rejections]}


def _counts(platform: Platform) -> tuple[int, ...]:
    with platform.sessions() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) or 0
                     for model in (SubmissionBatch, Record, RecordVersion, RowRejection))


def test_storing_behind_the_reading_gives_what_storing_each_chunk_at_once_gives(
        platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_catalog(platform)
    path = _file(tmp_path / "penalties.csv")
    monkeypatch.setattr(writer, "WRITE_BEHIND", True)
    behind = batches.import_file(platform, Actor(Role.providing_unit, "t", "market-regulation"),
                                 "market-regulation", path)
    with monkeypatch.context() as patched:
        patched.setattr(writer, "WRITE_BEHIND", False)
        at_once = batches.import_file(platform, Actor(Role.providing_unit, "t", "tax-bureau"), "tax-bureau", path)
    summary = {k: v for k, v in behind.to_dict().items() if k in ("rows", "accepted", "corrected", "unchanged",
                                                                   "rejected")}
    assert summary == {k: at_once.to_dict()[k] for k in summary}
    assert behind.corrected > 0 and behind.unchanged > 0 and behind.rejected > 0
    assert summary["accepted"] + summary["unchanged"] + summary["rejected"] == ROWS
    assert _outcome(platform, "market-regulation") == _outcome(platform, "tax-bureau")


def test_a_chunk_that_fails_on_the_worker_fails_the_batch_and_stores_nothing(
        platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_catalog(platform)
    path = _file(tmp_path / "penalties.csv")
    before = _counts(platform)
    stored = writer.RecordWriter._store_versions
    calls = []

    def second_fails(self: writer.RecordWriter, versions: list[dict[str, Any]]) -> None:
        calls.append(len(versions))
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        stored(self, versions)

    actor = Actor(Role.providing_unit, "t", "market-regulation")
    monkeypatch.setattr(writer, "WRITE_BEHIND", True)
    with monkeypatch.context() as patched:
        patched.setattr(writer.RecordWriter, "_store_versions", second_fails)
        with pytest.raises(RuntimeError, match="the disk is full"):
            batches.import_file(platform, actor, "market-regulation", path, key="once")
    assert _counts(platform) == before          # not the first chunk, not the batch
    again = batches.import_file(platform, actor, "market-regulation", path, key="once")
    assert again.accepted > 2 * writer.CHUNK_ROWS - 200 and not again.replayed


def test_a_batch_failing_while_a_chunk_is_stored_rolls_back_after_that_write(
        platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_catalog(platform)
    before = _counts(platform)
    stored = writer.RecordWriter._store
    finished: list[int] = []

    def slow(self: writer.RecordWriter, records: list[Any]) -> None:
        time.sleep(0.5)                          # the batch's thread meets its failure meanwhile
        stored(self, records)
        finished.append(len(records))

    def rows() -> Any:
        for n in range(writer.CHUNK_ROWS + 10):
            yield n + 2, _row(n)
        raise Refusal("file", "file_unreadable", "文件第 2012 行之后无法读取", "the file cannot be read after row 2012")

    actor = Actor(Role.providing_unit, "t", "market-regulation")
    monkeypatch.setattr(writer, "WRITE_BEHIND", True)
    with monkeypatch.context() as patched:
        patched.setattr(writer.RecordWriter, "_store", slow)
        with pytest.raises(Refusal, match="cannot be read"):
            batches._run(platform, actor, "market-regulation", key="midway", digest="0" * 64, source="csv",
                         filename="x.csv", rows=rows, fraction=lambda: 0.5, progress=None)
    assert finished == [writer.CHUNK_ROWS]       # the write in flight ended before the rollback
    assert _counts(platform) == before
    summary = batches.submit_rows(platform, actor, "market-regulation", [_row(n) for n in range(20)], key="midway")
    assert summary.accepted == 20


def test_the_batchs_lookups_ask_each_question_once(platform: Platform) -> None:
    """A file names the same subjects row after row; what the validator asks about a subject (its
    recorded prior notice, here) is read once per batch, so that rows do not wait for the writer to
    read the same answer again."""
    load_catalog(platform)
    today = platform.clock.today()
    with platform.unit_of_work(Actor(Role.operator, "t")) as uow:
        notices.record_prior_notice(uow, unit_code="market-regulation", identifier=_uscc(1), item_code="admin_penalty",
                                    reference="GZ-1", served_on=today, subject_name="示范企业1有限公司")
    with platform.sessions() as session:
        lookups = BatchLookups(session, CatalogIndex.load(session, platform.jurisdiction), "market-regulation",
                               granted_items(session, "market-regulation"), today)
        reads: list[str] = []
        lookups.before_read = lambda: reads.append("read")
        assert [lookups.notice_for(_uscc(1), "admin_penalty") for _ in range(50)] == ["GZ-1"] * 50
        assert len(reads) == 1
        assert lookups.notice_for(_uscc(2), "admin_penalty") is None
        assert lookups.notice_recorded("GZ-1", _uscc(1), "admin_penalty")
        assert not lookups.notice_recorded("GZ-2", _uscc(1), "admin_penalty")
        assert lookups.notice_recorded("GZ-1", _uscc(1), "admin_penalty")
        assert len(reads) == 4
