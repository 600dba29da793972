"""The inquiry log's writer: every inquiry is logged — and, unless public, ledgered — before it is
answered, or it is not answered at all.

An inquiry (``inquiry``) is work for the writer: ``logged(platform, who, work)`` queues it, and one
writer thread per database runs the queued inquiries one after another in one transaction whose commit
they share (group commit, ``_GroupCommit``). The work reads and decides and stages its log row through
the ``log`` it is given (``_log``); the writer stores a batch's rows with one statement and their
ledger entries with one ``append_many`` (``_store``), then commits. If the log cannot be written,
nothing is served: the caller gets the refusal ``inquiry_not_logged`` (503).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import hashlib
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from xinyong.domain.disclosure.policy import Mode, Reason
from xinyong.domain.identity.actors import Actor
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.audit import ledger
from xinyong.services.disclosure.results import not_logged
from xinyong.services.platform.bootstrap import Platform, UnitOfWork
from xinyong.store.models.access import InquiryLog

ActorOrDeferred = Actor | Callable[[Session], Actor]
"""Who asks an inquiry: the ``Actor`` itself, or a deferred lookup of it, a function the writer calls with
the inquiry's own session, inside its transaction, to find the actor behind a request's credentials
(``api.deps.deferred_actor``: no connection or worker thread of its own). Whatever that function raises
(a refused token), the inquiry's caller gets, with nothing read or logged."""

_INSERT_LOGS = insert(InquiryLog.__table__).returning(InquiryLog.__table__.c.id, sort_by_parameter_order=True)


def digest(text: str) -> str:
    """What the log and the ledger keep of a reference or a list of ids: its SHA-256, never itself."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def records_digest(ids: Iterable[int]) -> str:
    """The digest the ledger keeps of an inquiry's returned record ids (comma-joined, in order)."""
    return digest(",".join(str(i) for i in ids))


class _Logged(NamedTuple):
    id: int         # 0 until the row is stored: the writer then puts the stored id into the result
    at: datetime


class _Staged(NamedTuple):
    """An inquiry's log row, and for a non-public read its ledger event, waiting to be stored."""

    values: dict[str, Any]
    event: tuple[str, dict[str, Any]] | None


def _log(uow: UnitOfWork, job: _Job, *, mode: Mode, purpose: str | None, authorization_id: int | None,
         subject_id: int | None, ref_sha256: str | None, items: Sequence[str] | None, returned: Sequence[int],
         denied: Sequence[tuple[int, str]], refused: Reason | None, cite: str | None, channel: str) -> _Logged:
    """Stage the inquiry's log row (and ledger event): the writer stores the rows of a batch with one
    statement (``_store``), in the same transaction, before anyone is answered."""
    viewer_actor = uow.actor
    now = uow.platform.clock.now()
    values = {"at": now, "inquired_on": uow.platform.clock.today(), "principal": viewer_actor.principal,
              "organisation": viewer_actor.organisation, "role": viewer_actor.role.value, "channel": channel,
              "mode": mode.value, "purpose": purpose, "authorization_id": authorization_id,
              "subject_id": subject_id, "subject_ref_sha256": ref_sha256,
              "items": list(items) if items else None,
              "returned_record_ids": list(returned), "denied_records": [[i, c] for i, c in denied],
              "refused_reason": refused.code if refused else None, "cite": refused.cite if refused else cite}
    event = None
    if mode is not Mode.lawful_disclosure:
        ids = ",".join(str(i) for i in returned)
        event = ("inquiry.refused" if refused else "inquiry.served", {
            "mode": mode.value, "purpose": purpose, "authorization_id": authorization_id,
            "subject_id": subject_id, "channel": channel, "returned": len(returned), "denied": len(denied),
            "records_sha256": digest(ids), "refused": refused.code if refused else None})
    job.staged = _Staged(values, event)
    return _Logged(0, now)


def _store(jobs: Sequence[_Job]) -> None:
    """Store the staged log rows of ``jobs`` with one statement, put each stored id into its job's
    result, and append all their ledger entries with one ``append_many`` (in the jobs' order: they
    share the transaction)."""
    if not jobs:
        return
    uow = jobs[0].uow
    assert uow is not None
    staged = [job for job in jobs if job.staged is not None]
    if staged:
        ids = uow.connection.execute(_INSERT_LOGS, [job.staged.values for job in staged]).scalars()
        for job, inquiry_id in zip(staged, ids, strict=True):
            assert job.uow is not None and job.staged is not None
            job.result = dataclasses.replace(job.result, inquiry_id=int(inquiry_id))
            if job.staged.event is not None:
                action, facts = job.staged.event
                job.uow.record(action, "inquiry", int(inquiry_id), facts)
    recorded = [event for job in jobs if job.uow is not None for event in job.uow.take_recorded()]
    ledger.append_many(uow.session, recorded, uow.connection, copies=False)


class _Job:
    """One inquiry waiting to be run and logged: by a thread that waits for it, or by a coroutine that
    awaits its future."""

    __slots__ = ("platform", "actor", "resolve", "work", "context", "uow", "staged", "result", "error",
                 "logging", "finished", "loop", "future")

    def __init__(self, platform: Platform, who: ActorOrDeferred, work: Any) -> None:
        self.platform, self.work = platform, work
        # The actor, or how to find out who it is inside the inquiry's own transaction.
        self.actor: Actor | None = who if isinstance(who, Actor) else None
        self.resolve: Callable[[Session], Actor] | None = None if isinstance(who, Actor) else who
        self.context = contextvars.copy_context()      # the caller's log context goes with the work
        self.uow: UnitOfWork | None = None
        self.staged: _Staged | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.logging = False
        self.finished = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self.future: asyncio.Future[Any] | None = None

    def reset(self) -> None:
        """Forget an attempt that was rolled back (the inquiry runs again)."""
        self.result, self.error, self.logging = None, None, False
        self.uow, self.staged = None, None
        if self.resolve is not None:
            self.actor = None

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result

    def settle_future(self) -> None:
        """(On the event loop.) Hand the outcome to the awaiting coroutine, unless it went away."""
        future = self.future
        if future is None or future.done():
            return
        if self.error is not None:
            future.set_exception(self.error)
        else:
            future.set_result(self.result)


_WRITER_IDLE_SECONDS = 5.0


class _GroupCommit:
    """Inquiries of one process (per database) are run by one writer thread, one after another,
    inside one transaction whose commit they share (group commit).

    Every inquiry is a durable write — its log row, and for a non-public read its ledger entry — and
    the commit's flush to disk is what it costs most. Callers queue their inquiries here; the writer
    takes everything queued as the next batch: every inquiry reads and decides, then the batch's log
    rows and ledger entries are stored, then it commits (``_commit``). Nobody is answered before the
    commit that holds its log row has succeeded; if that commit fails, every inquiry of the batch
    is refused ``inquiry_not_logged`` and nothing is served. A failure of one inquiry costs only that
    inquiry (after a failed statement the batch runs again with a savepoint per inquiry). On SQLite
    this also keeps the process's inquiries from contending for the database's single write lock.

    A thread waits for its inquiry (``run``); a request handler awaits it (``run_async``) without
    holding a worker thread, so serving an inquiry over HTTP costs no thread hand-offs beyond the
    writer's. The writer starts with the first inquiry and ends after a few idle seconds.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.work_ready = threading.Condition(self.lock)
        self.done = threading.Condition(self.lock)
        self.queue: list[_Job] = []
        self.writer: threading.Thread | None = None

    def run(self, job: _Job) -> Any:
        with self.lock:
            self._enqueue(job)
            while not job.finished:
                self.done.wait()
        return job.outcome()

    async def run_async(self, job: _Job) -> Any:
        job.loop = asyncio.get_running_loop()
        job.future = job.loop.create_future()
        with self.lock:
            self._enqueue(job)
        return await job.future

    def _enqueue(self, job: _Job) -> None:
        """(Holding the lock.) Queue the job and make sure a writer will take it."""
        self.queue.append(job)
        if self.writer is None:
            self._start_writer()
        else:
            self.work_ready.notify()

    def _write(self) -> None:
        held = _HeldConnection()
        try:
            while True:
                with self.lock:
                    if not self.queue:
                        self.work_ready.wait(_WRITER_IDLE_SECONDS)
                    if not self.queue:
                        self.writer = None
                        return
                    batch, self.queue = self.queue, []
                try:
                    _commit(batch, held)
                except BaseException as exc:  # the writer itself failed: its batch is answered, not lost
                    for job in batch:
                        if job.error is None:
                            job.error, job.result = not_logged(exc), None
                    with self.lock:
                        self.writer = None
                        if self.queue:          # the next writer takes what is queued
                            self._start_writer()
                    raise
                finally:
                    self._finish(batch)
        finally:
            held.drop()

    def _start_writer(self) -> None:
        """(Holding the lock.)"""
        self.writer = threading.Thread(target=self._write, name="xinyong-inquiry-writer", daemon=True)
        self.writer.start()

    def _finish(self, batch: list[_Job]) -> None:
        waiting = False
        with self.lock:
            for job in batch:
                job.finished = True
                waiting = waiting or job.loop is None
            if waiting:
                self.done.notify_all()
        for job in batch:
            if job.loop is not None:
                try:
                    job.loop.call_soon_threadsafe(job.settle_future)
                except RuntimeError:    # the loop has closed: nobody is waiting any more
                    pass


class _HeldConnection:
    """The writer's own connection, kept from batch to batch while the writer runs (no pool checkout,
    liveness ping and return per batch) and given up after a failure, so the next batch starts on a
    fresh one."""

    def __init__(self) -> None:
        self.connection: Connection | None = None

    def session(self, platform: Platform) -> Session:
        if self.connection is None or self.connection.closed or self.connection.invalidated:
            self.drop()
            self.connection = platform.engine.connect()
        return platform.sessions(bind=self.connection)

    def drop(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            with contextlib.suppress(Exception):     # a broken connection is simply not reused
                connection.close()


def _commit(batch: list[_Job], held: _HeldConnection) -> None:
    """Run the batch and commit it: first all in one go, without savepoints (the common case:
    nobody fails); if an inquiry fails, that attempt is rolled back whole and the batch runs again
    with each inquiry in its own savepoint, so a failure costs only the inquiry that failed. A
    failed commit is not tried again (it may have happened): its inquiries are not served."""
    if len(batch) > 1:
        if _together(batch, held):
            return
        for job in batch:
            job.reset()
    _one_by_one(batch, held)


def _together(batch: list[_Job], held: _HeldConnection) -> bool:
    """Run the batch in one transaction without savepoints: every inquiry reads and decides, then all
    their log rows are stored with one statement and their ledger entries appended. An inquiry that
    fails while reading gets its error and the others go on. False if the database failed a
    statement (then nothing of the attempt remains); True once the batch is answered (committed, or
    its commit failed)."""
    session = held.session(batch[0].platform)
    try:
        transaction = session.begin()
        for job in batch:
            try:
                job.context.run(_run_job, job, session)
            except Exception as exc:  # noqa: BLE001
                if isinstance(exc, DBAPIError):
                    # The database may refuse the rest of the transaction (PostgreSQL does after an
                    # error): run again, one savepoint per inquiry.
                    transaction.rollback()
                    return False
                job.error = _failure(job, exc)      # it only read: the others go on
        try:
            _store([job for job in batch if job.error is None])
        except Exception:  # noqa: BLE001 - which row was refused? one savepoint per inquiry tells
            transaction.rollback()
            return False
        try:
            transaction.commit()
        except Exception as exc:  # noqa: BLE001 - nothing of the batch is served
            held.drop()
            for job in batch:
                job.logging = True
                job.error, job.result = _failure(job, exc), None
        return True
    finally:
        session.close()


def _one_by_one(batch: list[_Job], held: _HeldConnection) -> None:
    """Run the batch in one transaction, each inquiry in its own savepoint (alone: none)."""
    session = held.session(batch[0].platform)
    try:
        with session.begin():
            for job in batch:
                try:
                    with contextlib.nullcontext() if len(batch) == 1 else session.begin_nested():
                        job.context.run(_run_job, job, session)
                        _store([job])
                except Exception as exc:  # noqa: BLE001 - handed to the job's own caller
                    if len(batch) == 1:
                        raise
                    job.error = _failure(job, exc)
    except Exception as exc:  # noqa: BLE001 - the commit (or a lone inquiry) failed
        held.drop()
        for job in batch:
            if job.error is None:
                job.logging = job.logging or job.result is not None
                job.error = _failure(job, exc)
                job.result = None
    finally:
        session.close()


def _run_job(job: _Job, session: Session) -> None:
    """Find who asks, and do the inquiry's reading and deciding; its log row is staged, not stored."""
    if job.resolve is not None:
        job.actor = job.resolve(session)
    assert job.actor is not None
    job.uow = UnitOfWork(job.platform, session, job.actor)
    job.staged = None
    job.result = job.work(job.uow, _logger(job))


def _logger(job: _Job) -> Any:
    def log(uow: UnitOfWork, **kwargs: Any) -> _Logged:
        job.logging = True
        return _log(uow, job, **kwargs)

    return log


def _failure(job: _Job, exc: BaseException) -> BaseException:
    """What the caller of a failed inquiry gets: a refusal (bad input) as itself; a failure once logging
    had begun (or at the commit) as the refusal ``inquiry_not_logged``: nothing was served."""
    if isinstance(exc, Refusal) or not job.logging:
        return exc
    return not_logged(exc)


_COMMITS: weakref.WeakKeyDictionary[Any, _GroupCommit] = weakref.WeakKeyDictionary()
_COMMITS_LOCK = threading.Lock()


def _group(platform: Platform) -> _GroupCommit:
    with _COMMITS_LOCK:
        group = _COMMITS.get(platform.engine)
        if group is None:
            group = _COMMITS[platform.engine] = _GroupCommit()
    return group


def logged(platform: Platform, who: ActorOrDeferred, work: Any) -> Any:
    """Run ``work(uow, log)`` and commit its log (and ledger) entries before returning its result."""
    return _group(platform).run(_Job(platform, who, work))


async def logged_async(platform: Platform, who: ActorOrDeferred, work: Any) -> Any:
    """``logged`` for a coroutine: awaits the writer instead of holding a thread."""
    return await _group(platform).run_async(_Job(platform, who, work))


__all__ = ["ActorOrDeferred", "digest", "logged", "logged_async", "records_digest"]
