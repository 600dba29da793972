"""Batches: providing units submit rows (JSON, ``submit_rows``) or bulk files (CSV, XLSX, JSONL,
``import_file``); each row becomes a record or a rejection with its reasons. Afterwards a batch is read
(``get_batch``), its rejections streamed (``batch_errors``) and its verification recorded
(``verify_batch``).

One batch is one database transaction. The rows stream from the reader (``files``) through the
validator (``domain.aggregation.validation``, under the law in force: ``law``) into the record writer
(``writer``: chunked inserts), so a million-row file never sits in memory: only counters, a chunk or two
and a bounded cache of subject ids do.
Nothing is visible, and nothing is acknowledged, before the commit; a crash at any point leaves no batch,
no record, no version and no rejection behind, and the same submission can simply be sent again.

Idempotency
    A batch is keyed per unit by the client's idempotency key, or, without one, by ``sha256:<digest>``
    of the content (the file's bytes, or the canonical JSON of the rows). The same key with the same
    content returns the first answer (``replayed``); the same key with other content is refused
    (``idempotency_conflict``, 409, the first batch in the refusal's ``extra["batch_id"]``). A unique
    constraint on (unit, key) decides concurrent retries: the loser waits for the winner's commit and
    then returns its answer.

Verification duty (``aggregation.verify``: working or calendar days, per rule file)
    Each batch carries ``verify_due`` counted by the working-day calendar from the rule
    ``aggregation.verify`` in force (``law.verify_due``); where the regulation sets no time limit the
    batch records that (no due date, no citation) instead of guessing. ``verify_batch`` marks the
    verification done.

Ledger
    ``batch.received`` and, when rows were refused, ``batch.rejected_rows`` (counts per reason) per
    batch; ``subject.registered`` per new subject (by ``services.subjects``); per chunk of accepted
    records ``record.accepted`` and ``record.corrected`` with a Merkle root (``integrity``);
    ``publication.late`` where new permits or penalties arrived past the State's days to publish them
    (``services.duties.publication``: the unit's done-late duties and their violations). The entries
    are appended at the end of the batch, just before the commit.

Refused (nothing stored): an unknown unit (``unit_not_found``, 404), a file refused as a whole (field
``file``, 422), a bad idempotency key or too many JSON rows (422), a reused key (409), no such batch
(``batch_not_found``, 404), and on SQLite another batch holding the one writer (``busy``, 503, retry).
"""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from xinyong.domain.aggregation.rows import RowError
from xinyong.domain.aggregation.validation import RowValidator
from xinyong.domain.audit.canonical import canonical_json
from xinyong.domain.identity.actors import Actor
from xinyong.domain.platform.refusal import CONFLICT, NOT_FOUND, Refusal
from xinyong.logging import get_logger
from xinyong.services.aggregation import files
from xinyong.services.aggregation import writer as write_behind
from xinyong.services.aggregation.law import law_in_force, verify_due
from xinyong.services.aggregation.layouts import StandardRows
from xinyong.services.aggregation.lookups import BatchLookups, granted_items
from xinyong.services.aggregation.writer import RecordWriter
from xinyong.services.catalog import CatalogIndex
from xinyong.services.duties import publication
from xinyong.services.platform.bootstrap import Platform
from xinyong.services.rulebook.publicity import publicity_check
from xinyong.store.models.records import RowRejection, SubmissionBatch
from xinyong.store.models.rights import Duty, Violation

PROGRESS_ROWS = 500
SUMMARY_ERRORS = 100
MAX_JSON_ROWS = 10_000
DEADLOCK_RETRIES = 8

Progress = Callable[[int, float], None]   # (rows read so far, fraction of the input read)

log = get_logger(__name__)


# ---------------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------------


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
    # New permits and penalties submitted past the publication duty's due date (services.duties.publication):
    # how many, the article breached and the liability article (none late: 0 and None).
    late: int = 0
    late_cite: str | None = None
    late_liability: str | None = None

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
            "late_publication": {"decisions": self.late, "cite": self.late_cite,
                                 "liability": self.late_liability} if self.late else None,
        }


def _summary(session: Session, batch: SubmissionBatch, *, replayed: bool = False,
             max_errors: int = SUMMARY_ERRORS) -> BatchSummary:
    errors = list(_rejections(session, batch.id, limit=max_errors))
    total = session.scalar(select(func.count(RowRejection.id)).where(RowRejection.batch_id == batch.id)) or 0
    late = session.execute(
        select(func.count(Violation.id), func.min(Violation.cite), func.min(Violation.liability))
        .join(Duty, Duty.id == Violation.duty_id)
        .where(Duty.matter_kind == publication.MATTER, Duty.matter_id == batch.id)).one()
    return BatchSummary(batch.id, batch.unit_code, batch.status, batch.source, batch.filename,
                        batch.rows_total, batch.accepted, batch.corrected, batch.unchanged, batch.rejected,
                        errors, total, batch.received_at, batch.verify_due, batch.verify_cite,
                        batch.verified_at, replayed, late[0] or 0, late[1], late[2])


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
# Running a batch
# ---------------------------------------------------------------------------------------------------


def _existing(session: Session, unit_code: str, key: str) -> SubmissionBatch | None:
    return session.scalars(select(SubmissionBatch).where(SubmissionBatch.unit_code == unit_code,
                                                         SubmissionBatch.idempotency_key == key)).first()


def _replay(session: Session, found: SubmissionBatch, key: str, digest: str) -> BatchSummary:
    if found.body_sha256 != digest:
        raise Refusal("Idempotency-Key", "idempotency_conflict",
                      f"幂等键 {key[:80]} 已用于内容不同的批次 {found.id}",
                      f"the idempotency key {key[:80]!r} was used for batch {found.id} with a different body",
                      status=CONFLICT, batch_id=found.id)
    return _summary(session, found, replayed=True)


def _clean_key(key: str | None, digest: str) -> str:
    if key is None or not key.strip():
        return f"sha256:{digest}"
    key = key.strip()
    if len(key) > 200 or not key.isprintable():
        raise Refusal("Idempotency-Key", "idempotency_key", "幂等键须为不超过 200 个可打印字符",
                      "the idempotency key must be at most 200 printable characters")
    return key


def _run(platform: Platform, actor: Actor, unit_code: str, *, key: str | None, digest: str, source: str,
         filename: str | None, rows: Callable[[], Iterator[tuple[int, Any]]],
         fraction: Callable[[], float], progress: Progress | None,
         header: Callable[[], list[str] | None] | None = None, whole: bool = False,
         after: Callable[[Any, BatchSummary], None] | None = None) -> BatchSummary:
    attempt = 0
    while True:
        attempt += 1
        try:
            return _run_batch(platform, actor, unit_code, key=key, digest=digest, source=source,
                              filename=filename, rows=rows, fraction=fraction, progress=progress,
                              header=header, whole=whole, after=after)
        except OperationalError as exc:
            # On SQLite a batch holds the single write lock from its first row to its commit; a second
            # writer waits ``busy_timeout`` and then gives up. That is "try again", not a server fault.
            if platform.engine.dialect.name == "sqlite" and "locked" in str(exc.orig):
                raise Refusal(None, "busy", "平台正在写入另一批数据，请稍后重试（本次未保存任何内容）",
                              "the platform is writing another batch: retry later (nothing was stored)",
                              status=503, headers={"Retry-After": "30"}) from None
            # On PostgreSQL two batches that name the same new subjects or records in different orders
            # can deadlock; the database aborts one of them, which then changed nothing. The batch is
            # replayable from its source, so it runs again (the rows are re-read from the start).
            if _retryable(exc) and attempt < DEADLOCK_RETRIES:
                log.info("batch retried after a deadlock", unit=unit_code, attempt=attempt)
                time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - jitter, not a secret
                continue
            raise



def _retryable(exc: OperationalError) -> bool:
    """A deadlock (40P01) or serialisation failure (40001): the transaction was rolled back whole."""
    return getattr(exc.orig, "sqlstate", None) in {"40P01", "40001"}


def _run_batch(platform: Platform, actor: Actor, unit_code: str, *, key: str | None, digest: str, source: str,
               filename: str | None, rows: Callable[[], Iterator[tuple[int, Any]]],
               fraction: Callable[[], float], progress: Progress | None,
               header: Callable[[], list[str] | None] | None = None, whole: bool = False,
               after: Callable[[Any, BatchSummary], None] | None = None) -> BatchSummary:
    key = _clean_key(key, digest)
    received_on = platform.clock.today()
    with platform.unit_of_work(actor) as uow:
        session = uow.session
        granted = granted_items(session, unit_code)
        found = _existing(session, unit_code, key)
        if found is not None:
            return _replay(session, found, key, digest)
        due, count, period_unit, cite = verify_due(platform, received_on)
        batch = SubmissionBatch(unit_code=unit_code, idempotency_key=key, body_sha256=digest, source=source,
                                filename=filename, jurisdiction=platform.jurisdiction, status="received",
                                rows_total=0, accepted=0, corrected=0, unchanged=0, rejected=0,
                                actor=actor.label()[:200], received_at=uow.platform.clock.now(),
                                received_on=received_on, verify_due=due, verify_count=count, verify_unit=period_unit,
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
        if not in_force:
            # The platform's own configuration, not the rows: refused whole, nothing stored (the unit of work
            # rolls back), so the idempotency key stays free for the same file once a catalog is in force.
            raise Refusal(None, "no_catalog_in_force",
                          f"{received_on.isoformat()} 没有施行中的公共信用信息目录（{platform.jurisdiction}），"
                          f"平台暂不能接收信息：未保存任何内容，目录施行后可用同一幂等键重新提交",
                          f"no public credit information catalog of {platform.jurisdiction} is in force on "
                          f"{received_on.isoformat()}, so the platform cannot receive information yet: nothing was "
                          f"stored, and the same idempotency key may be used again once a catalog is in force",
                          status=503, headers={"Retry-After": "3600"})
        lookups = BatchLookups(session, index, unit_code, granted, received_on)
        validator = RowValidator(law_in_force(platform, received_on), lookups, received_on=received_on,
                                 vocabulary=platform.rulebook.vocabulary)
        # A file laid out in a national standard (双公示) is recognised by its header and read as it is.
        # Its 公示截止期 is checked against the publicity tiers in force, its decision date against the
        # subject's establishment where the platform has the registration record.
        standard = StandardRows(received_on, header, publicity=publicity_check(platform),
                                established=lookups.established_on)
        writer = RecordWriter(uow, batch, in_force[0], background=write_behind.WRITE_BEHIND)
        lookups.before_read = writer.wait      # a lookup sees every chunk handed over before it
        counters = writer.counters
        try:
            for number, values in rows():   # a file refused as a whole raises its Refusal here
                counters.rows += 1
                if isinstance(values, files.ReadProblem):
                    writer.reject([RowError(number, values.field, values.code, values.message_zh,
                                            values.message_en)])
                else:
                    found_layout = standard.layout_for(values)
                    result = (validator.validate(number, values) if found_layout is None
                              else standard.validate(validator, number, values, found_layout))
                    if isinstance(result, list):
                        writer.reject(result)
                    else:
                        writer.accept(result)
                if progress is not None and counters.rows % PROGRESS_ROWS == 0:
                    progress(counters.rows, fraction())
            writer.flush()
            writer.flush_rejections()
        finally:
            writer.close()
        if progress is not None:
            progress(counters.rows, 1.0)

        batch.rows_total, batch.accepted = counters.rows, counters.accepted
        batch.corrected, batch.unchanged = counters.corrected, counters.unchanged
        batch.rejected = counters.rejected
        session.flush()
        if whole and counters.rejected:
            # All or nothing (a peer platform's exchange): the unit of work rolls back, nothing stays,
            # and the key is not used up.
            raise WholeBatchRefused(_summary(session, batch))
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
        # Late permits and penalties: the providing unit's publication duty (a peer platform forwarding
        # its own units' decisions, actor ``peer:<name>``, is not the deciding unit publishing them).
        if writer.new_decisions and not actor.principal.startswith("peer:"):
            publication.record_late(uow, batch_id=batch.id, unit_code=unit_code, received_on=received_on,
                                    decisions=writer.new_decisions)
        summary = _summary(session, batch)
        if after is not None:      # the caller's own writes, in the batch's transaction
            after(uow, summary)
        return summary


def import_file(platform: Platform, actor: Actor, unit_code: str, path: str | os.PathLike[str], *,
                key: str | None = None, file_format: str | None = None, filename: str | None = None,
                progress: Progress | None = None) -> BatchSummary:
    """Import a CSV, XLSX or JSONL file for a unit as one batch (see the module docstring)."""
    path = Path(path)
    source = files.open_rows(path, file_format)
    digest = file_digest(path)
    return _run(platform, actor, unit_code, key=key, digest=digest, source=source.format,
                filename=(filename or path.name)[:255], rows=source.rows, fraction=source.fraction_read,
                progress=progress, header=lambda: source.header)


class WholeBatchRefused(Exception):
    """A batch submitted all or nothing had a refused row: nothing of it was stored (``summary`` tells the
    rows and their errors as the batch would have)."""

    def __init__(self, summary: BatchSummary) -> None:
        super().__init__(f"{summary.rejected} rows refused")
        self.summary = summary


def submit_rows(platform: Platform, actor: Actor, unit_code: str, rows: list[Mapping[str, Any]], *,
                key: str | None = None, progress: Progress | None = None, whole: bool = False,
                after: Callable[[Any, BatchSummary], None] | None = None) -> BatchSummary:
    """Submit JSON rows (row numbers count from 1) as one batch. ``whole``: all or nothing (a refused row
    raises ``WholeBatchRefused`` and nothing is stored); ``after(uow, summary)``: the caller's writes in
    the batch's own transaction (not run when the key replays an earlier batch)."""
    if len(rows) > MAX_JSON_ROWS:
        raise Refusal("rows", "too_many_rows", f"一次最多提交 {MAX_JSON_ROWS} 行，请改用文件上传",
                      f"at most {MAX_JSON_ROWS} rows per submission: upload a file instead")
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
                rows=generate, fraction=lambda: done[0] / total, progress=progress, whole=whole, after=after)


def file_digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def rows_digest(rows: list[Mapping[str, Any]]) -> str:
    """The idempotency digest of a JSON submission's rows: canonical JSON with dates (and anything else
    JSON has no type for) as ``str`` gives them and a NaN as the standard library writes it, the very
    bytes hashed before, so that an idempotency key stored then still replays."""
    text = canonical_json(rows, default=str, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# ---------------------------------------------------------------------------------------------------
# Batches after the fact
# ---------------------------------------------------------------------------------------------------


def _load_batch(session: Session, batch_id: int, unit_code: str | None) -> SubmissionBatch:
    batch = session.get(SubmissionBatch, batch_id)
    if batch is None or (unit_code is not None and batch.unit_code != unit_code):
        raise _batch_not_found(batch_id)   # another unit's batch is not acknowledged to exist
    return batch


def _batch_not_found(batch_id: int) -> Refusal:
    return Refusal("batch", "batch_not_found", f"没有编号为 {batch_id} 的批次", f"there is no batch {batch_id}",
                   status=NOT_FOUND)


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
            raise _batch_not_found(batch_id)
        if batch.status != "verified":
            now = platform.clock.now()
            on_time = None if batch.verify_due is None else platform.clock.today() <= batch.verify_due
            batch.status, batch.verified_at, batch.verified_by = "verified", now, actor.label()[:200]
            uow.session.flush()
            uow.record("batch.verified", "submission_batch", batch.id, {
                "unit": batch.unit_code, "on_time": on_time, "verify_cite": batch.verify_cite,
                "verify_due": batch.verify_due.isoformat() if batch.verify_due else None})
        return _summary(uow.session, batch)


@dataclass(frozen=True)
class BatchRow:
    """One line of a list of batches."""

    batch: int
    unit: str
    filename: str | None
    source: str
    received_at: datetime
    rows: int
    accepted: int
    rejected: int
    status: str
    verify_due: date | None
    verified_at: datetime | None


def list_batches(session: Session, *, unit_code: str | None = None, limit: int = 50,
                 offset: int = 0, awaiting: bool = False) -> list[BatchRow]:
    """The newest batches first: a unit's own (``unit_code``), or every unit's (the operator); ``awaiting``:
    only those not verified yet, the nearest verification due date first."""
    order = (SubmissionBatch.verify_due.is_(None), SubmissionBatch.verify_due, SubmissionBatch.id) if awaiting \
        else (SubmissionBatch.id.desc(),)
    stmt = select(SubmissionBatch).order_by(*order).offset(max(0, offset)).limit(max(1, min(limit, 200)))
    if unit_code is not None:
        stmt = stmt.where(SubmissionBatch.unit_code == unit_code)
    if awaiting:
        stmt = stmt.where(SubmissionBatch.verified_at.is_(None))
    return [BatchRow(b.id, b.unit_code, b.filename, b.source, b.received_at, b.rows_total, b.accepted, b.rejected,
                     b.status, b.verify_due, b.verified_at) for b in session.scalars(stmt)]


ERROR_REPORT_MEDIA = {"csv": "text/csv; charset=utf-8",
                      "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def write_error_report(platform: Platform, batch_id: int, fmt: str, *, unit_code: str | None = None) -> Path:
    """Every refused row of the batch written to a temporary file in the data folder's ``uploads`` (CSV in
    UTF-8 with BOM or XLSX; no cell starts a formula), for the caller to send and remove; a ``Refusal``
    when there is no such batch (of ``unit_code``)."""
    folder = platform.settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=f".{fmt}", delete=False) as out:
        path = Path(out.name)
        try:
            with platform.sessions() as session:
                rows = batch_errors(session, batch_id, unit_code=unit_code)
                (files.write_errors_csv if fmt == "csv" else files.write_errors_xlsx)(rows, out)
        except BaseException:
            out.close()
            path.unlink(missing_ok=True)
            raise
    return path
