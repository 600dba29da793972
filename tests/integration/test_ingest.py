"""Aggregation end to end (``services.aggregation``) on SQLite and PostgreSQL: records and rejections,
idempotent re-import, conflicts, versioned corrections, one current version, verification deadlines,
consents and prior notices, and a crash mid-import that leaves nothing behind."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.subjects.identifiers import citizen_id_check_character, uscc_check_character
from xinyong.services.aggregation import batches, integrity, notices
from xinyong.services.audit import keys, ledger, verification
from xinyong.services.demo.catalog import load_catalog
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.records import Record, RecordVersion, RowRejection, SubmissionBatch
from xinyong.store.models.subjects import Subject

UNIT = "market-regulation"
ACTOR = Actor(Role.providing_unit, "test", UNIT)
OPERATOR = Actor(Role.operator, "test")
COLUMNS = ["item", "record_key", "identifier", "subject_name", "correction_reason", "document_kind",
           "document_number", "document_date", "document_issuer", "penalty_kinds", "fine_amount",
           "violation_facts", "legal_basis", "simplified_procedure", "slight_or_harm_eliminated",
           "conduct_ended"]


def uscc(n: int) -> str:
    base = f"91500000{n:09d}"
    return base + uscc_check_character(base)


def citizen(n: int) -> str:
    base = f"50010219800101{n % 1000:03d}"
    return base + citizen_id_check_character(base)


def penalty(n: int, **changes: str) -> dict[str, str]:
    row = {"item": "admin_penalty", "record_key": f"CF-{n}", "identifier": uscc(n % 50),
           "subject_name": f"示范企业{n % 50}有限公司", "correction_reason": "",
           "document_kind": "administrative_penalty_decision", "document_number": f"罚〔2025〕{n}号",
           "document_date": "2025-04-01", "document_issuer": "市市场监督管理局", "penalty_kinds": "fine",
           "fine_amount": str(1000 + n), "violation_facts": "未按规定公示年度报告。",
           "legal_basis": "《企业信息公示暂行条例》第十八条", "simplified_procedure": "否",
           "slight_or_harm_eliminated": "否", "conduct_ended": "2025-03-15"}
    row.update(changes)
    return row


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def with_jurisdiction(platform: Platform, jurisdiction: str) -> Platform:
    settings = platform.settings.model_copy(update={"jurisdiction": jurisdiction})
    return Platform(settings=settings, engine=platform.engine, clock=platform.clock)


@pytest.fixture
def catalog(platform: Platform) -> Platform:
    load_catalog(platform)
    return platform


def counts(platform: Platform) -> dict[str, int]:
    with platform.sessions() as session:
        return {table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
                for table in (SubmissionBatch, Record, RecordVersion, RowRejection, Subject)}


def ledger_ok(platform: Platform) -> bool:
    with platform.sessions() as session:
        public = keys.load_public_keys(platform.settings.data_dir / "keys")
        return verification.verify(session, public).ok


# --- accepted and rejected rows -------------------------------------------------------------------

def test_rows_become_records_or_rejections_with_reasons(catalog: Platform, tmp_path: Path) -> None:
    rows = [penalty(i) for i in range(5)] + [
        penalty(5, identifier=uscc(5)[:-1] + "0" if uscc(5)[-1] != "0" else uscc(5)[:-1] + "1"),
        penalty(6, document_number=""),
        penalty(7, item="nope"),
    ]
    summary = batches.import_file(catalog, ACTOR, UNIT, write_csv(tmp_path / "rows.csv", rows))
    assert (summary.rows, summary.accepted, summary.rejected, summary.unchanged) == (8, 5, 3, 0)
    assert [(e["row"], e["code"]) for e in summary.errors] == [
        (7, "identifier_invalid"), (8, "legal_document_missing"), (9, "item_unknown")]
    assert summary.verify_due is None and summary.verify_cite is None   # CQ sets no verification limit
    with catalog.sessions() as session:
        stored = session.scalars(select(RowRejection)).all()
        assert {r.row for r in stored} == {7, 8, 9}
        # A rejected row stores nothing of itself: no record, no version, no subject.
        assert session.scalar(select(func.count()).select_from(Record)) == 5
        assert session.scalar(select(func.count()).select_from(Subject)) == 5
        assert all("示范企业" not in r.message_zh + r.message_en for r in stored)
        actions = [e.action for e in ledger.entries(session, entity="submission_batch",
                   entity_id=summary.batch)]
        # decided 2025-04-01, received 2026-03-18: past the 7 working days to publish (the unit's violation)
        assert actions == ["batch.received", "record.accepted", "batch.rejected_rows", "publication.late"]
        assert integrity.batch_integrity(session, summary.batch) == []
    assert ledger_ok(catalog)


def test_awkward_text_is_stored_exactly_as_submitted(catalog: Platform, tmp_path: Path) -> None:
    """Keys and values that mean something to SQL or to array and JSON syntax (on PostgreSQL a chunk
    travels as one array per column) come back exactly as the unit sent them."""
    awkward = ["NULL", 'a"b', "{x,y}", "back\\slash", " 前后空格 ", "null"]
    rows = [penalty(i, record_key=key, violation_facts=f"事实：{key}", document_issuer=f"机关{key}")
            for i, key in enumerate(awkward)]
    summary = batches.import_file(catalog, ACTOR, UNIT, write_csv(tmp_path / "awkward.csv", rows))
    assert (summary.accepted, summary.rejected) == (len(awkward), 0)
    with catalog.sessions() as session:
        stored = session.execute(select(Record.record_key, RecordVersion.payload, RecordVersion.document_issuer)
                                 .join(RecordVersion, RecordVersion.record_id == Record.id)).all()
    by_key = {key: (payload, issuer) for key, payload, issuer in stored}
    assert set(by_key) == {key.strip() for key in awkward}
    for key in awkward:
        payload, issuer = by_key[key.strip()]
        assert payload["violation_facts"].endswith(key.strip())
        assert issuer.startswith("机关")


def test_the_same_file_again_is_answered_the_same_and_stores_nothing(catalog: Platform,
    tmp_path: Path) -> None:
    path = write_csv(tmp_path / "rows.csv", [penalty(i) for i in range(20)] + [penalty(99, item="nope")])
    first = batches.import_file(catalog, ACTOR, UNIT, path)
    before = counts(catalog)
    with catalog.sessions() as session:
        entries = ledger.count(session)
    again = batches.import_file(catalog, ACTOR, UNIT, path)
    assert again.replayed and not first.replayed
    assert again.to_dict() | {"replayed": False} == first.to_dict()
    assert counts(catalog) == before
    with catalog.sessions() as session:
        assert ledger.count(session) == entries


def test_the_same_rows_in_a_new_batch_change_nothing(catalog: Platform, tmp_path: Path) -> None:
    batches.import_file(catalog, ACTOR, UNIT, write_csv(tmp_path / "a.csv", [penalty(i) for i in range(10)]))
    versions = counts(catalog)["record_versions"]
    second = batches.import_file(catalog, ACTOR, UNIT, write_csv(tmp_path / "a.csv",
                                 [penalty(i) for i in range(10)]),
                                 key="another-key")
    assert (second.accepted, second.unchanged, second.rejected) == (0, 10, 0)
    assert counts(catalog)["record_versions"] == versions


def test_the_same_key_with_another_body_is_a_conflict(catalog: Platform, tmp_path: Path) -> None:
    first = batches.import_file(catalog, ACTOR, UNIT, write_csv(tmp_path / "a.csv", [penalty(1)]), key="k-1")
    before = counts(catalog)
    with pytest.raises(Refusal) as conflict:
        batches.import_file(catalog, ACTOR, UNIT, write_csv(tmp_path / "b.csv", [penalty(2)]), key="k-1")
    assert conflict.value.reason == "idempotency_conflict" and conflict.value.status == 409
    assert conflict.value.extra["batch_id"] == first.batch
    with pytest.raises(Refusal) as again:
        batches.submit_rows(catalog, ACTOR, UNIT, [penalty(3)], key="k-1")
    assert again.value.reason == "idempotency_conflict"
    assert counts(catalog) == before


def test_a_refused_file_or_unit_stores_nothing(catalog: Platform, tmp_path: Path) -> None:
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 << 20))
    before = counts(catalog)
    with pytest.raises(Refusal) as refused:
        batches.import_file(catalog, ACTOR, UNIT, bomb)
    assert (refused.value.field, refused.value.reason, refused.value.status) == ("file", "archive", 422)
    with pytest.raises(Refusal) as unknown:
        batches.import_file(catalog, ACTOR, "no-such-unit", write_csv(tmp_path / "a.csv", [penalty(1)]))
    assert (unknown.value.reason, unknown.value.status) == ("unit_not_found", 404)
    late = tmp_path / "late.csv"
    late.write_bytes(write_csv(tmp_path / "ok.csv",
                     [penalty(i) for i in range(400)]).read_bytes() + b"\xff\xfe,\n")
    with pytest.raises(Refusal) as undecodable:
        batches.import_file(catalog, ACTOR, UNIT, late)
    assert undecodable.value.reason == "encoding"
    assert counts(catalog) == before


# --- corrections and versions ---------------------------------------------------------------------

def test_a_correction_is_a_new_version_and_history_is_kept(catalog: Platform) -> None:
    batches.submit_rows(catalog, ACTOR, UNIT, [penalty(1)])
    refused = batches.submit_rows(catalog, ACTOR, UNIT, [penalty(1, fine_amount="5000")])
    assert refused.rejected == 1 and refused.errors[0]["code"] == "correction_reason_required"
    corrected = batches.submit_rows(catalog, ACTOR, UNIT,
                                    [penalty(1, fine_amount="5000", correction_reason="复议变更罚款金额")])
    assert (corrected.accepted, corrected.corrected) == (1, 1)
    # Without a key the same body would be a replay of the refused batch; with one it is a new batch.
    same = batches.submit_rows(catalog, ACTOR, UNIT, [penalty(1, fine_amount="5000")], key="later")
    assert same.unchanged == 1
    with catalog.sessions() as session:
        record = session.scalars(select(Record)).one()
        history = session.scalars(select(RecordVersion).where(RecordVersion.record_id == record.id)
                                  .order_by(RecordVersion.version)).all()
        assert record.current_version == 2
        assert [v.version for v in history] == [1, 2]
        assert [v.payload["fine_amount"] for v in history] == ["1001", "5000"]
        assert history[1].correction_reason == "复议变更罚款金额" and history[0].correction_reason is None
        assert history[0].document_number == "罚〔2025〕1号" and history[0].document_date == date(2025, 4, 1)
        assert history[0].conduct_ended == date(2025, 3, 15)
        actions = [e.action for e in ledger.entries(session, entity="submission_batch",
                   entity_id=corrected.batch)]
        assert "record.corrected" in actions
        assert integrity.batch_integrity(session, corrected.batch) == []


def test_two_current_versions_are_impossible_by_constraint(catalog: Platform) -> None:
    summary = batches.submit_rows(catalog, ACTOR, UNIT, [penalty(1)])
    with catalog.sessions() as session, pytest.raises(IntegrityError):
        with session.begin():
            record_id = session.scalar(select(Record.id))
            session.execute(insert(RecordVersion), {
                "record_id": record_id, "version": 1, "payload": {}, "content_sha256": "0" * 64,
                "correction_reason": "x", "batch_id": summary.batch, "created_at": catalog.clock.now()})


def test_a_tampered_version_is_detected_against_the_ledger(catalog: Platform) -> None:
    summary = batches.submit_rows(catalog, ACTOR, UNIT, [penalty(i) for i in range(3)])
    with catalog.sessions() as session, session.begin():
        session.execute(text("UPDATE record_versions SET content_sha256 = :d WHERE source_row = 2"),
                        {"d": "f" * 64})
    with catalog.sessions() as session:
        assert integrity.batch_integrity(session, summary.batch)


def test_concurrent_corrections_of_one_record_leave_one_current_version(catalog: Platform) -> None:
    batches.submit_rows(catalog, ACTOR, UNIT, [penalty(1)])
    failures: list[BaseException] = []

    def correct(n: int) -> None:
        try:
            batches.submit_rows(catalog, ACTOR, UNIT, [penalty(1, fine_amount=str(2000 + n),
                                correction_reason=f"第{n}次更正")])
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=correct, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    with catalog.sessions() as session:
        record = session.scalars(select(Record)).one()
        versions = session.scalars(select(RecordVersion.version)
                                   .where(RecordVersion.record_id == record.id)).all()
    assert sorted(versions) == list(range(1, 8))
    assert record.current_version == 7


def test_concurrent_retries_with_one_key_make_one_batch(catalog: Platform) -> None:
    answers: list[int] = []
    failures: list[BaseException] = []

    def submit() -> None:
        try:
            answers.append(batches.submit_rows(catalog, ACTOR, UNIT, [penalty(i) for i in range(30)],
                           key="retry").batch)
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert len(set(answers)) == 1
    assert counts(catalog)["submission_batches"] == 1 and counts(catalog)["records"] == 30


# --- the verification duty ------------------------------------------------------------------------

@pytest.mark.parametrize(("jurisdiction", "due", "cite"), [
    ("gansu-2021", date(2026, 3, 25), "GS Art. 22(2)"),      # 5 working days from Wed 18 March 2026
    ("hubei-2017-draft", date(2026, 3, 23), "HB Art. 15"),   # 3 days: Sat 21, so the next working day
    ("chongqing-2021", None, None),                          # no time limit in the regulation
])
def test_each_batch_carries_its_verification_deadline(platform: Platform, jurisdiction: str, due: date | None,
                                                      cite: str | None) -> None:
    local = with_jurisdiction(platform, jurisdiction)
    load_catalog(local)
    summary = batches.submit_rows(local, ACTOR, UNIT, [penalty(1)])
    assert (summary.verify_due, summary.verify_cite) == (due, cite)
    verified = batches.verify_batch(local, OPERATOR, summary.batch)
    assert verified.status == "verified" and verified.verified_at is not None
    assert batches.verify_batch(local, OPERATOR, summary.batch).verified_at == verified.verified_at
    with local.sessions() as session:
        [entry] = [e for e in ledger.entries(session, entity="submission_batch", entity_id=summary.batch)
                   if e.action == "batch.verified"]
        assert entry.facts_dict()["on_time"] is (None if due is None else True)


# --- consents and prior notices -------------------------------------------------------------------

def test_a_recorded_prior_notice_lets_untrustworthiness_in(platform: Platform) -> None:
    hubei = with_jurisdiction(platform, "hubei-2017-draft")
    load_catalog(hubei)
    refused = batches.submit_rows(hubei, ACTOR, UNIT, [penalty(1, prior_notice_reference="告知〔2026〕1号")])
    assert refused.errors[0]["code"] == "prior_notice_missing"
    assert "HB Art. 22" in refused.errors[0]["message_en"]
    with hubei.unit_of_work(ACTOR) as uow:
        notices.record_prior_notice(uow, unit_code=UNIT, identifier=uscc(1), subject_name="示范企业1有限公司",
                                    item_code="admin_penalty", reference="告知〔2026〕1号",
                                    served_on=date(2026, 3, 1))
    # The same body again would be answered as before (a replay): the resubmission takes a new key.
    accepted = batches.submit_rows(hubei, ACTOR, UNIT, [penalty(1, prior_notice_reference="告知〔2026〕1号")],
                                   key="after-notice")
    assert accepted.accepted == 1
    # A row that cites no notice (the national double-publicity standard has no column for it) is let in by
    # the unit's recorded notice to that subject on that item; a subject never notified is still refused.
    bare = batches.submit_rows(hubei, ACTOR, UNIT, [penalty(51), penalty(2)], key="no-reference")
    assert bare.accepted == 1 and [(e["row"], e["code"]) for e in bare.errors] == [(2, "prior_notice_missing")]
    # the subject has the written notice on the platform too: which unit, which information, the article
    from xinyong.services import notices as written
    from xinyong.services.notices.render import render_html
    from xinyong.services.subjects import registry

    with hubei.unit_of_work(ACTOR) as uow:
        subject_id = registry.find_by_identifier(uow, uscc(1)).id
    with hubei.sessions() as session:
        (notice,) = written.notices_of_subject(session, subject_id)
        assert notice.kind == "prior_notice" and notice.facts["reference"] == "告知〔2026〕1号"
        assert notice.facts["cites"]["aggregation.prior_notice"].startswith("HB Art. 22")
        zh, en = render_html(hubei, session, notice, "zh"), render_html(hubei, session, notice, "en")
    assert "失信信息归集事先告知书" in zh and "告知〔2026〕1号" in zh and "2026-03-01" in zh and "草案" in zh
    assert "Prior Notice of Untrustworthiness Information" in en and "HB Art. 22" in en


def test_consents_are_recorded_for_natural_persons_only(catalog: Platform) -> None:
    with catalog.unit_of_work(ACTOR) as uow:
        consent = notices.record_consent(uow, identifier=citizen(1), subject_name="张三", reference="同意-1",
                                         categories=["income"], given_on=date(2026, 3, 1), scope="信用评价")
        assert consent > 0
    with pytest.raises(Refusal, match="unknown data categories"), catalog.unit_of_work(ACTOR) as uow:
        notices.record_consent(uow, identifier=citizen(1), reference="同意-2", categories=["not_a_category"],
                               given_on=date(2026, 3, 1))


# --- a crash mid-import ---------------------------------------------------------------------------

CRASH_SCRIPT = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime
    from xinyong.domain.identity.actors import Actor, Role
    from xinyong.domain.platform.clock import FixedClock
    from xinyong.services.aggregation import batches
    from xinyong.services.platform.bootstrap import Platform
    from xinyong.settings import Settings

    settings = Settings(data_dir=sys.argv[1], database_url=sys.argv[2], jurisdiction="chongqing-2021",
                        calendar_dirs=sys.argv[1] + "/calendar")
    platform = Platform.from_settings(settings, clock=FixedClock(datetime(2026, 3, 18, 2, 0, tzinfo=UTC)))

    def progress(rows, fraction):
        print(rows, flush=True)

    summary = batches.import_file(platform, Actor(Role.providing_unit, "crash", "market-regulation"),
                                  "market-regulation", sys.argv[3], progress=progress)
    print("done", summary.batch, summary.accepted, flush=True)
""")


def _run_import(platform: Platform, path: Path, kill_after_rows: int | None) -> str:
    command = [sys.executable, "-c", CRASH_SCRIPT, str(platform.settings.data_dir),
               platform.settings.effective_database_url, str(path)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "XINYONG_LOG_LEVEL": "ERROR"})
    assert child.stdout is not None
    output = []
    for line in child.stdout:
        output.append(line)
        if kill_after_rows is not None and line.strip().isdigit() and int(line) >= kill_after_rows:
            child.send_signal(signal.SIGKILL)
            break
    child.wait(timeout=120)
    if kill_after_rows is None:
        assert child.returncode == 0, child.stderr.read() if child.stderr else ""
    else:
        assert child.returncode == -signal.SIGKILL
    return "".join(output)


def _crash_file(tmp_path: Path) -> Path:
    rows = [penalty(i) for i in range(5_000)] + [penalty(1, fine_amount="1", correction_reason="更正")]
    return write_csv(tmp_path / "big.csv", rows)


def _killed_then_completed(platform: Platform, path: Path, kill_points: list[int]) -> None:
    before = counts(platform)
    for kill_after in kill_points:
        _run_import(platform, path, kill_after_rows=kill_after)
        # No batch, record, version, rejection or subject: nothing before the commit is visible.
        assert counts(platform) == before, f"killed after {kill_after} rows"
        assert ledger_ok(platform)
    assert "done" in _run_import(platform, path, kill_after_rows=None)
    after = counts(platform)
    assert after["submission_batches"] == 1 and after["records"] == 5_000
    assert after["record_versions"] == 5_001
    assert ledger_ok(platform)
    with platform.sessions() as session:
        batch = session.scalar(select(SubmissionBatch.id))
        assert integrity.batch_integrity(session, batch) == []
        duplicates = session.execute(select(Record.record_key).group_by(Record.unit_code, Record.item_code,
                                                                         Record.record_key)
                                     .having(func.count() > 1)).all()
        assert duplicates == []
    replay = batches.import_file(platform, ACTOR, UNIT, path)
    assert replay.replayed and replay.accepted == 5_001


def test_a_killed_import_leaves_nothing_and_a_rerun_completes(catalog: Platform, tmp_path: Path) -> None:
    _killed_then_completed(catalog, _crash_file(tmp_path), [2_000, 4_000])


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("XINYONG_SLOW_TESTS"), reason="long run: set XINYONG_SLOW_TESTS=1")
def test_twenty_kills_at_random_points(catalog: Platform, tmp_path: Path) -> None:
    import random

    points = sorted(random.Random(os.getpid()).randrange(1, 5_000) for _ in range(20))
    _killed_then_completed(catalog, _crash_file(tmp_path), points)


def test_a_busy_sqlite_writer_answers_retry_later_and_stores_nothing(catalog: Platform) -> None:
    if catalog.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has row locks, not one database-wide writer")
    import sqlite3

    from sqlalchemy import event

    @event.listens_for(catalog.engine, "connect")
    def _impatient(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA busy_timeout=200")

    catalog.engine.dispose()
    holder = sqlite3.connect(catalog.engine.url.database, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Refusal) as busy:
            batches.submit_rows(catalog, ACTOR, UNIT, [penalty(1)])
        assert (busy.value.reason, busy.value.status, busy.value.headers) == ("busy", 503, {"Retry-After": "30"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert counts(catalog)["submission_batches"] == 0


def test_no_catalog_in_force_refuses_the_batch_whole_without_using_up_its_key(catalog: Platform) -> None:
    """A reason of the platform's own configuration (no catalog in force for the regulation it runs under) is
    no row's fault: the batch is refused whole, nothing is stored, and the same key is accepted once a
    catalog is in force (it used to be answered, forever, with the first all-refused batch)."""
    shanghai = with_jurisdiction(catalog, "shanghai-2017")       # the units exist; Shanghai's catalog not yet
    before = counts(shanghai)
    with pytest.raises(Refusal) as refused:
        batches.submit_rows(shanghai, ACTOR, UNIT, [penalty(1)], key="first-try")
    assert refused.value.reason == "no_catalog_in_force" and refused.value.status == 503
    assert "shanghai-2017" in refused.value.message_en and "幂等键" in refused.value.message_zh
    assert counts(shanghai) == before
    load_catalog(shanghai)
    accepted = batches.submit_rows(shanghai, ACTOR, UNIT, [penalty(1)], key="first-try")
    assert accepted.accepted == 1 and not accepted.replayed
