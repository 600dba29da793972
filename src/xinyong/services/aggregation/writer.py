"""The record writer: the only code that writes credit records (restoration, revocation and corrections
go through it). ``RecordWriter`` takes one batch's validated rows and its refused ones, and stores
subjects, records, versions, corrections and rejections in chunks (``CHUNK_ROWS`` at a time), so that
only one chunk and a bounded cache of subject ids are ever in memory. The writes are set-based: a
chunk's new records are staged in a temporary table (``COPY`` on PostgreSQL, one DB-API ``executemany``
on SQLite) and inserted from it by one statement; versions and rejections are appended the same way
(see "set-based writes" below).

Records and versions
    A record is (unit, catalog item, the unit's own record key), unique. A row whose record exists
    with identical content (``domain.aggregation.rows.content_digest``) adds nothing (``unchanged``); with
    different content it is a correction: a new version with its reason (``correction_reason``,
    required), the old versions kept. The record row is locked (``SELECT … FOR UPDATE`` on
    PostgreSQL; SQLite serialises writers) before its current version is read, and (record, version)
    is unique, so a record never has two current versions.

Lookups of a chunk's subjects and existing records probe a unique index per key (never ``IN`` lists
whose plan depends on statistics a large import outgrows). Each stored chunk leaves its ledger facts in
``chunk_entries`` (``integrity.chunk_facts``: a Merkle root over its versions); the batch appends them
just before the commit.

Storing behind the reading
    With ``background=True`` (a batch's import when ``WRITE_BEHIND`` is set) a chunk is stored on one
    worker thread while the batch's thread reads and validates the next: the database works while Python
    validates, instead of each waiting for the other. Chunks are stored one at a time, in the order they
    were handed over, in the batch's own session and transaction (one thread uses it at a time: the
    batch's thread touches it only after ``wait``), so the outcome is the one of storing each chunk when
    it is handed over: the batch's lookups ``wait`` before they read. At most two chunks are in memory. A
    failure on the worker is raised on the batch's thread at its next hand-over or ``wait``; ``close``
    always waits for the chunk in flight, so a batch that fails never rolls back under a running write.
"""

from __future__ import annotations

import contextvars
import json
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Table, bindparam, select, text, update

from xinyong.domain.aggregation.rows import RowError, ValidRecord
from xinyong.domain.catalog.items import publicity_kind
from xinyong.domain.platform.refusal import CONFLICT, NOT_FOUND, Refusal
from xinyong.domain.subjects.identifiers import IdentifierKind
from xinyong.services.aggregation.integrity import chunk_facts
from xinyong.services.platform.bootstrap import UnitOfWork
from xinyong.services.subjects import registry as subjects
from xinyong.store.models.records import Record, RecordVersion, RowRejection, SubmissionBatch
from xinyong.store.models.subjects import Subject, SubjectIdentifier

CHUNK_ROWS = 2000
# Whether a batch's import stores its chunks on a worker thread (see "Storing behind the reading"). Off:
# with the database on the same two cores it gained nothing measurable (benchmarks/ingest.py, phase
# at_once, same run: PostgreSQL 4.5% faster at 100,000 rows and 3.5% slower at 300,000; SQLite 6% slower
# at 100,000 and about 17% at a million, its writes needing the interpreter the validation holds). Kept,
# and tested, for a database across a network, where a chunk's round trips wait longer: not measured.
WRITE_BEHIND = False
SUBJECT_CACHE_LIMIT = 200_000

_RECORDS: Table = Record.__table__  # type: ignore[assignment]
_VERSIONS: Table = RecordVersion.__table__  # type: ignore[assignment]
_REJECTIONS: Table = RowRejection.__table__  # type: ignore[assignment]


@dataclass
class Counters:
    """What a batch's rows came to so far (and its rejections' reason codes)."""

    rows: int = 0
    accepted: int = 0
    corrected: int = 0
    unchanged: int = 0
    rejected: int = 0
    codes: Counter[str] = field(default_factory=Counter)


class RecordWriter:
    """Writes one batch's rows (``accept``, ``reject``) in chunks; ``flush`` and ``flush_rejections``
    store what is pending (the batch calls both once its rows are read)."""

    def __init__(self, uow: UnitOfWork, batch: SubmissionBatch, version_id: int | None, *,
                 background: bool = False) -> None:
        self.uow = uow
        self.session = uow.session
        self.batch_id = batch.id
        self.unit_code = batch.unit_code
        self.version_id = version_id
        self.now = uow.platform.clock.now()
        self.counters = Counters()
        self.pending: list[ValidRecord] = []
        self.pending_keys: set[tuple[str, str]] = set()
        self.rejections: list[dict[str, Any]] = []
        self.subjects: dict[tuple[str, str], tuple[int, str]] = {}
        self.chunk_entries: list[tuple[str, dict[str, Any]]] = []
        # New permit and penalty records (not corrections, not unchanged rows) by (kind, decision date):
        # what the double-publicity publication duty is counted from (``services.duties.publication``).
        self.new_decisions: Counter[tuple[str, date]] = Counter()
        dialect = self.session.get_bind().dialect.name
        if dialect not in ("postgresql", "sqlite"):
            raise NotImplementedError(f"unsupported database: {dialect}")
        self.postgresql = dialect == "postgresql"
        if self.postgresql:
            # Plan each lookup for its own arrays. psycopg prepares a statement after a few runs, and
            # PostgreSQL may then switch to a generic plan made without the tables' statistics (which a
            # large import outgrows before autovacuum can see its rows): measured, a scan per chunk.
            # Its inserts are ``COPY`` (see the set-based writes).
            self.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        self.staged = False     # the temporary stage of new records exists (created on first use)
        self._empty_stage = text(_EMPTY_STAGE_PG if self.postgresql else _EMPTY_STAGE_SQLITE)
        # Write-behind (see "Storing behind the reading" above): one worker thread stores the chunks in
        # the order they were handed over; ``_mutex`` guards what both threads add to (rejections and
        # their counts).
        self._mutex = threading.Lock()
        self._worker = (ThreadPoolExecutor(1, thread_name_prefix="xinyong-writer") if background else None)
        self._in_flight: Future[None] | None = None
        self._bind_processors: dict[str, list[Any]] = {}
        self._update_records = (
            update(_RECORDS).where(_RECORDS.c.id == bindparam("_id"))
            .values(current_version=bindparam("_version"), subject_id=bindparam("_subject"),
                    catalog_version_id=bindparam("_catalog"), category=bindparam("_category"),
                    disclosure_class=bindparam("_disclosure"), updated_at=bindparam("_at"))
        )

    # -- rows in ------------------------------------------------------------------------------------

    def reject(self, errors: list[RowError]) -> None:
        """A refused row (the batch's thread): its reasons are stored with the next chunk of rejections."""
        self._refuse(errors)
        if len(self.rejections) >= CHUNK_ROWS:
            self._hand_over(self._store_rejections)

    def accept(self, record: ValidRecord) -> None:
        key = (record.item.code, record.record_key)
        if key in self.pending_keys:
            self._hand_over_records()   # the same record twice in one chunk: the second sees the first
        self.pending.append(record)
        self.pending_keys.add(key)
        if len(self.pending) >= CHUNK_ROWS:
            self._hand_over_records()

    def flush(self) -> None:
        """Store every record accepted so far, and wait until it is stored."""
        self._hand_over_records()
        self.wait()

    def flush_rejections(self) -> None:
        """Store every rejection so far, and wait until it is stored."""
        self._hand_over(self._store_rejections)
        self.wait()

    def wait(self) -> None:
        """Wait until the chunks handed over are stored; a failure of their storing is raised here, on
        the batch's thread (a deadlock's ``OperationalError`` included, which the batch retries). The
        batch's lookups call this before they read, so that they see every chunk handed over before
        them, as they would if each chunk were stored when handed over, and so that the session is
        used by one thread at a time."""
        in_flight, self._in_flight = self._in_flight, None
        if in_flight is not None:
            in_flight.result()

    def close(self) -> None:
        """Stop the worker thread, after the chunk in flight. Called when the batch ends, well or not: after
        a failure on the batch's thread, a failure of the chunk in flight is dropped (the batch rolls back
        either way, and its own failure is the one reported)."""
        try:
            if self._in_flight is not None:
                self._in_flight.exception()
                self._in_flight = None
        finally:
            if self._worker is not None:
                self._worker.shutdown(wait=True)
                self._worker = None

    def _hand_over_records(self) -> None:
        records, self.pending, self.pending_keys = self.pending, [], set()
        if records:
            self._hand_over(lambda: self._store(records))

    def _hand_over(self, work: Callable[[], None]) -> None:
        """Store on the worker (after the chunk before it), or at once without one."""
        self.wait()
        if self._worker is None:
            work()
        else:
            self._in_flight = self._worker.submit(contextvars.copy_context().run, work)

    def _refuse(self, errors: list[RowError]) -> None:
        with self._mutex:
            self.counters.rejected += 1
            for error in errors:
                self.counters.codes[error.code] += 1
                self.rejections.append({"batch_id": self.batch_id, "row": error.row, "field": error.field,
                                        "code": error.code, "message_zh": error.message_zh,
                                        "message_en": error.message_en})

    def _store_rejections(self) -> None:
        with self._mutex:
            taken, self.rejections = self.rejections, []
        if not taken:
            return
        rows = [(self.batch_id, r["row"], r["field"], r["code"], r["message_zh"], r["message_en"])
                for r in taken]
        self._copy(_REJECTION_COLUMNS, "row_rejections", rows)

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
                except Refusal as exc:              # the subjects registry refuses the identifier
                    self._refuse([RowError(record.row, "identifier", "identifier_invalid", exc.message_zh,
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
                self._refuse([RowError(record.row, "identifier", "subject_kind_not_allowed",
                                      f"该主体已登记为 {subject_kind}，信息事项 {record.item.code} 只适用于："
                                      f"{kinds}（依据 {record.item.allowed_by}）",
                                      f"the subject is registered as {subject_kind}; item {record.item.code} "
                                      f"applies only to: {kinds} ({record.item.allowed_by})")])
                continue
            kept.append(record)
        return kept

    def _version_row(self, record: ValidRecord, record_id: int, version: int) -> tuple[Any, ...]:
        """A version as the row ``_store_versions`` appends (``_VERSION_COLUMNS``), its payload as the JSON
        text stored."""
        payload = record.payload
        get = payload.get
        document_date = get("document_date")
        return (
            record_id, version, _json_text(payload), record.digest,
            record.correction_reason if version > 1 else None,
            _short(get("document_kind"), 100), _short(get("document_number"), 200),
            date.fromisoformat(document_date) if isinstance(document_date, str) else None,
            _short(get("document_issuer"), 200), record.decision_date, record.conduct_ended,
            self.batch_id, record.row, self.now,
        )

    def _store(self, records: list[ValidRecord]) -> None:
        """Store one chunk of accepted rows (on the worker thread when there is one)."""
        versions: list[tuple[Any, ...]] = []
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
            created = self._insert_fresh(fresh)
            existing = []
            for record in fresh:
                rid = created.get((record.item.code, record.record_key))
                if rid is None:
                    existing.append(record)   # stored before (or by a concurrent batch): compare, lock
                else:
                    row = self._version_row(record, rid, 1)
                    versions.append(row)
                    kind = publicity_kind(record.item)
                    if kind is not None and row[_DECISION_DATE] is not None:
                        self.new_decisions[(kind, row[_DECISION_DATE])] += 1
            if existing:
                self._sort_existing(existing, self._lock_current(existing), versions, corrections)
        if corrections:
            self.session.execute(self._update_records, corrections)
        if not versions:
            return
        self._store_versions(versions)
        stored = sorted((v[_SOURCE_ROW], v[_RECORD_ID], v[_VERSION], v[_DIGEST]) for v in versions)
        self.counters.accepted += len(versions)
        self.counters.corrected += len(corrections)
        chunk = len(self.chunk_entries)
        self.chunk_entries.append(("record.accepted", chunk_facts(self.batch_id, chunk, stored)))
        corrected = [leaf for leaf in stored if leaf[2] > 1]
        if corrected:
            self.chunk_entries.append(("record.corrected", chunk_facts(self.batch_id, chunk, corrected)))

    # -- set-based writes ---------------------------------------------------------------------------
    # A chunk goes to the database as rows, not as statements per row: on PostgreSQL by ``COPY`` (the
    # driver formats the rows in C), on SQLite by one DB-API ``executemany`` of tuples whose values
    # went through the columns' own SQLAlchemy bind processors (the stored text is the ORM's, to the
    # byte). New records are staged in a temporary table and inserted from it by one statement that
    # keeps the key order and reports which keys already existed.

    def _dbapi(self) -> Any:
        return self.session.connection().connection.dbapi_connection

    def _copy(self, columns: tuple[str, ...], table: str, rows: list[tuple[Any, ...]]) -> None:
        """Append ``rows`` (tuples in ``columns`` order, Python values) to ``table``."""
        if not rows:
            return
        if self.postgresql:
            with self._dbapi().cursor() as cursor, \
                    cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        processors = [(i, process) for i, process in enumerate(self._processors(table, columns))
                      if process is not None]
        if processors:
            # Each distinct value of a column processed once per call: the columns so processed are times
            # and dates (the batch's one ``created_at``, decision dates), which repeat down a chunk.
            memos: list[dict[Any, Any]] = [{} for _ in processors]
            converted = []
            for row in rows:
                values = list(row)
                for (i, process), memo in zip(processors, memos, strict=True):
                    value = values[i]
                    if value is not None:
                        found = memo.get(value)
                        if found is None:
                            found = memo[value] = process(value)
                        values[i] = found
                converted.append(values)
            rows = converted   # type: ignore[assignment]
        marks = ", ".join("?" for _ in columns)
        cursor = self._dbapi().cursor()
        try:
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 - names are constants
                               rows)
        finally:
            cursor.close()

    def _processors(self, table: str, columns: tuple[str, ...]) -> list[Any]:
        found = self._bind_processors.get(table)
        if found is None:
            dialect = self.session.get_bind().dialect
            mapped = _TABLES.get(table)     # the stage holds plain integers and text
            found = [None if mapped is None or (table, name) in _AS_TEXT
                     else mapped.c[name].type._cached_bind_processor(dialect) for name in columns]
            self._bind_processors[table] = found
        return found

    def _insert_fresh(self, fresh: list[ValidRecord]) -> dict[tuple[str, str], int]:
        """Stage the chunk's new records (in key order) and insert them from the stage; returns the ids
        of those inserted, by (item, key). A key that exists already (stored before, or by a concurrent
        batch) is not in the answer: the caller compares and locks it."""
        staged = [(n, r.item.code, r.record_key, self._subject_of(r), r.item.category.value,
                   r.item.disclosure_class.value) for n, r in enumerate(fresh)]
        if self.staged is False:
            self.session.execute(text(_STAGE_RECORDS_PG if self.postgresql else _STAGE_RECORDS_SQLITE))
            self.staged = True
        # Emptied before every chunk, the first included: on SQLite the stage outlives a committed batch
        # on its pooled connection, with that batch's last chunk in it. On PostgreSQL by TRUNCATE: a
        # DELETE leaves its rows dead in the table until a vacuum, which cannot run inside the batch's
        # transaction, and every later chunk's insert scanned them again: quadratic over a large import
        # (at 50,000 rows, write-behind on, the insert from the stage took 67 µs a record with DELETE, 50 with
        # TRUNCATE).
        self.session.execute(self._empty_stage)
        self._copy(_STAGE_COLUMNS, _STAGE, staged)
        params = {"unit": self.unit_code, "catalog": self.version_id, "now": self.now}
        if not self.postgresql:
            params["now"] = self._processors("records", ("created_at",))[0](self.now)
        returned = self.session.execute(_INSERT_STAGED_RECORDS, params).all()
        self.session.execute(self._empty_stage)  # nothing left
        return {(item, key): rid for rid, item, key in returned}

    def _store_versions(self, versions: list[tuple[Any, ...]]) -> None:
        self._copy(_VERSION_COLUMNS, "record_versions", versions)

    def _subject_of(self, record: ValidRecord) -> int:
        return self.subjects[(record.identifier_kind, record.identifier)][0]

    def _sort_existing(self, records: list[ValidRecord], current: dict[tuple[str, str], tuple[int, int, str]],
                       versions: list[tuple[Any, ...]],
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
                self._refuse([RowError(record.row, "correction_reason", "correction_reason_required",
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


# -- a record corrected or taken out of service on an objection -----------------------------------
# An objection decided ``corrected`` or ``supplemented`` writes the corrected content as a new version,
# the way a correcting batch does: (record, version) unique, the old versions kept, the record row locked
# first. A version names the batch it came from, so the correction is stored as a one-row batch of the
# record's providing unit (source ``json``, idempotency key ``objection:<id>:<record>:v<n>``), verified
# at once by whoever decided. ``service_stopped`` (information past its display period) sets the
# record's status ``expired``: no inquiry serves it any more.


def correct_record(uow: UnitOfWork, record_id: int, changes: dict[str, Any], *, origin: str) -> int:
    """Write ``changes`` (catalog fields and their corrected values) as the record's new current
    version; ``origin`` (``objection:<id>``) is the correction's reason and idempotency key. Returns the
    new version number. Fields the record's catalog item does not have, or no change at all, are
    refused."""
    from xinyong.domain.aggregation.corrections import corrected_values
    from xinyong.domain.aggregation.rows import content_digest
    from xinyong.store.models.catalog import CatalogItem

    record = _record_for_update(uow, record_id)
    if record.status != "active":
        raise Refusal("record", "record_not_active", f"记录 {record.id} 已不在服务中，不能更正",
                      f"record {record.id} is no longer in service and cannot be corrected", status=CONFLICT)
    fields = uow.session.scalar(select(CatalogItem.fields).where(
        CatalogItem.version_id == record.catalog_version_id, CatalogItem.code == record.item_code)) or []
    known = {f["name"] for f in fields}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise Refusal("corrections", "field_unknown", f"信息事项 {record.item_code} 没有字段：{'、'.join(unknown)}",
                      f"item {record.item_code} has no field {', '.join(unknown)}")
    changes = corrected_values(fields, changes)
    current = uow.session.scalar(select(RecordVersion).where(RecordVersion.record_id == record.id,
                                                             RecordVersion.version == record.current_version))
    assert current is not None
    payload = {name: value for name, value in {**current.payload, **changes}.items() if value is not None}
    if payload == current.payload:
        raise Refusal("corrections", "correction_unchanged", "更正内容与现有内容相同",
                      "the corrected content is the same as the current content")
    identifier = uow.session.scalar(select(SubjectIdentifier.value).where(
        SubjectIdentifier.subject_id == record.subject_id).order_by(SubjectIdentifier.id)) or ""
    digest = content_digest(record.item_code, identifier, payload)
    version = record.current_version + 1
    now, today = uow.platform.clock.now(), uow.platform.clock.today()
    batch = SubmissionBatch(unit_code=record.unit_code, idempotency_key=f"{origin}:{record.id}:v{version}",
                            body_sha256=digest, source="json", jurisdiction=uow.platform.jurisdiction,
                            status="verified", rows_total=1, accepted=1, corrected=1, unchanged=0, rejected=0,
                            actor=uow.actor.label(), received_at=now, received_on=today, verified_at=now,
                            verified_by=uow.actor.label())
    uow.session.add(batch)
    uow.session.flush()

    def day(name: str, before: date | None) -> date | None:
        value = payload.get(name)
        if name not in changes:
            return before
        return date.fromisoformat(value) if isinstance(value, str) and value else None

    uow.session.add(RecordVersion(
        record_id=record.id, version=version, payload=payload, content_sha256=digest, correction_reason=origin,
        document_kind=_short(payload.get("document_kind"), 100),
        document_number=_short(payload.get("document_number"), 200),
        document_date=day("document_date", current.document_date),
        document_issuer=_short(payload.get("document_issuer"), 200),
        decision_date=day("decision_date", current.decision_date),
        conduct_ended=day("conduct_ended", current.conduct_ended),
        batch_id=batch.id, source_row=1, created_at=now))
    record.current_version, record.updated_at = version, now
    uow.session.flush()
    uow.record("record.corrected", "record", record.id, {
        "unit": record.unit_code, "item": record.item_code, "version": version, "content_sha256": digest,
        "batch_id": batch.id, "origin": origin, "fields": sorted(changes)})
    return version


def stop_record_service(uow: UnitOfWork, record_id: int, *, origin: str) -> None:
    """The information is past its display period: status ``expired``, served by no inquiry."""
    record = _record_for_update(uow, record_id)
    if record.status != "active":
        return
    record.status, record.updated_at = "expired", uow.platform.clock.now()
    uow.session.flush()
    uow.record("record.service_stopped", "record", record.id, {"unit": record.unit_code, "item": record.item_code,
                                                                "origin": origin})


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


# The set-based writes' columns and the stage of a chunk's new records. The stage is a temporary table
# of the batch's own connection: dropped at the commit on PostgreSQL; on SQLite it stays with the pooled
# connection, so it is emptied before and after each chunk (created inside the batch's transaction, it
# goes with a rollback).
_TABLES: dict[str, Table] = {"records": _RECORDS, "record_versions": _VERSIONS, "row_rejections": _REJECTIONS}
_REJECTION_COLUMNS = ("batch_id", "row", "field", "code", "message_zh", "message_en")
_VERSION_COLUMNS = ("record_id", "version", "payload", "content_sha256", "correction_reason", "document_kind",
                    "document_number", "document_date", "document_issuer", "decision_date", "conduct_ended",
                    "batch_id", "source_row", "created_at")
_RECORD_ID, _VERSION, _DIGEST, _DECISION_DATE, _SOURCE_ROW = (
    _VERSION_COLUMNS.index(name) for name in ("record_id", "version", "content_sha256", "decision_date", "source_row"))
# Columns the writer hands over already encoded: a version's payload as its JSON text (``_json_text``).
_AS_TEXT = frozenset({("record_versions", "payload")})
_STAGE = "xinyong_stage_records"    # (spelled out in the statements below)
_STAGE_COLUMNS = ("n", "item_code", "record_key", "subject_id", "category", "disclosure")
_STAGE_RECORDS_PG = """
    CREATE TEMPORARY TABLE IF NOT EXISTS xinyong_stage_records (n integer, item_code varchar,
        record_key varchar, subject_id integer, category varchar, disclosure varchar) ON COMMIT DROP"""
_STAGE_RECORDS_SQLITE = """
    CREATE TEMPORARY TABLE IF NOT EXISTS xinyong_stage_records (n INTEGER, item_code TEXT, record_key TEXT,
                                                   subject_id INTEGER, category TEXT, disclosure TEXT)"""
_EMPTY_STAGE_PG = "TRUNCATE xinyong_stage_records"
_EMPTY_STAGE_SQLITE = "DELETE FROM xinyong_stage_records"     # SQLite empties a table so without a WHERE
# (``WHERE true``: SQLite's parser needs it to read an upsert's ``ON CONFLICT`` after ``INSERT … SELECT``.)
_INSERT_STAGED_RECORDS = text("""
    INSERT INTO records (unit_code, item_code, record_key, subject_id, catalog_version_id, category,
                         disclosure_class, status, current_version, created_at, updated_at)
    SELECT :unit, s.item_code, s.record_key, s.subject_id, :catalog, s.category, s.disclosure, 'active', 1,
           :now, :now
    FROM xinyong_stage_records AS s WHERE true ORDER BY s.n
    ON CONFLICT (unit_code, item_code, record_key) DO NOTHING
    RETURNING id, item_code, record_key""")


def _json_text(value: dict[str, Any]) -> str:
    """A payload as the JSON text stored: compact, UTF-8 characters kept (orjson, some six times faster
    than the standard library's encoder, which writes what orjson refuses: integers beyond 64 bits).
    Only the parsed value matters (the content digest is the canonical JSON of the value, and
    ``db.load_json`` reads every spelling); the ORM's own writes spell it as the standard library does."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:        # orjson.JSONEncodeError
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _short(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) else None


# -- a record leaves service: revocation and restoration -------------------------------------------
# A record's status is the one thing the access policy reads to keep it out of every read path:
# ``revoked`` and ``restored`` records are served to no one (the subject included). Revocation also
# erases the content (``erase_record_content``): every version's payload becomes an empty object and
# its document fields NULL; its digest stays, so the ledger's hashes still verify what was once held.


def _record_for_update(uow: UnitOfWork, record_id: int) -> Record:
    record = uow.session.scalar(select(Record).where(Record.id == record_id).with_for_update())
    if record is None:
        raise Refusal("record", "record_unknown", f"没有编号为 {record_id} 的信用信息记录",
                      f"no credit record {record_id}", status=NOT_FOUND)
    return record


def _leave_service(uow: UnitOfWork, record_id: int, status: str, action: str,
                   facts: dict[str, Any]) -> Record:
    record = _record_for_update(uow, record_id)
    if record.status != "active":
        raise Refusal("record", "record_not_active",
                      f"记录 {record.id} 已不在服务中（{_STATUS_ZH.get(record.status, record.status)}）",
                      f"record {record.id} is no longer in service ({record.status})", status=CONFLICT)
    record.status, record.updated_at = status, uow.platform.clock.now()
    uow.session.flush()
    uow.record(action, "record", record.id, {"unit": record.unit_code, "item": record.item_code,
                                              "version": record.current_version, **facts})
    return record


def revoke_record(uow: UnitOfWork, record_id: int, *, revocation_id: int | None = None) -> Record:
    """The record's basis was revoked: status ``revoked``, out of every read path at once."""
    return _leave_service(uow, record_id, "revoked", "record.revoked", {"revocation_id": revocation_id})


def restore_record(uow: UnitOfWork, record_id: int, *, restoration_id: int | None = None) -> Record:
    """The subject's credit was restored: status ``restored``, out of every read path at once."""
    return _leave_service(uow, record_id, "restored", "record.restored", {"restoration_id": restoration_id})


def erase_record_content(uow: UnitOfWork, record_id: int) -> str:
    """Erase a revoked record's content, the current and every earlier version: the payload becomes an
    empty object, the document fields and dates NULL, a correction's reason a placeholder; each version's
    ``content_sha256`` stays. Returns the current version's digest (the ledger keeps it, never the
    content)."""
    record = _record_for_update(uow, record_id)
    if record.status != "revoked":
        raise Refusal("record", "record_not_revoked", f"只有已撤销的记录才能删除内容（记录 {record.id}）",
                      f"only a revoked record's content is erased (record {record.id})", status=CONFLICT)
    versions = uow.session.scalars(select(RecordVersion).where(RecordVersion.record_id == record.id)
                                   .order_by(RecordVersion.version)).all()
    digest = ""
    for version in versions:
        version.payload = {}
        version.document_kind = version.document_number = version.document_issuer = None
        version.document_date = version.decision_date = version.conduct_ended = None
        version.correction_reason = ERASED if version.version > 1 else None
        if version.version == record.current_version:
            digest = version.content_sha256
    record.updated_at = uow.platform.clock.now()
    uow.session.flush()
    uow.record("record.erased", "record", record.id, {"versions": len(versions), "content_sha256": digest})
    return digest


ERASED = "erased"
_STATUS_ZH = {"revoked": "已撤销", "restored": "已修复", "expired": "已过期"}
