"""Many clients at once: submissions and corrections of the same records, the same new subjects, and
retries with one idempotency key, from many threads through ``services.aggregation`` (and the API).

What must hold however the threads interleave — by row locks and unique constraints, not by luck:

* no record has two current versions: versions of a record are numbered 1..n without a gap or a
  duplicate, and ``current_version`` is n;
* no lost update: every distinct content submitted for a record is one of its versions;
* no duplicate record or subject: one record per (unit, item, key), one subject per identifier;
* the audit ledger verifies, and every batch's ledgered Merkle roots match its stored versions;
* concurrent retries with one key make one batch and get the same answer; the same key with another
  body is refused (``idempotency_conflict``; 409 at the API).

These run on PostgreSQL (``XINYONG_TEST_DATABASE_URL``, as ``.ci/run``'s second leg) where the
threads really overlap, and on SQLite too, where the database serialises the writers (every
transaction begins ``IMMEDIATE``): the same invariants must hold there.

Later workflows (objections, designations …) add their cases here.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from test_ingest import ACTOR, UNIT, counts, ledger_ok, penalty, uscc

from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.aggregation import batches, integrity
from xinyong.services.demo.catalog import load_catalog
from xinyong.services.platform.bootstrap import Platform
from xinyong.services.subjects import registry as subjects
from xinyong.store.models.records import Record, RecordVersion, SubmissionBatch
from xinyong.store.models.subjects import Subject, SubjectIdentifier

THREADS = 8
ROUNDS = 3
KEYS = 6


@pytest.fixture
def catalog(platform: Platform) -> Platform:
    """The demo catalog and units (as in ``test_ingest``): the unit may submit penalties."""
    load_catalog(platform)
    return platform


def run_together(count: int, work: Callable[[int], Any]) -> tuple[list[Any], list[BaseException]]:
    """Run ``work(0..count-1)`` in ``count`` threads released at the same instant."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    failures: list[BaseException] = []

    def target(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = work(n)
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            failures.append(exc)

    threads = [threading.Thread(target=target, args=(n,), name=f"client-{n}") for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a client never finished (deadlock?)"
    return results, failures


def record_invariants(platform: Platform) -> None:
    """One record per key, versions 1..n with the current one n, every batch intact, the ledger whole."""
    with platform.sessions() as session:
        duplicates = session.execute(
            select(Record.unit_code, Record.item_code, Record.record_key, func.count())
            .group_by(Record.unit_code, Record.item_code, Record.record_key).having(func.count() > 1)).all()
        assert duplicates == [], f"duplicate records: {duplicates}"
        for record_id, current in session.execute(select(Record.id, Record.current_version)).all():
            versions = sorted(session.scalars(select(RecordVersion.version)
                                              .where(RecordVersion.record_id == record_id)).all())
            assert versions == list(range(1, len(versions) + 1)), f"record {record_id}: versions {versions}"
            assert current == len(versions), f"record {record_id}: current {current} of {versions}"
        doubled = session.execute(
            select(SubjectIdentifier.kind, SubjectIdentifier.value, func.count())
            .group_by(SubjectIdentifier.kind, SubjectIdentifier.value).having(func.count() > 1)).all()
        assert doubled == [], f"one identifier names several subjects: {doubled}"
        for batch in session.scalars(select(SubmissionBatch.id)).all():
            assert integrity.batch_integrity(session, batch) == [], f"batch {batch}"
    assert ledger_ok(platform)


# --------------------------------------------------------------------------------------------------
# Submitting and correcting the same records
# --------------------------------------------------------------------------------------------------


def test_concurrent_submissions_and_corrections_lose_nothing_and_keep_one_current_version(
        catalog: Platform) -> None:
    """THREADS clients, ROUNDS batches each, every batch touching the same KEYS records in its own order
    with content nobody else sends: every batch must become one version of every record."""
    fresh = [uscc(700 + k) for k in range(KEYS)]   # subjects nobody registered yet: every client names them

    def rows_for(client: int, round_: int) -> list[dict[str, str]]:
        rows = [penalty(900 + k, identifier=fresh[k], subject_name=f"并发企业{k}有限公司",
                        fine_amount=str(10_000 + 1_000 * client + 10 * round_ + k), correction_reason="并发更正")
                for k in range(KEYS)]
        random.Random(client * 100 + round_).shuffle(rows)
        return rows

    def client(n: int) -> list[batches.BatchSummary]:
        return [batches.submit_rows(catalog, Actor(Role.providing_unit, f"client-{n}", UNIT), UNIT,
                                    rows_for(n, r), key=f"client-{n}-round-{r}") for r in range(ROUNDS)]

    answers, failures = run_together(THREADS, client)
    assert not failures, failures
    for summaries in answers:
        for summary in summaries:
            assert (summary.accepted, summary.rejected, summary.unchanged) == (KEYS, 0, 0), summary.errors

    record_invariants(catalog)
    with catalog.sessions() as session:
        records = session.execute(select(Record.id, Record.record_key)
                                  .where(Record.record_key.like("CF-9%"))).all()
        assert len(records) == KEYS
        for record_id, key in records:
            stored = Counter(payload["fine_amount"] for payload in session.scalars(
                select(RecordVersion.payload).where(RecordVersion.record_id == record_id)).all())
            k = int(key.removeprefix("CF-")) - 900
            sent = Counter(str(10_000 + 1_000 * c + 10 * r + k) for c in range(THREADS) for r in range(ROUNDS))
            assert stored == sent, f"{key}: lost or doubled updates"
        named = session.scalar(select(func.count()).select_from(SubjectIdentifier)
                               .where(SubjectIdentifier.value.in_(fresh)))
        assert named == KEYS


def test_identical_content_sent_at_once_is_stored_once(catalog: Platform) -> None:
    """The same new content from every client at once (different keys): one version, the rest unchanged."""
    batches.submit_rows(catalog, ACTOR, UNIT, [penalty(1)])
    correction = [penalty(1, fine_amount="7777", correction_reason="复议更正"), penalty(2)]

    answers, failures = run_together(THREADS, lambda n: batches.submit_rows(catalog, ACTOR, UNIT, correction,
                                                                         key=f"same-content-{n}"))
    assert not failures, failures
    assert sum(a.accepted for a in answers) == 2          # the correction of CF-1 once, the new CF-2 once
    assert sum(a.unchanged for a in answers) == 2 * THREADS - 2
    record_invariants(catalog)
    with catalog.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RecordVersion)) == 3


def test_one_identifier_registered_at_once_is_one_subject(catalog: Platform) -> None:
    identifier = uscc(4242)

    def register(n: int) -> int:
        with catalog.unit_of_work(Actor.system(f"client-{n}")) as uow:
            return subjects.register(uow, identifier=identifier, display_name="同时登记有限公司",
                                     kind="legal_person").id

    ids, failures = run_together(THREADS, register)
    assert not failures, failures
    assert len(set(ids)) == 1
    with catalog.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Subject)) == 1
    assert ledger_ok(catalog)


# --------------------------------------------------------------------------------------------------
# Idempotent retries
# --------------------------------------------------------------------------------------------------


def test_concurrent_identical_retries_make_one_batch_and_one_answer(catalog: Platform) -> None:
    rows = [penalty(i) for i in range(40)] + [penalty(3, identifier="91500000MA5U0AB10X")]

    answers, failures = run_together(THREADS, lambda _n: batches.submit_rows(catalog, ACTOR, UNIT, rows,
                                                                          key="retry-at-once"))
    assert not failures, failures
    first = [a for a in answers if not a.replayed]
    assert len(first) == 1, "exactly one submission is the original"
    original = first[0].to_dict()
    for answer in answers:
        assert {**answer.to_dict(), "replayed": False} == original
    assert counts(catalog)["submission_batches"] == 1
    assert counts(catalog)["records"] == 40
    record_invariants(catalog)


def test_the_same_key_with_different_bodies_at_once_admits_one(catalog: Platform) -> None:
    def submit(n: int) -> Any:
        try:
            return batches.submit_rows(catalog, ACTOR, UNIT, [penalty(500 + n)], key="contested")
        except Refusal as conflict:
            return conflict

    answers, failures = run_together(THREADS, submit)
    assert not failures, failures
    won = [a for a in answers if isinstance(a, batches.BatchSummary)]
    assert len(won) == 1 and not won[0].replayed
    assert all(isinstance(a, Refusal) and a.reason == "idempotency_conflict" and a.status == 409
               and a.extra["batch_id"] == won[0].batch
               for a in answers if a is not won[0])
    assert counts(catalog)["records"] == 1
    record_invariants(catalog)


def test_the_api_answers_a_retry_the_same_and_refuses_another_body_with_409(catalog: Platform) -> None:
    from fastapi.testclient import TestClient

    from xinyong.api.app import create_app
    from xinyong.services.identity import units
    with catalog.unit_of_work(Actor.system("test")) as uow:
        token = units.issue_token(uow, UNIT, scopes=["submit", "batches.read"]).token
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "api-retry"}
    body = {"rows": [penalty(1), penalty(2)]}
    with TestClient(create_app(catalog)) as client:

        def post(_n: int) -> tuple[int, dict[str, Any]]:
            response = client.post("/api/v1/submissions", json=body, headers=headers)
            return response.status_code, response.json()

        answers, failures = run_together(4, post)
        assert not failures, failures
        assert sorted(status for status, _ in answers) == [200, 200, 200, 201]
        batches = {answer["batch"] for _, answer in answers}
        assert len(batches) == 1
        other = client.post("/api/v1/submissions", json={"rows": [penalty(3)]}, headers=headers)
        assert other.status_code == 409, other.text
        assert other.json()["detail"]["reason"] == "idempotency_conflict"
        again = client.post("/api/v1/submissions", json=body, headers=headers)
        assert again.status_code == 200 and again.json()["batch"] in batches and again.json()["replayed"]
    assert counts(catalog)["submission_batches"] == 1 and counts(catalog)["records"] == 2
    record_invariants(catalog)
