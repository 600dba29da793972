"""Aggregation: providing units submit rows (JSON) or bulk files (CSV, XLSX, JSONL); each row becomes a
record or a rejection with its reasons.

One batch is one database transaction. The rows stream from the reader through the validator
(``domain.validation``) into chunked inserts (``CHUNK_ROWS`` at a time: SQLAlchemy Core executemany
on SQLite, one array per column through ``unnest`` on PostgreSQL),
so a million-row file never sits in memory: only counters, one chunk and a bounded cache of subject
ids do. Nothing is visible, and nothing is acknowledged, before the commit; a crash at any point leaves
no batch, no record, no version and no rejection behind, and the same submission can simply be sent
again.

Idempotency
    A batch is keyed per unit by the client's idempotency key, or, without one, by ``sha256:<digest>``
    of the content (the file's bytes, or the canonical JSON of the rows). The same key with the same
    content returns the first answer (``replayed``); the same key with other content is refused
    (``IdempotencyConflict``, 409). A unique constraint on (unit, key) decides concurrent retries:
    the loser waits for the winner's commit and then returns its answer.

Records and versions
    A record is (unit, catalog item, the unit's own record key), unique. A row whose record exists
    with identical content (``domain.validation.content_digest``) adds nothing (``unchanged``); with
    different content it is a correction: a new version with its reason (``correction_reason``,
    required), the old versions kept. The record row is locked (``SELECT … FOR UPDATE`` on
    PostgreSQL; SQLite serialises writers) before its current version is read, and (record, version)
    is unique, so a record never has two current versions.

Verification duty (``aggregation.verify``: working or calendar days, per rule file)
    Each batch carries ``verify_due`` counted by the working-day calendar from the rule
    ``aggregation.verify`` in force; where the regulation sets no time limit the batch records that
    (no due date, no citation) instead of guessing. ``verify_batch`` marks the verification done.

Ledger
    ``batch.received`` and, when rows were refused, ``batch.rejected_rows`` (counts per reason) per
    batch; ``subject.registered`` per new subject (by ``services.subjects``). Accepted records are
    ledgered per chunk, not per row: one ``record.accepted`` entry per chunk holds the count, the
    range of input rows it covers and a Merkle root (``merkle_root``) over the chunk's
    (record id, version, content digest) leaves in row order, and one ``record.corrected`` entry the
    same for the chunk's corrections. The per-record digests stay in ``record_versions``;
    ``batch_integrity`` recomputes every root from them and compares it with the ledger, so a changed,
    added or removed version is detected as surely as with one entry per record, with one append per
    chunk of ``CHUNK_ROWS`` rows instead of one per row. The entries are appended at the end of the
    batch, just before the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from xinyong.domain.aggregation.validation import (
    AggregationLaw,
    Cited,
    ItemRefusal,
    RowError,
    RowValidator,
    ValidRecord,
)
from xinyong.domain.catalog.items import CatalogItemSpec
from xinyong.domain.identity.actors import Actor
from xinyong.domain.subjects.identifiers import IdentifierKind, check_identifier
from xinyong.logging import get_logger
from xinyong.services.aggregation import files
from xinyong.services.catalog.versions import CatalogIndex, CatalogRefusal
from xinyong.services.platform.bootstrap import Platform, UnitOfWork
from xinyong.services.subjects import registry as subjects
from xinyong.store.models.records import (
    Consent,
    PriorNotice,
    Record,
    RecordVersion,
    RowRejection,
    SubmissionBatch,
)
from xinyong.store.models.subjects import Subject, SubjectIdentifier

CHUNK_ROWS = 2000
PROGRESS_ROWS = 500
SUMMARY_ERRORS = 100
MAX_JSON_ROWS = 10_000
SUBJECT_CACHE_LIMIT = 200_000

Progress = Callable[[int, float], None]   # (rows read so far, fraction of the input read)

_RECORDS: Table = Record.__table__  # type: ignore[assignment]
_VERSIONS: Table = RecordVersion.__table__  # type: ignore[assignment]
_REJECTIONS: Table = RowRejection.__table__  # type: ignore[assignment]

log = get_logger(__name__)


# ---------------------------------------------------------------------------------------------------
# Errors and answers
# ---------------------------------------------------------------------------------------------------


class SubmissionError(Exception):
    """A refused submission (nothing stored): HTTP status, reason code, field, both messages."""

    status = 422

    def __init__(self, code: str, message_zh: str, message_en: str, field: str | None = None) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "reason": self.code, "message_zh": self.message_zh,
                "message_en": self.message_en}


class IdempotencyConflict(SubmissionError):
    status = 409

    def __init__(self, key: str, batch_id: int) -> None:
        super().__init__("idempotency_conflict",
                         f"幂等键 {key[:80]} 已用于内容不同的批次 {batch_id}",
                         f"the idempotency key {key[:80]!r} was used for batch {batch_id} "
                         "with a different body",
                         "Idempotency-Key")
        self.batch_id = batch_id


class BatchNotFound(SubmissionError):
    status = 404

    def __init__(self, batch_id: int) -> None:
        super().__init__("batch_not_found", f"没有编号为 {batch_id} 的批次", f"there is no batch {batch_id}",
                         "batch")


class Busy(SubmissionError):
    """SQLite's one writer is busy (another batch is being imported): nothing was stored; retry."""

    status = 503

    def __init__(self) -> None:
        super().__init__("busy", "平台正在写入另一批数据，请稍后重试（本次未保存任何内容）",
                         "the platform is writing another batch: retry later (nothing was stored)")


class UnitUnknown(SubmissionError):
    status = 404

    def __init__(self, unit_code: str) -> None:
        super().__init__("unit_not_found", f"没有代码为 {unit_code[:64]} 的在用信息提供单位",
                         f"there is no active providing unit {unit_code[:64]!r}", "unit")


def _file_refused(exc: files.FileRefused) -> SubmissionError:
    return SubmissionError(exc.code, exc.message_zh, exc.message_en, "file")


@dataclass
class BatchSummary:
    """What a unit is told about its batch (the same answer on every replay)."""

    batch: int
    unit: str
    status: str
    source: str
    filename: str | None
    rows: int
    accepted: int
    corrected: int
    unchanged: int
    rejected: int
    errors: list[dict[str, Any]]
    errors_total: int
    received_at: datetime
    verify_due: date | None
    verify_cite: str | None
    verified_at: datetime | None
    replayed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch, "unit": self.unit, "status": self.status, "source": self.source,
            "filename": self.filename, "rows": self.rows, "accepted": self.accepted,
            "corrected": self.corrected, "unchanged": self.unchanged, "rejected": self.rejected,
            "errors": self.errors, "errors_total": self.errors_total,
            "errors_shown": len(self.errors),
            "received_at": self.received_at.isoformat(),
            "verify_due": self.verify_due.isoformat() if self.verify_due else None,
            "verify_cite": self.verify_cite,
            "verified_at": self.verified_at.isoformat() if self.verified_at else None,
            "replayed": self.replayed,
        }


def _summary(session: Session, batch: SubmissionBatch, *, replayed: bool = False,
             max_errors: int = SUMMARY_ERRORS) -> BatchSummary:
    errors = list(_rejections(session, batch.id, limit=max_errors))
    total = session.scalar(select(func.count(RowRejection.id)).where(RowRejection.batch_id == batch.id)) or 0
    return BatchSummary(batch.id, batch.unit_code, batch.status, batch.source, batch.filename,
                        batch.rows_total, batch.accepted, batch.corrected, batch.unchanged, batch.rejected,
                        errors, total, batch.received_at, batch.verify_due, batch.verify_cite,
                        batch.verified_at, replayed)


def _rejections(session: Session, batch_id: int, *, limit: int | None = None) -> Iterator[dict[str, Any]]:
    stmt = (select(RowRejection.row, RowRejection.field, RowRejection.code, RowRejection.message_zh,
                   RowRejection.message_en)
            .where(RowRejection.batch_id == batch_id).order_by(RowRejection.row, RowRejection.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    for r in session.execute(stmt.execution_options(yield_per=1000)):
        yield {"row": r.row, "field": r.field, "code": r.code, "message_zh": r.message_zh,
               "message_en": r.message_en}


# ---------------------------------------------------------------------------------------------------
# The law in force
# ---------------------------------------------------------------------------------------------------

_LAW_KEYS = {
    "catalog_required": "aggregation.catalog_required",
    "legal_effect_document": "aggregation.legal_effect_document",
    "exclude_simplified_procedure": "aggregation.exclude_simplified_procedure",
    "exclude_slight_or_remedied": "aggregation.exclude_slight_or_remedied",
    "forbidden": "data.forbidden",
    "consent_only": "data.consent_only",
    "prior_notice": "aggregation.prior_notice",
}


def _rule(platform: Platform, key: str, on: date) -> Any | None:
    """The rule value in force, or None where the regulation provides none (never a default)."""
    from xinyong.rules.errors import RuleLookupError

    try:
        return platform.rulebook.get(platform.jurisdiction).value(key, on)
    except RuleLookupError:
        return None


def law_in_force(platform: Platform, on: date) -> AggregationLaw:
    values: dict[str, Cited | None] = {}
    for name, key in _LAW_KEYS.items():
        found = _rule(platform, key, on)
        values[name] = Cited(found.value, found.citation) if found is not None else None
    return AggregationLaw(platform.jurisdiction, **values)


# ---------------------------------------------------------------------------------------------------
# Lookups for the validator
# ---------------------------------------------------------------------------------------------------

_CATALOG_CODES = {"not_in_catalog": "item_unknown", "not_in_force": "item_not_in_force"}


class _Lookups:
    def __init__(self, session: Session, index: CatalogIndex, unit_code: str, granted: frozenset[str],
                 on: date) -> None:
        self.session = session
        self.index = index
        self.unit_code = unit_code
        self.granted = granted
        self.on = on

    def item(self, code: str) -> CatalogItemSpec | ItemRefusal:
        try:
            spec = self.index.item(code, self.on)
        except CatalogRefusal as refusal:
            return ItemRefusal(_CATALOG_CODES.get(refusal.code, "item_unknown"), refusal.message_zh,
                               refusal.message_en)
        if code not in self.granted:
            return ItemRefusal("unit_not_granted", f"本单位（{self.unit_code}）未获准报送信息事项 {code}",
                               f"this unit ({self.unit_code}) may not submit the item {code}")
        return spec

    def consent_recorded(self, reference: str, identifier: str, categories: frozenset[str]) -> bool:
        rows = self.session.execute(
            select(Consent.categories)
            .join(SubjectIdentifier, SubjectIdentifier.subject_id == Consent.subject_id)
            .where(SubjectIdentifier.value == identifier, Consent.reference == reference,
                   Consent.given_on <= self.on, Consent.withdrawn_on.is_(None))
        ).scalars().all()
        return any(categories <= set(found) for found in rows)

    def notice_recorded(self, reference: str, identifier: str, item_code: str) -> bool:
        return self.session.execute(
            select(PriorNotice.id)
            .join(SubjectIdentifier, SubjectIdentifier.subject_id == PriorNotice.subject_id)
            .where(SubjectIdentifier.value == identifier, PriorNotice.reference == reference,
                   PriorNotice.unit_code == self.unit_code, PriorNotice.item_code == item_code,
                   PriorNotice.served_on <= self.on).limit(1)
        ).first() is not None


def _granted_items(session: Session, unit_code: str) -> frozenset[str]:
    from xinyong.services.identity import units
    try:
        view = units.get_unit(session, unit_code)
    except units.UnitNotFound:
        raise UnitUnknown(unit_code) from None
    if not view.active:
        raise UnitUnknown(unit_code)
    return frozenset(view.items)


# ---------------------------------------------------------------------------------------------------
# Merkle roots over accepted versions
# ---------------------------------------------------------------------------------------------------


def merkle_leaf(record_id: int, version: int, digest: str) -> bytes:
    return hashlib.sha256(b"\x00" + f"{record_id}:{version}:{digest}".encode()).digest()


def merkle_root(leaves: Iterable[bytes]) -> str:
    """RFC 6962-style root (leaves prefixed 0x00, nodes 0x01; an odd node is carried up)."""
    level = list(leaves)
    if not level:
        return hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        paired = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
                  for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0].hex()


# ---------------------------------------------------------------------------------------------------
# The batch writer
# ---------------------------------------------------------------------------------------------------


@dataclass
class _Counters:
    rows: int = 0
    accepted: int = 0
    corrected: int = 0
    unchanged: int = 0
    rejected: int = 0
    codes: Counter[str] = field(default_factory=Counter)


class _BatchWriter:
    def __init__(self, uow: UnitOfWork, batch: SubmissionBatch, version_id: int | None) -> None:
        self.uow = uow
        self.session = uow.session
        self.batch_id = batch.id
        self.unit_code = batch.unit_code
        self.version_id = version_id
        self.now = uow.platform.clock.now()
        self.counters = _Counters()
        self.pending: list[ValidRecord] = []
        self.pending_keys: set[tuple[str, str]] = set()
        self.rejections: list[dict[str, Any]] = []
        self.subjects: dict[tuple[str, str], tuple[int, str]] = {}
        self.chunk_entries: list[tuple[str, dict[str, Any]]] = []
        dialect = self.session.get_bind().dialect.name
        if dialect not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"unsupported database: {dialect}")
        self.postgresql = dialect == "postgresql"
        if self.postgresql:
            # Plan each lookup for its own arrays. psycopg prepares a statement after a few runs, and
            # PostgreSQL may then switch to a generic plan made without the tables' statistics (which a
            # large import outgrows before autovacuum can see its rows): measured, a scan per chunk.
            # Its inserts are the ``PG_INSERT_*`` statements below.
            self.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        # SQLite: Core executemany.
        self._insert_records = (
            sqlite.insert(_RECORDS)
            .on_conflict_do_nothing(index_elements=["unit_code", "item_code", "record_key"])
            .returning(_RECORDS.c.id, _RECORDS.c.item_code, _RECORDS.c.record_key)
        )
        self._insert_versions = insert(_VERSIONS)
        self._update_records = (
            update(_RECORDS).where(_RECORDS.c.id == bindparam("_id"))
            .values(current_version=bindparam("_version"), subject_id=bindparam("_subject"),
                    catalog_version_id=bindparam("_catalog"), category=bindparam("_category"),
                    disclosure_class=bindparam("_disclosure"), updated_at=bindparam("_at"))
        )

    # -- rows in ------------------------------------------------------------------------------------

    def reject(self, errors: list[RowError]) -> None:
        self.counters.rejected += 1
        for error in errors:
            self.counters.codes[error.code] += 1
            self.rejections.append({"batch_id": self.batch_id, "row": error.row, "field": error.field,
                                    "code": error.code, "message_zh": error.message_zh,
                                    "message_en": error.message_en})
        if len(self.rejections) >= CHUNK_ROWS:
            self.flush_rejections()

    def accept(self, record: ValidRecord) -> None:
        key = (record.item.code, record.record_key)
        if key in self.pending_keys:
            self.flush()   # the same record twice in one chunk: the second sees the first
        self.pending.append(record)
        self.pending_keys.add(key)
        if len(self.pending) >= CHUNK_ROWS:
            self.flush()

    def flush_rejections(self) -> None:
        if not self.rejections:
            return
        if self.postgresql:
            rows = self.rejections
            self.session.execute(PG_INSERT_REJECTIONS, {
                "batch": self.batch_id, "rows": [r["row"] for r in rows], "fields": [r["field"] for r in rows],
                "codes": [r["code"] for r in rows], "zh": [r["message_zh"] for r in rows],
                "en": [r["message_en"] for r in rows]})
        else:
            self.session.execute(insert(_REJECTIONS), self.rejections)
        self.rejections = []

    # -- one chunk ----------------------------------------------------------------------------------

    def _look_up_subjects(self, records: list[ValidRecord]) -> None:
        """Find the registered subjects of the records (into ``self.subjects``), registering none."""
        if len(self.subjects) > SUBJECT_CACHE_LIMIT:
            self.subjects.clear()
        missing: dict[str, set[str]] = {}
        for r in records:
            if (r.identifier_kind, r.identifier) not in self.subjects:
                missing.setdefault(r.identifier_kind, set()).add(r.identifier)
        for identifier_kind, values in missing.items():   # by kind: the (kind, value) index answers
            if self.postgresql:
                found = self.session.execute(_PG_SUBJECTS, {"kind": identifier_kind, "values": sorted(values)})
            else:
                found = self.session.execute(
                    select(SubjectIdentifier.value, SubjectIdentifier.subject_id, Subject.kind)
                    .join(Subject, Subject.id == SubjectIdentifier.subject_id)
                    .where(SubjectIdentifier.kind == identifier_kind, SubjectIdentifier.value.in_(sorted(values))))
            for value, subject_id, subject_kind in found:
                self.subjects[(identifier_kind, value)] = (subject_id, subject_kind)

    def _subject_ids(self, records: list[ValidRecord]) -> list[ValidRecord]:
        """Resolve (or register) each record's subject; returns the records still acceptable."""
        self._look_up_subjects(records)
        # New subjects are registered in identifier order, whatever the order of the rows: two batches
        # naming the same new subjects then wait for each other in one order and cannot deadlock.
        refused: set[int] = set()
        for record in sorted(records, key=lambda r: (r.identifier_kind, r.identifier, r.row)):
            key = (record.identifier_kind, record.identifier)
            if key not in self.subjects:
                try:
                    subject = subjects.register(self.uow, identifier=record.identifier,
                                                display_name=record.subject_name, kind=record.subject_kind,
                                                hint=IdentifierKind(record.identifier_kind))
                except subjects.SubjectError as exc:
                    self.reject([RowError(record.row, "identifier", "identifier_invalid", exc.message_zh,
                                          exc.message_en)])
                    refused.add(id(record))
                    continue
                self.subjects[key] = (subject.id, subject.kind)
        kept: list[ValidRecord] = []
        for record in records:
            if id(record) in refused:
                continue
            key = (record.identifier_kind, record.identifier)
            subject_kind = self.subjects[key][1]
            if subject_kind not in record.item.subject_kinds:
                kinds = ", ".join(record.item.subject_kinds)
                self.reject([RowError(record.row, "identifier", "subject_kind_not_allowed",
                                      f"该主体已登记为 {subject_kind}，信息事项 {record.item.code} 只适用于："
                                      f"{kinds}（依据 {record.item.allowed_by}）",
                                      f"the subject is registered as {subject_kind}; item {record.item.code} "
                                      f"applies only to: {kinds} ({record.item.allowed_by})")])
                continue
            kept.append(record)
        return kept

    def _version_row(self, record: ValidRecord, record_id: int, version: int) -> dict[str, Any]:
        payload = record.payload

        def day(name: str) -> date | None:
            value = payload.get(name)
            return date.fromisoformat(value) if isinstance(value, str) else None

        return {
            "record_id": record_id, "version": version, "payload": payload, "content_sha256": record.digest,
            "correction_reason": record.correction_reason if version > 1 else None,
            "document_kind": _short(payload.get("document_kind"), 100),
            "document_number": _short(payload.get("document_number"), 200),
            "document_date": day("document_date"),
            "document_issuer": _short(payload.get("document_issuer"), 200),
            "decision_date": record.decision_date, "conduct_ended": record.conduct_ended,
            "batch_id": self.batch_id, "source_row": record.row, "created_at": self.now,
        }

    def flush(self) -> None:
        records, self.pending, self.pending_keys = self.pending, [], set()
        if not records:
            return
        versions: list[dict[str, Any]] = []
        corrections: list[dict[str, Any]] = []
        # A row whose subject is not registered yet is checked against existing records before its
        # subject is registered, so that a refused correction registers nothing; the others (the bulk
        # of an import) go straight to the insert, and only its conflicts are looked at.
        self._look_up_subjects(records)
        known = [r for r in records if (r.identifier_kind, r.identifier) in self.subjects]
        unknown = [r for r in records if (r.identifier_kind, r.identifier) not in self.subjects]
        if unknown:
            known += self._sort_existing(unknown, self._lock_current(unknown), versions, corrections)
        # Records are inserted in key order for the same reason as subjects are registered in order.
        fresh = sorted(self._subject_ids(known), key=lambda r: (r.item.code, r.record_key, r.row))
        if fresh:
            if self.postgresql:
                returned = self.session.execute(PG_INSERT_RECORDS, pg_record_arrays(
                    self.unit_code, self.version_id, self.now,
                    [(r.item.code, r.record_key, self._subject_of(r), r.item.category.value,
                      r.item.disclosure_class.value) for r in fresh])).all()
            else:
                returned = self.session.execute(self._insert_records, [
                    {"unit_code": self.unit_code, "item_code": r.item.code, "record_key": r.record_key,
                     "subject_id": self._subject_of(r), "catalog_version_id": self.version_id,
                     "category": r.item.category.value, "disclosure_class": r.item.disclosure_class.value,
                     "status": "active", "current_version": 1, "created_at": self.now, "updated_at": self.now}
                    for r in fresh
                ]).all()
            created = {(item, key): rid for rid, item, key in returned}
            existing = []
            for record in fresh:
                rid = created.get((record.item.code, record.record_key))
                if rid is None:
                    existing.append(record)   # stored before (or by a concurrent batch): compare, lock
                else:
                    versions.append(self._version_row(record, rid, 1))
            if existing:
                self._sort_existing(existing, self._lock_current(existing), versions, corrections)
        if corrections:
            self.session.execute(self._update_records, corrections)
        if not versions:
            return
        if self.postgresql:
            self.session.execute(PG_INSERT_VERSIONS, pg_version_arrays(versions, self.batch_id, self.now))
        else:
            self.session.execute(self._insert_versions, versions)
        stored = sorted((v["source_row"], v["record_id"], v["version"], v["content_sha256"])
                        for v in versions)
        self.counters.accepted += len(versions)
        self.counters.corrected += len(corrections)
        chunk = len(self.chunk_entries)
        self.chunk_entries.append(("record.accepted", _chunk_facts(self.batch_id, chunk, stored)))
        corrected = [leaf for leaf in stored if leaf[2] > 1]
        if corrected:
            self.chunk_entries.append(("record.corrected", _chunk_facts(self.batch_id, chunk, corrected)))

    def _subject_of(self, record: ValidRecord) -> int:
        return self.subjects[(record.identifier_kind, record.identifier)][0]

    def _sort_existing(self, records: list[ValidRecord], current: dict[tuple[str, str], tuple[int, int, str]],
                       versions: list[dict[str, Any]],
                       corrections: list[dict[str, Any]]) -> list[ValidRecord]:
        """Settle the records that exist (unchanged, refused correction or new version); return the rest."""
        fresh: list[ValidRecord] = []
        changed: list[tuple[ValidRecord, int, int]] = []
        for record in records:
            found = current.get((record.item.code, record.record_key))
            if found is None:
                fresh.append(record)
                continue
            rid, version, digest = found
            if digest == record.digest:
                self.counters.unchanged += 1
            elif not record.correction_reason:
                self.reject([RowError(record.row, "correction_reason", "correction_reason_required",
                                      f"记录 {record.record_key[:60]} 已存在且内容不同：更正须填写更正原因",
                                      f"record {record.record_key[:60]!r} exists with different content: "
                                      "a correction needs its reason (correction_reason)")])
            else:
                changed.append((record, rid, version + 1))
        if changed:
            kept = {id(r) for r in self._subject_ids([r for r, _, _ in changed])}
            for record, rid, version in changed:
                if id(record) not in kept:
                    continue
                versions.append(self._version_row(record, rid, version))
                corrections.append({"_id": rid, "_version": version, "_subject": self._subject_of(record),
                                    "_catalog": self.version_id, "_category": record.item.category.value,
                                    "_disclosure": record.item.disclosure_class.value, "_at": self.now})
        return fresh

    def _lock_current(self, records: list[ValidRecord]) -> dict[tuple[str, str], tuple[int, int, str]]:
        """Lock those of the records that exist, then read their current version and its digest."""
        keys: dict[str, set[str]] = {}
        for r in records:
            keys.setdefault(r.item.code, set()).add(r.record_key)
        if self.postgresql:
            return self._lock_current_pg(keys)
        by_id: dict[int, tuple[str, str, int]] = {}
        # By item, in key order: the unique (unit, item, key) index answers and yields that order, so
        # rows are locked in one order by every batch. (Ordered by id instead, SQLite's planner walks
        # the whole item_code index: a full scan per chunk, quadratic over an import.)
        for item_code, record_keys in sorted(keys.items()):
            for row in self.session.execute(
                select(_RECORDS.c.id, _RECORDS.c.record_key, _RECORDS.c.current_version)
                .where(_RECORDS.c.unit_code == self.unit_code, _RECORDS.c.item_code == item_code,
                       _RECORDS.c.record_key.in_(sorted(record_keys)))
                .order_by(_RECORDS.c.record_key).with_for_update()
            ):
                by_id[row.id] = (item_code, row.record_key, row.current_version)
        if not by_id:
            return {}
        # The current versions' digests, by the (record_id, version) unique index.
        digests = {rid: digest for rid, version, digest in self.session.execute(
            select(_VERSIONS.c.record_id, _VERSIONS.c.version, _VERSIONS.c.content_sha256)
            .where(_VERSIONS.c.record_id.in_(sorted(by_id)))
        ) if version == by_id[rid][2]}
        return {(item, key): (rid, version, digests[rid]) for rid, (item, key, version) in by_id.items()}

    def _lock_current_pg(self, keys: dict[str, set[str]]) -> dict[tuple[str, str], tuple[int, int, str]]:
        """``_lock_current`` on PostgreSQL: one unique-index probe per key (see ``_PG_LOCK_RECORDS``)."""
        found: dict[tuple[str, str], tuple[int, int]] = {}
        for item_code, record_keys in sorted(keys.items()):
            for rid, key, version in self.session.execute(
                    _PG_LOCK_RECORDS, {"unit": self.unit_code, "item": item_code, "keys": sorted(record_keys)}):
                found[(item_code, key)] = (rid, version)
        if not found:
            return {}
        # A statement of its own, after the locks: under READ COMMITTED it sees a version committed by a
        # batch this one waited for.
        pairs = sorted(found.values())
        digests = dict(self.session.execute(_PG_CURRENT_DIGESTS, {"ids": [rid for rid, _ in pairs],
                                                                  "versions": [v for _, v in pairs]}).all())
        return {key: (rid, version, digests[rid]) for key, (rid, version) in found.items()}


# PostgreSQL bulk statements: a chunk's rows go as one array per column through ``unnest``. One short
# statement per chunk, parsed and planned once, its arrays encoded by the driver, instead of a multi-row
# VALUES statement of 20,000 parameters rebuilt, re-parsed and re-planned for every chunk (measured on
# 2,000 records: 48 ms instead of 210 ms, 8 ms of client CPU instead of 135). ``benchmarks/ingest.py``
# stores its raw floor with the same statements.
PG_INSERT_RECORDS = text("""
    INSERT INTO records (unit_code, item_code, record_key, subject_id, catalog_version_id, category,
                         disclosure_class, status, current_version, created_at, updated_at)
    SELECT :unit, k.item_code, k.record_key, k.subject_id, :catalog, k.category, k.disclosure, 'active', 1,
           :now, :now
    FROM unnest(CAST(:items AS varchar[]), CAST(:keys AS varchar[]), CAST(:subjects AS integer[]),
                CAST(:categories AS varchar[]), CAST(:disclosures AS varchar[]))
         WITH ORDINALITY AS k(item_code, record_key, subject_id, category, disclosure, n)
    ORDER BY k.n
    ON CONFLICT (unit_code, item_code, record_key) DO NOTHING
    RETURNING id, item_code, record_key""")
PG_INSERT_VERSIONS = text("""
    INSERT INTO record_versions (record_id, version, payload, content_sha256, correction_reason,
                                 document_kind, document_number, document_date, document_issuer,
                                 decision_date, conduct_ended, batch_id, source_row, created_at)
    SELECT k.record_id, k.version, k.payload, k.digest, k.reason, k.doc_kind, k.doc_number, k.doc_date,
           k.doc_issuer, k.decided, k.ended, :batch, k.source_row, :now
    FROM unnest(CAST(:record_ids AS integer[]), CAST(:versions AS integer[]), CAST(:payloads AS json[]),
                CAST(:digests AS varchar[]), CAST(:reasons AS text[]), CAST(:doc_kinds AS varchar[]),
                CAST(:doc_numbers AS varchar[]), CAST(:doc_dates AS date[]), CAST(:doc_issuers AS varchar[]),
                CAST(:decided AS date[]), CAST(:ended AS date[]), CAST(:source_rows AS integer[]))
         WITH ORDINALITY AS k(record_id, version, payload, digest, reason, doc_kind, doc_number, doc_date,
                              doc_issuer, decided, ended, source_row, n)
    ORDER BY k.n""")
PG_INSERT_REJECTIONS = text("""
    INSERT INTO row_rejections (batch_id, row, field, code, message_zh, message_en)
    SELECT :batch, k.row, k.field, k.code, k.zh, k.en
    FROM unnest(CAST(:rows AS integer[]), CAST(:fields AS varchar[]), CAST(:codes AS varchar[]),
                CAST(:zh AS text[]), CAST(:en AS text[])) WITH ORDINALITY AS k(row, field, code, zh, en, n)
    ORDER BY k.n""")


def pg_record_arrays(unit_code: str, catalog_version_id: int | None, now: datetime,
                     rows: list[tuple[str, str, int, str, str]]) -> dict[str, Any]:
    """Parameters of ``PG_INSERT_RECORDS``: (item, key, subject id, category, disclosure class) rows."""
    items, keys, subject_ids, categories, disclosures = (list(column) for column in zip(*rows, strict=True))
    return {"unit": unit_code, "catalog": catalog_version_id, "now": now, "items": items, "keys": keys,
            "subjects": subject_ids, "categories": categories, "disclosures": disclosures}


def pg_version_arrays(versions: list[dict[str, Any]], batch_id: int, now: datetime) -> dict[str, Any]:
    """Parameters of ``PG_INSERT_VERSIONS`` from version rows shaped as for ``record_versions``."""
    def column(name: str) -> list[Any]:
        return [v[name] for v in versions]

    return {"batch": batch_id, "now": now, "record_ids": column("record_id"), "versions": column("version"),
            "payloads": [json.dumps(v["payload"], ensure_ascii=False, separators=(",", ":")) for v in versions],
            "digests": column("content_sha256"), "reasons": column("correction_reason"),
            "doc_kinds": column("document_kind"), "doc_numbers": column("document_number"),
            "doc_dates": column("document_date"), "doc_issuers": column("document_issuer"),
            "decided": column("decision_date"), "ended": column("conduct_ended"),
            "source_rows": column("source_row")}


# The registered subjects of a chunk, the records of a chunk that exist (locked in key order) and their
# current versions' digests, on PostgreSQL. Written as one index probe per key (a LATERAL subquery
# with equality on every column of a unique index) rather than ``key IN (…)``: inside a large import
# the tables have no statistics yet (autovacuum cannot see uncommitted rows), and the planner then
# answered ``IN`` lists by scanning every record of the item per chunk — quadratic over an import.
# Arrays also keep the statements short and the same every time.
_PG_LOCK_RECORDS = text("""
    SELECT r.id, r.record_key, r.current_version
    FROM unnest(CAST(:keys AS varchar[])) WITH ORDINALITY AS k(record_key, n)
    CROSS JOIN LATERAL (
        SELECT id, record_key, current_version FROM records
        WHERE unit_code = :unit AND item_code = :item AND record_key = k.record_key
        FOR UPDATE) AS r
    ORDER BY k.n""")
_PG_SUBJECTS = text("""
    SELECT i.value, i.subject_id, s.kind
    FROM unnest(CAST(:values AS varchar[])) AS k(value)
    CROSS JOIN LATERAL (
        SELECT value, subject_id FROM subject_identifiers WHERE kind = :kind AND value = k.value) AS i
    CROSS JOIN LATERAL (SELECT kind FROM subjects WHERE id = i.subject_id) AS s""")
_PG_CURRENT_DIGESTS = text("""
    SELECT v.record_id, v.content_sha256
    FROM unnest(CAST(:ids AS integer[]), CAST(:versions AS integer[])) AS k(record_id, version)
    CROSS JOIN LATERAL (
        SELECT record_id, content_sha256 FROM record_versions
        WHERE record_id = k.record_id AND version = k.version) AS v""")


def _chunk_facts(batch_id: int, chunk: int, leaves: list[tuple[int, int, int, str]]) -> dict[str, Any]:
    """Ledger facts of a chunk's versions: (source row, record id, version, digest), in row order.

    A chunk holds consecutive rows of the input, so its row range names its versions in the batch.
    """
    return {"batch": batch_id, "chunk": chunk, "records": len(leaves), "first_row": leaves[0][0],
            "last_row": leaves[-1][0],
            "merkle_root": merkle_root(merkle_leaf(rid, version, digest)
                                       for _, rid, version, digest in leaves)}


def _short(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) else None


# ---------------------------------------------------------------------------------------------------
# Running a batch
# ---------------------------------------------------------------------------------------------------


def _verify_due(platform: Platform,
                received_on: date) -> tuple[date | None, int | None, str | None, str | None]:
    """(due date, count, unit, citation) of the verification duty; all None where no rule sets one."""
    rule = _rule(platform, "aggregation.verify", received_on)
    if rule is None:
        return None, None, None, None
    unit = rule.unit        # the entry's own (per_file) or the registry's: never a default
    due = platform.calendar.due(received_on, int(rule.value), unit)
    return due.due, int(rule.value), unit, rule.citation


def _existing(session: Session, unit_code: str, key: str) -> SubmissionBatch | None:
    return session.scalars(select(SubmissionBatch).where(SubmissionBatch.unit_code == unit_code,
                                                         SubmissionBatch.idempotency_key == key)).first()


def _replay(session: Session, found: SubmissionBatch, key: str, digest: str) -> BatchSummary:
    if found.body_sha256 != digest:
        raise IdempotencyConflict(key, found.id)
    return _summary(session, found, replayed=True)


def _clean_key(key: str | None, digest: str) -> str:
    if key is None or not key.strip():
        return f"sha256:{digest}"
    key = key.strip()
    if len(key) > 200 or not key.isprintable():
        raise SubmissionError("idempotency_key", "幂等键须为不超过 200 个可打印字符",
                              "the idempotency key must be at most 200 printable characters",
                              "Idempotency-Key")
    return key


def _run(platform: Platform, actor: Actor, unit_code: str, *, key: str | None, digest: str, source: str,
         filename: str | None, rows: Callable[[], Iterator[tuple[int, Any]]],
         fraction: Callable[[], float], progress: Progress | None) -> BatchSummary:
    attempt = 0
    while True:
        attempt += 1
        try:
            return _run_batch(platform, actor, unit_code, key=key, digest=digest, source=source,
                              filename=filename, rows=rows, fraction=fraction, progress=progress)
        except OperationalError as exc:
            # On SQLite a batch holds the single write lock from its first row to its commit; a second
            # writer waits ``busy_timeout`` and then gives up. That is "try again", not a server fault.
            if platform.engine.dialect.name == "sqlite" and "locked" in str(exc.orig):
                raise Busy() from None
            # On PostgreSQL two batches that name the same new subjects or records in different orders
            # can deadlock; the database aborts one of them, which then changed nothing. The batch is
            # replayable from its source, so it runs again (the rows are re-read from the start).
            if _retryable(exc) and attempt < DEADLOCK_RETRIES:
                log.info("batch retried after a deadlock", unit=unit_code, attempt=attempt)
                time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter, not a secret
                continue
            raise


DEADLOCK_RETRIES = 8


def _retryable(exc: OperationalError) -> bool:
    """A deadlock (40P01) or serialisation failure (40001): the transaction was rolled back whole."""
    return getattr(exc.orig, "sqlstate", None) in {"40P01", "40001"}


def _run_batch(platform: Platform, actor: Actor, unit_code: str, *, key: str | None, digest: str, source: str,
               filename: str | None, rows: Callable[[], Iterator[tuple[int, Any]]],
               fraction: Callable[[], float], progress: Progress | None) -> BatchSummary:
    key = _clean_key(key, digest)
    received_on = platform.clock.today()
    with platform.unit_of_work(actor) as uow:
        session = uow.session
        granted = _granted_items(session, unit_code)
        found = _existing(session, unit_code, key)
        if found is not None:
            return _replay(session, found, key, digest)
        due, count, unit, cite = _verify_due(platform, received_on)
        batch = SubmissionBatch(unit_code=unit_code, idempotency_key=key, body_sha256=digest, source=source,
                                filename=filename, jurisdiction=platform.jurisdiction, status="received",
                                rows_total=0, accepted=0, corrected=0, unchanged=0, rejected=0,
                                actor=actor.label()[:200], received_at=uow.platform.clock.now(),
                                received_on=received_on, verify_due=due, verify_count=count, verify_unit=unit,
                                verify_cite=cite)
        try:
            with session.begin_nested():
                session.add(batch)
                session.flush()
        except IntegrityError:
            # A concurrent submission with the same key committed first: answer as it did.
            found = _existing(session, unit_code, key)
            if found is None:
                raise
            return _replay(session, found, key, digest)

        index = CatalogIndex.load(session, platform.jurisdiction)
        in_force = index.version_on(received_on)
        lookups = _Lookups(session, index, unit_code, granted, received_on)
        validator = RowValidator(law_in_force(platform, received_on), lookups, received_on=received_on,
                                 vocabulary=platform.rulebook.vocabulary)
        # With no catalog version in force every row is refused (item_not_in_force): no record needs one.
        writer = _BatchWriter(uow, batch, in_force[0] if in_force else None)
        counters = writer.counters
        try:
            for number, values in rows():
                counters.rows += 1
                if isinstance(values, files.ReadProblem):
                    writer.reject([RowError(number, values.field, values.code, values.message_zh,
                                            values.message_en)])
                else:
                    result = validator.validate(number, values)
                    if isinstance(result, list):
                        writer.reject(result)
                    else:
                        writer.accept(result)
                if progress is not None and counters.rows % PROGRESS_ROWS == 0:
                    progress(counters.rows, fraction())
        except files.FileRefused as exc:
            raise _file_refused(exc) from None
        writer.flush()
        writer.flush_rejections()
        if progress is not None:
            progress(counters.rows, 1.0)

        batch.rows_total, batch.accepted = counters.rows, counters.accepted
        batch.corrected, batch.unchanged = counters.corrected, counters.unchanged
        batch.rejected = counters.rejected
        session.flush()
        uow.record("batch.received", "submission_batch", batch.id, {
            "unit": unit_code, "source": source, "body_sha256": digest, "rows": counters.rows,
            "accepted": counters.accepted, "corrected": counters.corrected, "unchanged": counters.unchanged,
            "rejected": counters.rejected, "verify_due": due.isoformat() if due else None,
            "verify_cite": cite,
            "chunks": sum(1 for action, _ in writer.chunk_entries if action == "record.accepted"),
        })
        for action, facts in writer.chunk_entries:
            uow.record(action, "submission_batch", batch.id, facts)
        if counters.rejected:
            uow.record("batch.rejected_rows", "submission_batch", batch.id, {
                "rows": counters.rejected, "errors": sum(counters.codes.values()),
                "codes": dict(sorted(counters.codes.items())),
            })
        return _summary(session, batch)


def import_file(platform: Platform, actor: Actor, unit_code: str, path: str | os.PathLike[str], *,
                key: str | None = None, file_format: str | None = None, filename: str | None = None,
                progress: Progress | None = None) -> BatchSummary:
    """Import a CSV, XLSX or JSONL file for a unit as one batch (see the module docstring)."""
    path = Path(path)
    try:
        source = files.open_rows(path, file_format)
    except files.FileRefused as exc:
        raise _file_refused(exc) from None
    digest = file_digest(path)
    return _run(platform, actor, unit_code, key=key, digest=digest, source=source.format,
                filename=(filename or path.name)[:255], rows=source.rows, fraction=source.fraction_read,
                progress=progress)


def submit_rows(platform: Platform, actor: Actor, unit_code: str, rows: list[Mapping[str, Any]], *,
                key: str | None = None, progress: Progress | None = None) -> BatchSummary:
    """Submit JSON rows (row numbers count from 1) as one batch."""
    if len(rows) > MAX_JSON_ROWS:
        raise SubmissionError("too_many_rows", f"一次最多提交 {MAX_JSON_ROWS} 行，请改用文件上传",
                              f"at most {MAX_JSON_ROWS} rows per submission: upload a file instead", "rows")
    digest = rows_digest(rows)

    total = max(len(rows), 1)
    done = [0]

    def generate() -> Iterator[tuple[int, Any]]:
        for number, row in enumerate(rows, start=1):
            done[0] = number
            if not isinstance(row, Mapping):
                yield number, files.ReadProblem(None, "row_malformed", "每一行应为 JSON 对象",
                                                "each row must be a JSON object")
                continue
            values = files.bounded_row(row)
            if values is not None:
                yield number, values

    return _run(platform, actor, unit_code, key=key, digest=digest, source="json", filename=None,
                rows=generate, fraction=lambda: done[0] / total, progress=progress)


def file_digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def rows_digest(rows: list[Mapping[str, Any]]) -> str:
    text = json.dumps(rows, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# ---------------------------------------------------------------------------------------------------
# Batches after the fact
# ---------------------------------------------------------------------------------------------------


def _load_batch(session: Session, batch_id: int, unit_code: str | None) -> SubmissionBatch:
    batch = session.get(SubmissionBatch, batch_id)
    if batch is None or (unit_code is not None and batch.unit_code != unit_code):
        raise BatchNotFound(batch_id)   # another unit's batch is not acknowledged to exist
    return batch


def get_batch(session: Session, batch_id: int, *, unit_code: str | None = None,
              max_errors: int = SUMMARY_ERRORS) -> BatchSummary:
    return _summary(session, _load_batch(session, batch_id, unit_code), max_errors=max_errors)


def batch_errors(session: Session, batch_id: int, *,
                 unit_code: str | None = None) -> Iterator[dict[str, Any]]:
    """Every rejection of a batch in row order, streamed (for the downloadable error report)."""
    _load_batch(session, batch_id, unit_code)
    return _rejections(session, batch_id)


def verify_batch(platform: Platform, actor: Actor, batch_id: int) -> BatchSummary:
    """Mark the platform's verification of a batch done (``aggregation.verify``); idempotent."""
    with platform.unit_of_work(actor) as uow:
        batch = uow.session.get(SubmissionBatch, batch_id, with_for_update=True)
        if batch is None:
            raise BatchNotFound(batch_id)
        if batch.status != "verified":
            now = platform.clock.now()
            on_time = None if batch.verify_due is None else platform.clock.today() <= batch.verify_due
            batch.status, batch.verified_at, batch.verified_by = "verified", now, actor.label()[:200]
            uow.session.flush()
            uow.record("batch.verified", "submission_batch", batch.id, {
                "unit": batch.unit_code, "on_time": on_time, "verify_cite": batch.verify_cite,
                "verify_due": batch.verify_due.isoformat() if batch.verify_due else None})
        return _summary(uow.session, batch)


def batch_integrity(session: Session, batch_id: int) -> list[str]:
    """Recompute every chunk's Merkle root from ``record_versions`` and compare with the ledger.

    Returns the problems found (empty when the batch's accepted versions are exactly what was ledgered).
    """
    from xinyong.services.audit import ledger
    problems: list[str] = []
    entries = [e for e in ledger.entries(session, entity="submission_batch", entity_id=batch_id)
               if e.action in ("record.accepted", "record.corrected")]
    covered = 0
    for entry in entries:
        facts = entry.facts_dict()
        rows = session.execute(
            select(_VERSIONS.c.record_id, _VERSIONS.c.version, _VERSIONS.c.content_sha256)
            .where(_VERSIONS.c.batch_id == batch_id,
                   _VERSIONS.c.source_row.between(facts["first_row"], facts["last_row"]))
            .order_by(_VERSIONS.c.source_row)
        ).all()
        if entry.action == "record.corrected":
            rows = [r for r in rows if r.version > 1]
        else:
            covered += len(rows)
        root = merkle_root(merkle_leaf(r.record_id, r.version, r.content_sha256) for r in rows)
        if len(rows) != facts["records"] or root != facts["merkle_root"]:
            problems.append(f"{entry.action} chunk {facts['chunk']} of batch {batch_id}: the stored versions "
                            "do not match the ledgered root")
    total = session.scalar(select(func.count()).select_from(_VERSIONS)
                           .where(_VERSIONS.c.batch_id == batch_id)) or 0
    if total != covered:
        problems.append(f"batch {batch_id} has {total} versions but the ledger covers {covered}")
    return problems


# ---------------------------------------------------------------------------------------------------
# Written consents and prior notices
# ---------------------------------------------------------------------------------------------------


def _subject_for(uow: UnitOfWork, identifier: str, name: str | None, kind: str | None = None) -> Subject:
    """The subject registered under the identifier; registered now when a name is given."""
    subject = subjects.find_by_identifier(uow, identifier)
    if subject is not None:
        return subject
    if not name:
        raise SubmissionError("subject_unknown", "该主体尚未登记：请同时填写主体名称",
                              "no subject is registered under this identifier: give its name too",
                              "identifier")
    if kind is None:   # as the row validator does: the most likely kind the identifier allows
        check = check_identifier(identifier, today=uow.platform.clock.today())
        kind = check.subject_kinds[0].value if check.valid and check.subject_kinds else None
    return subjects.register(uow, identifier=identifier, display_name=name, kind=kind)


def record_consent(uow: UnitOfWork, *, identifier: str, reference: str, categories: Iterable[str],
                   given_on: date, scope: str = "", subject_name: str | None = None) -> int:
    """Record a natural person's written consent to the collection of consent-only categories."""
    vocabulary = uow.platform.rulebook.vocabulary
    wanted = sorted(set(categories))
    unknown = [c for c in wanted if c not in vocabulary]
    if not wanted or unknown:
        raise SubmissionError("categories", f"未知的信息类别：{', '.join(unknown) or '-'}",
                              f"unknown data categories: {', '.join(unknown) or '-'}", "categories")
    reference = (reference or "").strip()
    if not reference or len(reference) > 128:
        raise SubmissionError("reference", "须填写书面同意编号（不超过 128 个字符）",
                              "the consent reference is required (at most 128 characters)", "reference")
    subject = _subject_for(uow, identifier, subject_name, "natural_person")
    if subject.kind != "natural_person":
        raise SubmissionError("not_natural_person", "书面同意适用于自然人",
                              "written consent is given by a natural person", "identifier")
    consent = Consent(subject_id=subject.id, reference=reference, categories=wanted, given_on=given_on,
                      scope=scope or "", recorded_by=uow.actor.label()[:200],
                      recorded_at=uow.platform.clock.now())
    try:
        with uow.session.begin_nested():
            uow.session.add(consent)
            uow.session.flush()
    except IntegrityError:
        raise SubmissionError("duplicate", "该主体已有相同编号的书面同意",
                              "this subject already has a consent with this reference", "reference") from None
    uow.record("consent.recorded", "consent", consent.id,
               {"subject_id": subject.id, "categories": wanted, "given_on": given_on.isoformat()})
    return consent.id


def record_prior_notice(uow: UnitOfWork, *, unit_code: str, identifier: str, item_code: str, reference: str,
                        served_on: date, subject_name: str | None = None) -> int:
    """Record the written notice a unit served before delivering untrustworthiness information
    (``aggregation.prior_notice``).

    A notice counts for rows received on or after the day it was served (``served_on``)."""
    _granted_items(uow.session, unit_code)
    reference = (reference or "").strip()
    if not reference or len(reference) > 128:
        raise SubmissionError("reference", "须填写书面告知编号（不超过 128 个字符）",
                              "the notice reference is required (at most 128 characters)", "reference")
    subject = _subject_for(uow, identifier, subject_name)
    notice = PriorNotice(subject_id=subject.id, unit_code=unit_code, item_code=item_code, reference=reference,
                         served_on=served_on, recorded_at=uow.platform.clock.now())
    try:
        with uow.session.begin_nested():
            uow.session.add(notice)
            uow.session.flush()
    except IntegrityError:
        raise SubmissionError("duplicate", "本单位已登记相同编号的书面告知",
                              "this unit already recorded a notice with this reference",
                              "reference") from None
    uow.record("prior_notice.recorded", "prior_notice", notice.id,
               {"subject_id": subject.id, "unit": unit_code, "item": item_code,
                "served_on": served_on.isoformat()})
    return notice.id
