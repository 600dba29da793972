"""Crash trials: ``xinyong import FILE --unit UNIT`` killed with SIGKILL at random moments.

Each trial imports a new bulk file — new records, corrections of records earlier trials stored, rows
identical to what is stored, and rejected rows — with the real command line against a file-based
database (a SQLite file, or a scratch PostgreSQL database on the server of
``XINYONG_TEST_DATABASE_URL``), kills it at a random moment between the command's start and the end of
a full import (stratified: each trial in its own slice of that time), and then checks:

* no partial batch: either the trial's batch committed whole (its counts exactly those of the file,
  every accepted version there and matching the Merkle roots in the ledger) or nothing of it is
  visible (every table as before the trial);
* no accepted row lost: every batch acknowledged by a commit in an earlier trial still has all its
  versions (count and ledgered roots);
* the audit ledger verifies;
* a re-run of the same command completes; with the same idempotency key it answers the stored batch
  again (``replayed``) if the killed run had committed, and the answer of a further retry is the same:
  no duplicate batch, record or subject.

``make test`` runs 3 trials; ``XINYONG_LONG=1`` (``make long``) runs 20, on SQLite and, in its second
leg, on PostgreSQL. ``XINYONG_CRASH_SEED`` replays a run's kill points (the seed is in every failure).
Helpers (rows, CSV files, counts, the ledger check) are the ingest tests' own (``test_ingest``).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from test_ingest import UNIT, counts, ledger_ok, penalty, uscc, write_csv

from scratch_db import PG_URL, make_platform, scratch_url
from xinyong.services.aggregation import batches, integrity
from xinyong.services.demo.catalog import load_catalog
from xinyong.store.models.records import Record, RecordVersion, RowRejection, SubmissionBatch
from xinyong.store.models.subjects import SubjectIdentifier

LONG = os.environ.get("XINYONG_LONG") == "1"
TRIALS = 20 if LONG else 3
NEW, CORRECTED, SAME, BAD = 1_200, 150, 100, 50   # rows per file, by kind
XINYONG = Path(sys.executable).parent / "xinyong"


@dataclass
class Ledgerbook:
    """What the test knows was acknowledged: committed batches and every record's current content."""

    current: dict[str, dict[str, str]] = field(default_factory=dict)     # record key -> row as stored
    batches: dict[int, int] = field(default_factory=dict)                # batch id -> accepted versions
    subjects: set[str] = field(default_factory=set)
    next_record: int = 0


@pytest.fixture
def database(tmp_path: Path, settings: Any) -> Iterator[Any]:
    """A platform of its own (the command line needs a file-based database), in the suite's jurisdiction."""
    with scratch_url(tmp_path / "db", prefix="xinyong_crash") as url:
        platform = make_platform(url, tmp_path / "data", jurisdiction=settings.jurisdiction)
        load_catalog(platform)
        try:
            yield platform
        finally:
            platform.engine.dispose()


def bad_identifier(n: int) -> str:
    good = uscc(n)
    return good[:-1] + ("0" if good[-1] != "0" else "1")


def trial_file(folder: Path, trial: int, book: Ledgerbook, rng: random.Random) -> tuple[Path, dict[str, Any]]:
    """A CSV of new, corrected, identical and rejected rows (shuffled), and what it should store."""
    rows: list[dict[str, str]] = []
    stored: dict[str, dict[str, str]] = {}
    identifiers: set[str] = set()
    for _ in range(NEW):
        n = book.next_record
        book.next_record += 1
        row = penalty(n, record_key=f"T-{n}", identifier=uscc(100_000 + n % 300),
                      subject_name=f"示范企业{n % 300}有限公司")
        rows.append(row)
        stored[row["record_key"]] = row
        identifiers.add(row["identifier"])
    existing = sorted(book.current)
    touched = rng.sample(existing, min(len(existing), CORRECTED + SAME))
    for key in touched[:CORRECTED]:
        row = dict(book.current[key], fine_amount=str(rng.randrange(10**6)), correction_reason=f"第{trial}轮更正")
        rows.append(row)
        stored[key] = row
    for key in touched[CORRECTED:]:
        rows.append(dict(book.current[key], correction_reason=""))
    for b in range(BAD):
        rows.append(penalty(10**6 + trial * BAD + b, identifier=bad_identifier(b)))
    rng.shuffle(rows)
    corrected = len(touched[:CORRECTED])
    expected = {"rows": len(rows), "accepted": NEW + corrected, "corrected": corrected,
                "unchanged": len(touched[CORRECTED:]), "rejected": BAD, "new_records": NEW,
                "new_subjects": len(identifiers - book.subjects), "stored": stored, "identifiers": identifiers}
    return write_csv(folder / f"trial-{trial}.csv", rows), expected


def command_env(platform: Any) -> dict[str, str]:
    settings = platform.settings
    return {**os.environ, "XINYONG_DATA_DIR": str(settings.data_dir),
            "XINYONG_DATABASE_URL": settings.effective_database_url, "XINYONG_JURISDICTION": settings.jurisdiction,
            "XINYONG_CALENDAR_DIRS": str(settings.data_dir / "calendar"), "XINYONG_LOG_LEVEL": "ERROR"}


def run_import(platform: Any, path: Path, key: str, kill_after: float | None = None) -> tuple[int, str, float]:
    """Run the command; with ``kill_after`` (seconds) SIGKILL it then. Returns (exit code, stdout, seconds)."""
    command = [str(XINYONG), "import", str(path), "--unit", UNIT, "--key", key, "--json"]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=command_env(platform))
    try:
        out, err = child.communicate(timeout=kill_after if kill_after is not None else 300)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=60)
    seconds = time.perf_counter() - started
    if child.returncode not in (0, 1, -signal.SIGKILL):
        raise AssertionError(f"xinyong import failed ({child.returncode}): {err[-2000:]}")
    return child.returncode, out, seconds


def snapshot(platform: Any) -> dict[str, int]:
    numbers = counts(platform)
    with platform.sessions() as session:
        numbers["subject_identifiers"] = session.scalar(select(func.count()).select_from(SubjectIdentifier)) or 0
    return numbers


def batch_for(platform: Any, key: str) -> SubmissionBatch | None:
    with platform.sessions() as session:
        return session.scalars(select(SubmissionBatch).where(SubmissionBatch.unit_code == UNIT,
                                                             SubmissionBatch.idempotency_key == key)).first()


def assert_acknowledged_intact(platform: Any, book: Ledgerbook, where: str) -> None:
    """Every committed batch still has every accepted version, as ledgered; nothing is duplicated."""
    with platform.sessions() as session:
        for batch_id, accepted in book.batches.items():
            stored = session.scalar(select(func.count()).select_from(RecordVersion)
                                    .where(RecordVersion.batch_id == batch_id))
            assert stored == accepted, f"{where}: batch {batch_id} lost versions ({stored} of {accepted})"
            assert integrity.batch_integrity(session, batch_id) == [], f"{where}: batch {batch_id}"
        duplicates = session.execute(select(Record.record_key).group_by(Record.unit_code, Record.item_code,
                                                                         Record.record_key)
                                     .having(func.count() > 1)).all()
        assert duplicates == [], f"{where}: duplicate records"
        keys = session.execute(select(SubmissionBatch.idempotency_key).group_by(
            SubmissionBatch.unit_code, SubmissionBatch.idempotency_key).having(func.count() > 1)).all()
        assert keys == [], f"{where}: duplicate batches"
        current = dict(session.execute(
            select(Record.record_key, RecordVersion.payload)
            .join(RecordVersion, (Record.id == RecordVersion.record_id)
                  & (Record.current_version == RecordVersion.version))).all())
        changed = [key for key, row in book.current.items()
                   if current.get(key, {}).get("fine_amount") != row["fine_amount"]]
        assert changed == [], f"{where}: records not as acknowledged: {changed[:5]}"
    assert ledger_ok(platform), f"{where}: the audit ledger does not verify"


def assert_whole_or_nothing(platform: Any, before: dict[str, int], key: str, expected: dict[str, Any],
                            where: str) -> bool:
    """After a kill: the trial's batch is complete, or nothing of it exists. Returns whether it committed."""
    batch = batch_for(platform, key)
    after = snapshot(platform)
    if batch is None:
        assert after == before, f"{where}: no batch, yet the tables changed: {before} -> {after}"
        return False
    got = {name: getattr(batch, attr) for name, attr in (("rows", "rows_total"), ("accepted", "accepted"),
                                                           ("corrected", "corrected"), ("unchanged", "unchanged"),
                                                           ("rejected", "rejected"))}
    assert got == {k: expected[k] for k in got}, f"{where}: the committed batch is not the file's"
    with platform.sessions() as session:
        rejections = session.scalar(select(func.count()).select_from(RowRejection)
                                    .where(RowRejection.batch_id == batch.id))
        assert integrity.batch_integrity(session, batch.id) == [], f"{where}: partial batch {batch.id}"
    grown = {name: after[name] - before[name] for name in after}
    assert grown == {"submission_batches": 1, "records": expected["new_records"],
                     "record_versions": expected["accepted"], "row_rejections": rejections,
                     "subjects": expected["new_subjects"], "subject_identifiers": expected["new_subjects"]}, \
        f"{where}: the tables grew by {grown}"
    return True


def test_sigkilled_imports_lose_nothing_show_nothing_partial_and_rerun_cleanly(database: Any,
                                                                               tmp_path: Path) -> None:
    platform = database
    seed = int(os.environ.get("XINYONG_CRASH_SEED", str(random.SystemRandom().randrange(10**9))))
    rng = random.Random(seed)
    book = Ledgerbook()

    # Trial 0 is not killed: it stores the records the others correct, and times a whole run.
    path, expected = trial_file(tmp_path, 0, book, rng)
    code, out, full = run_import(platform, path, "trial-0")
    assert code == 1 and json.loads(out.strip().splitlines()[-1])["accepted"] == expected["accepted"]
    acknowledge(book, batch_for(platform, "trial-0"), expected)
    committed_by_kill = 0

    for trial in range(1, TRIALS + 1):
        where = f"trial {trial} (seed {seed})"
        path, expected = trial_file(tmp_path, trial, book, rng)
        key = f"trial-{trial}"
        before = snapshot(platform)
        # Stratified: trial k falls in the k-th slice of the run, so the kills cover start-up, reading,
        # writing, the commit and the moments after it.
        kill_after = 0.3 + (trial - 1 + rng.random()) / TRIALS * (full * 1.05 - 0.3)
        code, _out, _ = run_import(platform, path, key, kill_after=kill_after)
        where += f", killed after {kill_after:.2f}s of a {full:.2f}s run" if code == -signal.SIGKILL \
            else ", finished before the kill"
        committed = assert_whole_or_nothing(platform, before, key, expected, where)
        committed_by_kill += committed and code == -signal.SIGKILL
        if committed:   # acknowledged by its commit, whether or not the command lived to say so
            acknowledge(book, batch_for(platform, key), expected)
        assert_acknowledged_intact(platform, book, where)

        # The operator runs the same command again: it completes, and says the same thing when retried.
        code, out, _ = run_import(platform, path, key)
        answer = json.loads(out.strip().splitlines()[-1])
        assert code == 1 and answer["replayed"] == committed, f"{where}: the re-run answered {answer}"
        assert (answer["accepted"], answer["unchanged"], answer["rejected"]) == (
            expected["accepted"], expected["unchanged"], expected["rejected"]), where
        retry = batches.import_file(platform, ingest_actor(), UNIT, path, key=key)
        assert retry.replayed and {**retry.to_dict(), "replayed": True} == {**answer, "replayed": True}, where
        assert_whole_or_nothing(platform, before, key, expected, where + ", after the re-run")
        acknowledge(book, batch_for(platform, key), expected)
        assert_acknowledged_intact(platform, book, where + ", after the re-run")

    with platform.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SubmissionBatch)) == TRIALS + 1
    print(f"crash trials: {TRIALS} kills (seed {seed}), {committed_by_kill} after the commit, "
          f"full run {full:.2f}s on {'PostgreSQL' if PG_URL else 'SQLite'}")


def acknowledge(book: Ledgerbook, batch: SubmissionBatch | None, expected: dict[str, Any]) -> None:
    assert batch is not None
    book.batches[batch.id] = batch.accepted
    book.current.update(expected["stored"])
    book.subjects |= expected["identifiers"]


def ingest_actor() -> Any:
    from xinyong.domain.identity.actors import Actor, Role

    return Actor(Role.operator, "crash-trials", UNIT)
