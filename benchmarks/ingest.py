"""Benchmark: validated bulk import against a plain bulk load of the same file, on SQLite and PostgreSQL.

    python benchmarks/ingest.py                       # 20,000 rows, SQLite (and PostgreSQL if configured)
    python benchmarks/ingest.py --rows 1000000        # the issue's full size
    python benchmarks/ingest.py --pg-url postgresql://postgres@127.0.0.1:5432/postgres

What is measured, per database, each phase in its own child process on a fresh database (so that
peak RSS is the phase's own):

* ``validated``: ``xinyong.services.aggregation.batches.import_file`` on a generated CSV (UTF-8) mixing accepted
  rows (administrative penalties and permits), corrections of earlier rows, and rejected rows of
  several kinds (bad identifier checksum, missing legal-effect document, simplified procedure,
  forbidden data in free text, unknown item, bad date). The whole path: streaming read, row
  validation under the rule values of the jurisdiction (default ``gansu-2021``: forbidden and
  consent-only data, penalty exclusions, a verification deadline), subject lookup, record/version
  upserts with row locks, rejections, ledger entries, one transaction.
* ``raw``: the same file read with the ``csv`` module and every row stored in the shape the import
  stores it (a record, and a version with its payload, document, date and batch columns) by the
  statements the import stored it with before issue 17 (PostgreSQL: ``unnest`` bulk inserts; SQLite:
  Core executemany), chunked, in one transaction, with no validation, idempotency, locking, rejection or
  ledger: the old floor, kept as a second baseline (``ratio_validated_over_raw``). (Rows the validated
  path refuses are stored here too.)
* ``bulk``: the limit (issue 17): the same file loaded as it is into an unindexed table with the file's
  columns, in one transaction: ``COPY … FROM STDIN`` (psycopg's copy) on PostgreSQL, one ``executemany``
  over the ``csv`` reader on SQLite (``ratio_validated_over_bulk``, target ≥ 0.3).
* ``floor``: the schema's own ceiling: the file staged exactly as ``bulk`` loads it, then in the same transaction
  the rows the validated import accepts as new records (an item of the catalog in force, an identifier of the
  pool, none of the file's other refusals; the first row of each (item, record key)) inserted straight into
  ``records`` (every constraint and index of the real schema: 3 foreign keys, 4 indexes) and one
  ``record_versions`` row each (2 foreign keys, 3 indexes; the payload built in SQL), by set-based statements
  over the stage: no Python per row, no validation, digest, ledger or corrections. No import that stores each
  accepted row as a record and a version can be much faster (it might stage less, but it cannot skip the
  inserts, ``inserts_s``): ``ratio_floor_over_bulk`` is about the best any such import can reach against the
  bulk load (``floor_allows_0_3``: whether the 0.3 target is reachable at all under this
  schema), ``ratio_validated_over_floor`` how near the import is to it, ``floor_records_match_validated``
  checks that the floor stored as many records as the import accepted new ones.

``at_once`` (not run unless named in ``--phases``) is the validated import with each chunk stored on the
batch's own thread as it is handed over, without the write-behind (``services.aggregation.writer``):
``ratio_write_behind_gain`` is what the write-behind gains. The write-behind is off by default (it gained
nothing measurable here), so run ``--phases validated at_once`` with ``XINYONG_BENCH_WRITE_BEHIND=1``, which
turns it on for the validated phase.

``--phases`` runs some of them; ``--profile PATH`` writes the validated phase's cProfile statistics to
``PATH.<database>.prof`` (with the chunks stored on the profiled thread, as in ``at_once``: cProfile sees
one thread).

The subject pool (``--subjects`` distinct identifiers) is registered before the timed phases, on both
databases alike: the steady state where subjects are already known to the platform (registration
authorities' basic information is aggregated first). Its cost is reported separately
(``subjects_setup_s``).

Prints one JSON document (machine facts, parameters, rows/s, peak RSS, the ratios) and writes
it to ``benchmarks/results/ingest.json``. Targets: validated at least 0.3 times the bulk load's rate;
peak memory under 500 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform as pyplatform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "ingest.json"
os.environ.setdefault("XINYONG_ENV", "local")   # scratch data and the demo verifier: a developer's machine
UNIT = "market-regulation"
COLUMNS = ["item", "record_key", "identifier", "subject_name", "correction_reason", "document_kind",
           "document_number", "document_date", "document_issuer", "penalty_kinds", "fine_amount",
           "violation_facts", "legal_basis", "simplified_procedure", "slight_or_harm_eliminated",
           "conduct_ended", "permit_number", "permit_title", "permit_kind", "decision_date", "valid_from",
           "permit_authority"]
CHUNK = 1000
# The free text of the rows refused for forbidden data (the ``floor`` phase leaves them out by this text).
FORBIDDEN_FACTS = "检查发现其员工体检记录含有血型信息。"


# --------------------------------------------------------------------------------------------------
# The generated file
# --------------------------------------------------------------------------------------------------


def pool_identifier(n: int) -> str:
    from xinyong.domain.subjects.identifiers import uscc_check_character

    base = f"91620100{n:09d}"
    return base + uscc_check_character(base)


def generate(path: Path, rows: int, subjects: int, seed: int = 7) -> dict[str, int]:
    """A CSV of ``rows`` rows: ~80% good new records, ~5% corrections, ~15% rejected of six kinds."""
    rng = random.Random(seed)
    identifiers = [pool_identifier(n) for n in range(subjects)]
    kinds = {"penalty": 0, "permit": 0, "correction": 0, "rejected": 0}
    penalties: list[int] = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for i in range(rows):
            subject = rng.randrange(subjects)
            roll = rng.random()
            row = dict.fromkeys(COLUMNS, "")
            row.update(identifier=identifiers[subject], subject_name=f"示范企业{subject}有限公司")
            if roll < 0.10:
                row.update(item="admin_permit", record_key=f"XK-{i}", permit_number=f"许可〔2025〕{i}号",
                           permit_title="食品经营许可证", permit_kind="ordinary", decision_date="2025-03-01",
                           valid_from="2025-03-01", permit_authority="市市场监督管理局")
                kinds["permit"] += 1
            else:
                row.update(item="admin_penalty", record_key=f"CF-{i}", document_kind="administrative_penalty_decision",
                           document_number=f"市监罚〔2025〕{i}号", document_date="2025-04-01",
                           document_issuer="市市场监督管理局", penalty_kinds="fine", fine_amount=str(1000 + i % 5000),
                           violation_facts="未按规定公示年度报告，经责令限期改正逾期未改正。",
                           legal_basis="《企业信息公示暂行条例》第十八条", simplified_procedure="否",
                           slight_or_harm_eliminated="否", conduct_ended="2025-03-15")
                if 0.10 <= roll < 0.15 and penalties:
                    earlier = rng.choice(penalties)
                    row.update(record_key=f"CF-{earlier}", fine_amount=str(9000 + i % 1000),
                               correction_reason="罚款金额更正（复议决定）")
                    kinds["correction"] += 1
                elif roll >= 0.85:
                    kind = rng.randrange(6)
                    if kind == 0:
                        row["identifier"] = row["identifier"][:-1] + ("0" if row["identifier"][-1] != "0" else "1")
                    elif kind == 1:
                        row.update(document_number="", document_issuer="")
                    elif kind == 2:
                        row["simplified_procedure"] = "是"
                    elif kind == 3:
                        row["violation_facts"] = FORBIDDEN_FACTS
                    elif kind == 4:
                        row["item"] = "not_in_catalog"
                    else:
                        row["document_date"] = "2025-13-45"
                    kinds["rejected"] += 1
                else:
                    penalties.append(i)
                    kinds["penalty"] += 1
            writer.writerow([row[c] for c in COLUMNS])
    return kinds


# --------------------------------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------------------------------


def _platform(url: str, jurisdiction: str, data_dir: Path):  # type: ignore[no-untyped-def]
    from xinyong.services.platform.bootstrap import Platform
    from xinyong.settings import Settings

    settings = Settings(data_dir=data_dir, database_url=url, jurisdiction=jurisdiction,
                        log_level="WARNING")
    return Platform.from_settings(settings)


def prepare(url: str, jurisdiction: str, data_dir: Path, subjects: int) -> float:
    """Migrate, load the demo catalog and units, register the subject pool; returns the pool's seconds."""
    from xinyong.domain.identity.actors import Actor
    from xinyong.services.demo.catalog import load_catalog
    from xinyong.services.subjects import registry as subject_service

    platform = _platform(url, jurisdiction, data_dir)
    platform.migrate()
    load_catalog(platform)
    started = time.perf_counter()
    actor = Actor.system("bench")
    for first in range(0, subjects, 5000):
        with platform.unit_of_work(actor) as uow:
            for n in range(first, min(subjects, first + 5000)):
                subject_service.register(uow, identifier=pool_identifier(n), display_name=f"示范企业{n}有限公司",
                                         kind="legal_person")
    elapsed = time.perf_counter() - started
    platform.engine.dispose()
    return elapsed


class PgDatabases:
    """Scratch PostgreSQL databases, dropped afterwards."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        from xinyong.store.db import normalise_url

        self.base = make_url(normalise_url(url))
        self.created: list[str] = []

    def _admin(self):  # type: ignore[no-untyped-def]
        from sqlalchemy import create_engine

        return create_engine(self.base.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def create(self, name: str) -> str:
        from sqlalchemy import text

        engine = self._admin()
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        self.created.append(name)
        return self.base.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        from sqlalchemy import text

        engine = self._admin()
        with engine.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


# --------------------------------------------------------------------------------------------------
# Phases (each runs in a child process)
# --------------------------------------------------------------------------------------------------


def phase_validated(url: str, jurisdiction: str, data_dir: Path, file: Path) -> dict[str, object]:
    if os.environ.get("XINYONG_BENCH_WRITE_BEHIND") == "1":
        from xinyong.services.aggregation import writer

        writer.WRITE_BEHIND = True
    return _validated(url, jurisdiction, data_dir, file)


def _validated(url: str, jurisdiction: str, data_dir: Path, file: Path) -> dict[str, object]:
    from xinyong.domain.identity.actors import Actor, Role
    from xinyong.services.aggregation import batches
    platform = _platform(url, jurisdiction, data_dir)
    started, cpu = time.perf_counter(), time.process_time()
    summary = batches.import_file(platform, Actor(Role.operator, "bench", UNIT), UNIT, file)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    platform.engine.dispose()
    return {"seconds": elapsed, "cpu_seconds": cpu, "rows": summary.rows, "accepted": summary.accepted,
            "corrected": summary.corrected, "unchanged": summary.unchanged, "rejected": summary.rejected,
            "errors": summary.errors_total}


def phase_raw(url: str, jurisdiction: str, data_dir: Path, file: Path) -> dict[str, object]:
    """Every row as a record and a version, no validation: the floor to compare with."""
    from sqlalchemy import func, insert, select

    from xinyong.store.db import make_engine
    from xinyong.store.models.catalog import CatalogVersion
    from xinyong.store.models.records import Record, RecordVersion, SubmissionBatch
    from xinyong.store.models.subjects import SubjectIdentifier

    engine = make_engine(url)
    records, versions = Record.__table__, RecordVersion.__table__
    started, cpu = time.perf_counter(), time.process_time()
    now = datetime.now(UTC)
    inserted = 0
    with engine.begin() as conn:
        subject_ids = dict(conn.execute(select(SubjectIdentifier.value, SubjectIdentifier.subject_id)).all())
        fallback = min(subject_ids.values())
        version_id = conn.execute(select(func.max(CatalogVersion.id))).scalar_one()
        batch_id = conn.execute(insert(SubmissionBatch.__table__).returning(SubmissionBatch.id), {
            "unit_code": UNIT, "idempotency_key": "raw", "body_sha256": "0" * 64, "source": "csv",
            "jurisdiction": jurisdiction, "status": "received", "rows_total": 0, "accepted": 0, "corrected": 0,
            "unchanged": 0, "rejected": 0, "actor": "bench", "received_at": now, "received_on": now.date(),
        }).scalar_one()
        with file.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            chunk: list[dict[str, str]] = []
            for number, row in enumerate(reader, start=2):
                row["_row"] = str(number)
                chunk.append(row)
                if len(chunk) >= CHUNK:
                    inserted += _raw_chunk(conn, records, versions, chunk, subject_ids, fallback, version_id,
                                           batch_id, now)
                    chunk = []
            inserted += _raw_chunk(conn, records, versions, chunk, subject_ids, fallback, version_id, batch_id, now)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return {"seconds": elapsed, "cpu_seconds": cpu, "rows": inserted}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


# The raw floor's PostgreSQL statements: a chunk's rows as one array per column through ``unnest``, the
# statements the import stored its records and versions with until issue 17 (now ``COPY``).
PG_INSERT_RECORDS = """
    INSERT INTO records (unit_code, item_code, record_key, subject_id, catalog_version_id, category,
                         disclosure_class, status, current_version, created_at, updated_at)
    SELECT :unit, k.item_code, k.record_key, k.subject_id, :catalog, k.category, k.disclosure, 'active', 1,
           :now, :now
    FROM unnest(CAST(:items AS varchar[]), CAST(:keys AS varchar[]), CAST(:subjects AS integer[]),
                CAST(:categories AS varchar[]), CAST(:disclosures AS varchar[]))
         WITH ORDINALITY AS k(item_code, record_key, subject_id, category, disclosure, n)
    ORDER BY k.n
    ON CONFLICT (unit_code, item_code, record_key) DO NOTHING
    RETURNING id, item_code, record_key"""
PG_INSERT_VERSIONS = """
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
    ORDER BY k.n"""


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

    # Stored text, not hashed (the content digest is canonical JSON): what PostgreSQL's json type keeps
    # and db.load_json reads. The standard library, not orjson, which refuses integers beyond 64 bits.
    return {"batch": batch_id, "now": now, "record_ids": column("record_id"), "versions": column("version"),
            "payloads": [json.dumps(v["payload"], ensure_ascii=False, separators=(",", ":")) for v in versions],
            "digests": column("content_sha256"), "reasons": column("correction_reason"),
            "doc_kinds": column("document_kind"), "doc_numbers": column("document_number"),
            "doc_dates": column("document_date"), "doc_issuers": column("document_issuer"),
            "decided": column("decision_date"), "ended": column("conduct_ended"),
            "source_rows": column("source_row")}


def _raw_chunk(conn, records, versions, chunk, subject_ids, fallback, version_id, batch_id, now) -> int:  # type: ignore[no-untyped-def]
    """The rows stored in the same shape the import stores them (record + version with its columns),
    by the same statements (on PostgreSQL the import's ``unnest`` bulk statements, on SQLite Core
    executemany), minus every check: no validation, no idempotency, no locks, no rejections, no ledger."""
    from sqlalchemy import text

    if not chunk:
        return 0
    record_rows = [
        {"unit_code": UNIT, "item_code": row["item"][:64], "record_key": f"{row['record_key']}#{row['_row']}",
         "subject_id": subject_ids.get(row["identifier"], fallback), "catalog_version_id": version_id,
         "category": "untrustworthiness", "disclosure_class": "public", "status": "active", "current_version": 1,
         "created_at": now, "updated_at": now} for row in chunk]
    postgresql = conn.dialect.name == "postgresql"
    if postgresql:
        returned = conn.execute(text(PG_INSERT_RECORDS), pg_record_arrays(UNIT, version_id, now, [
            (r["item_code"], r["record_key"], r["subject_id"], r["category"], r["disclosure_class"])
            for r in record_rows])).all()
        ids = {key: rid for rid, _, key in returned}
    else:
        ids = dict(conn.execute(records.insert().returning(records.c.record_key, records.c.id), record_rows).all())
    version_rows = [
        {"record_id": ids[f"{row['record_key']}#{row['_row']}"], "version": 1,
         "payload": {k: v for k, v in row.items() if v and k != "_row"}, "content_sha256": "0" * 64,
         "correction_reason": row["correction_reason"] or None, "document_kind": row["document_kind"] or None,
         "document_number": row["document_number"][:200] or None, "document_date": _day(row["document_date"]),
         "document_issuer": row["document_issuer"] or None, "decision_date": _day(row["document_date"]),
         "conduct_ended": _day(row["conduct_ended"]), "batch_id": batch_id, "source_row": int(row["_row"]),
         "created_at": now}
        for row in chunk]
    if postgresql:
        conn.execute(text(PG_INSERT_VERSIONS), pg_version_arrays(version_rows, batch_id, now))
    else:
        conn.execute(versions.insert(), version_rows)
    return len(chunk)


def phase_bulk(url: str, jurisdiction: str, data_dir: Path, file: Path) -> dict[str, object]:
    """The limit: the same file loaded as it is into an unindexed table with the file's columns, in one
    transaction (PostgreSQL: ``COPY … FROM STDIN`` through psycopg's copy, the file's bytes as sent;
    SQLite: one ``executemany`` over the ``csv`` reader, same pragmas as the platform's engine)."""
    from sqlalchemy import text

    from xinyong.store.db import make_engine

    engine = make_engine(url)
    columns = ", ".join(f'"{c}" text' for c in COLUMNS)
    started, cpu = time.perf_counter(), time.process_time()
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE bulk_rows ({columns})"))
        raw = conn.connection.dbapi_connection
        if conn.dialect.name == "postgresql":
            with raw.cursor() as cursor, file.open("rb") as fh:  # type: ignore[union-attr]
                with cursor.copy("COPY bulk_rows FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        copy.write(block)
        else:
            marks = ", ".join("?" for _ in COLUMNS)
            with file.open(encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                next(reader)
                raw.cursor().executemany(f"INSERT INTO bulk_rows VALUES ({marks})", reader)  # type: ignore[union-attr]
        rows = conn.execute(text("SELECT count(*) FROM bulk_rows")).scalar_one()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return {"seconds": elapsed, "cpu_seconds": cpu, "rows": rows}


# The floor's statements. The accepted rows: an item of the jurisdiction's catalog in force, an identifier of
# the subject pool, and none of the generator's other refusals (a missing legal-effect document where the
# item requires one, the simplified procedure, the forbidden text, a date that is no date); of those, the
# first row of each (item, record key): the later ones are corrections, which add a version, not a record.
FLOOR_ACCEPTED = """
    FROM floor_rows s
    JOIN subject_identifiers si ON si.kind = 'uscc' AND si.value = s.identifier
    JOIN catalog_items ci ON ci.version_id = :catalog AND ci.code = s.item
    WHERE (NOT ci.legal_document_required OR coalesce(s.document_number, '') <> '')
      AND coalesce(s.simplified_procedure, '') <> '是' AND coalesce(s.violation_facts, '') <> :forbidden
      AND (coalesce(s.document_date, '') = '' OR {valid_date})"""
FLOOR_RECORD_COLUMNS = """unit_code, item_code, record_key, subject_id, catalog_version_id, category, disclosure_class,
                        status, current_version, created_at, updated_at"""
FLOOR_VERSION_COLUMNS = """record_id, version, payload, content_sha256, correction_reason, document_kind,
                         document_number, document_date, document_issuer, decision_date, conduct_ended, batch_id,
                         source_row, created_at"""
# PostgreSQL: one statement, the records inserted in key order (as the import does), their ids taken from the
# insert's RETURNING (COPY leaves empty cells NULL).
PG_FLOOR = """
    WITH firsts AS (
        SELECT DISTINCT ON (s.item, s.record_key) s.*, si.subject_id, ci.category, ci.disclosure_class
        {accepted}
        ORDER BY s.item, s.record_key, s.n
    ), inserted AS (
        INSERT INTO records ({records})
        SELECT :unit, f.item, f.record_key, f.subject_id, :catalog, f.category, f.disclosure_class, 'active', 1, :now,
               :now
        FROM firsts f
        RETURNING id, item_code, record_key
    )
    INSERT INTO record_versions ({versions})
    SELECT i.id, 1, json_build_object({payload}), :digest, NULL, f.document_kind, f.document_number,
           CAST(f.document_date AS date), f.document_issuer,
           CAST(coalesce(f.decision_date, f.document_date) AS date), CAST(f.conduct_ended AS date), :batch,
           f.n + 1, :now
    FROM inserted i JOIN firsts f ON f.item = i.item_code AND f.record_key = i.record_key"""
PG_VALID_DATE = r"s.document_date ~ '^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$'"
# SQLite: no RETURNING inside a statement, so the new records take the ids after the table's largest (the
# writer holds the database's one write lock), numbered in key order (as the import inserts them) into a small
# temporary table, and their versions the same numbers. SQLite reads a bare column of a min() aggregate from the
# row holding the minimum: the first row of each key.
SQLITE_FIRSTS = """
    INSERT INTO floor_firsts
    SELECT :base + row_number() OVER (ORDER BY s.item, s.record_key), min(s.rowid), si.subject_id, ci.category,
           ci.disclosure_class
    {accepted}
    GROUP BY s.item, s.record_key"""
SQLITE_FLOOR_RECORDS = """
    INSERT INTO records (id, {records})
    SELECT f.id, :unit, s.item, s.record_key, f.subject_id, :catalog, f.category, f.disclosure_class, 'active',
           1, :now, :now
    FROM floor_firsts f JOIN floor_rows s ON s.rowid = f.n ORDER BY f.id"""
SQLITE_FLOOR_VERSIONS = """
    INSERT INTO record_versions ({versions})
    SELECT f.id, 1, json_object({payload}), :digest, NULL, nullif(s.document_kind, ''),
           nullif(s.document_number, ''), nullif(s.document_date, ''), nullif(s.document_issuer, ''),
           coalesce(nullif(s.decision_date, ''), nullif(s.document_date, '')), nullif(s.conduct_ended, ''),
           :batch, f.n + 1, :now
    FROM floor_firsts f JOIN floor_rows s ON s.rowid = f.n ORDER BY f.id"""


def phase_floor(url: str, jurisdiction: str, data_dir: Path, file: Path) -> dict[str, object]:
    """The schema's own floor: the file loaded as ``bulk`` loads it into an unindexed staging table, then, in the
    same transaction, the rows the validated import accepts as new records inserted straight into ``records``
    (every constraint and index of the real schema in place) and one ``record_versions`` row each (the payload
    built in SQL), by statements over the stage: no Python in the loop, no validation beyond the filter, no
    ledger. An import that stores each accepted row as a record and a version cannot be much faster than this."""
    from sqlalchemy import bindparam, func, insert, select, text

    from xinyong.store.base import UTCDateTime
    from xinyong.store.db import make_engine
    from xinyong.store.models.catalog import CatalogVersion
    from xinyong.store.models.records import Record, SubmissionBatch

    engine = make_engine(url)
    postgresql = engine.dialect.name == "postgresql"
    payload = ", ".join(f"'{c}', {'f' if postgresql else 's'}.{c}" for c in COLUMNS)
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    if postgresql:
        # A running platform's tables have their statistics; the freshly prepared ones have none yet, and
        # without them the planner joins the stage to the catalog by a nested loop (seconds per 100,000 rows).
        with engine.begin() as conn:
            conn.execute(text("ANALYZE subject_identifiers, catalog_items, catalog_versions"))
    started, cpu = time.perf_counter(), time.process_time()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        catalog = conn.execute(select(CatalogVersion.id).where(CatalogVersion.jurisdiction == jurisdiction,
                                                               CatalogVersion.state == "in_force")).scalar_one()
        batch_id = conn.execute(insert(SubmissionBatch.__table__).returning(SubmissionBatch.id), {
            "unit_code": UNIT, "idempotency_key": "floor", "body_sha256": "0" * 64, "source": "csv",
            "jurisdiction": jurisdiction, "status": "received", "rows_total": 0, "accepted": 0, "corrected": 0,
            "unchanged": 0, "rejected": 0, "actor": "bench", "received_at": now, "received_on": now.date(),
        }).scalar_one()
        params = {"unit": UNIT, "catalog": catalog, "batch": batch_id, "now": now, "digest": "0" * 64,
                  "forbidden": FORBIDDEN_FACTS}
        columns = ", ".join(f'"{c}" text' for c in COLUMNS)
        raw = conn.connection.dbapi_connection
        if postgresql:
            conn.execute(text(f"CREATE TABLE floor_rows (n bigint GENERATED ALWAYS AS IDENTITY, {columns})"))
            with raw.cursor() as cursor, file.open("rb") as fh:  # type: ignore[union-attr]
                with cursor.copy(f"COPY floor_rows ({names}) FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        copy.write(block)
            # The stage's statistics (timed), and room for its sorts in memory (the default 4 MB spills them).
            conn.execute(text("ANALYZE floor_rows"))
            conn.execute(text("SET LOCAL work_mem = '64MB'"))
        else:
            conn.execute(text(f"CREATE TABLE floor_rows ({columns})"))
            marks = ", ".join("?" for _ in COLUMNS)
            with file.open(encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                next(reader)
                raw.cursor().executemany(f"INSERT INTO floor_rows VALUES ({marks})", reader)  # type: ignore[union-attr]
        staged = time.perf_counter()
        if postgresql:
            accepted = FLOOR_ACCEPTED.format(valid_date=PG_VALID_DATE)
            statements = [PG_FLOOR.format(accepted=accepted, records=FLOOR_RECORD_COLUMNS,
                                          versions=FLOOR_VERSION_COLUMNS, payload=payload)]
        else:
            accepted = FLOOR_ACCEPTED.format(valid_date="date(s.document_date) IS NOT NULL")
            params["base"] = conn.execute(select(func.coalesce(func.max(Record.id), 0))).scalar_one()
            conn.execute(text("CREATE TEMP TABLE floor_firsts (id INTEGER PRIMARY KEY, n INTEGER, subject_id INTEGER, "
                              "category TEXT, disclosure_class TEXT)"))
            statements = [SQLITE_FIRSTS.format(accepted=accepted),
                          SQLITE_FLOOR_RECORDS.format(records=FLOOR_RECORD_COLUMNS),
                          SQLITE_FLOOR_VERSIONS.format(versions=FLOOR_VERSION_COLUMNS, payload=payload)]
        # The versions' statement comes last: its row count is the number of new records (one version each).
        for statement in statements:
            clause = text(statement)
            if ":now" in statement:
                clause = clause.bindparams(bindparam("now", type_=UTCDateTime()))
            inserted = conn.execute(clause, params).rowcount
        written = time.perf_counter()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return {"seconds": elapsed, "cpu_seconds": cpu, "rows": inserted, "records_inserted": inserted,
            "stage_s": round(staged - started, 3), "inserts_s": round(written - staged, 3),
            "commit_s": round(started + elapsed - written, 3)}


def phase_at_once(url: str, jurisdiction: str, data_dir: Path, file: Path) -> dict[str, object]:
    """The validated import with each chunk stored when handed over, on the batch's own thread (no
    write-behind): what the write-behind gains, in the same run."""
    from xinyong.services.aggregation import writer

    writer.WRITE_BEHIND = False
    return _validated(url, jurisdiction, data_dir, file)


PHASES = {"validated": phase_validated, "raw": phase_raw, "bulk": phase_bulk,
          "floor": phase_floor, "at_once": phase_at_once}


def run_child(phase: str, url: str, jurisdiction: str, data_dir: Path, file: Path,
              profile: Path | None = None) -> dict[str, object]:
    command = [sys.executable, __file__, "--phase", phase, "--url", url, "--jurisdiction", jurisdiction,
               "--data-dir", str(data_dir), "--file", str(file)]
    if profile is not None and phase == "validated":
        command += ["--profile", str(profile)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{phase} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_main(args: argparse.Namespace) -> None:
    if args.profile:
        import cProfile

        from xinyong.services.aggregation import writer

        writer.WRITE_BEHIND = False     # cProfile sees one thread: the chunks are stored on it
        profiler = cProfile.Profile()
        result = profiler.runcall(PHASES[args.phase], args.url, args.jurisdiction, Path(args.data_dir),
                                  Path(args.file))
        profiler.dump_stats(args.profile)
    else:
        result = PHASES[args.phase](args.url, args.jurisdiction, Path(args.data_dir), Path(args.file))
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))


# --------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------


def machine() -> dict[str, object]:
    import sqlite3

    import sqlalchemy

    facts: dict[str, object] = {
        "python": pyplatform.python_version(), "platform": pyplatform.platform(), "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version, "sqlalchemy": sqlalchemy.__version__,
    }
    try:
        import psutil

        facts["memory_gb"] = round(psutil.virtual_memory().total / 1024**3, 1)
    except ImportError:  # pragma: no cover
        pass
    return facts


def database_run(kind: str, urls: dict[str, str], args: argparse.Namespace, file: Path, work: Path,
                 ) -> dict[str, object]:
    out: dict[str, object] = {}
    for phase in args.phases:
        data_dir = work / f"{kind}-{phase}"
        setup = prepare(urls[phase], args.jurisdiction, data_dir, args.subjects) if phase != "bulk" else 0.0
        profile = args.profile.with_suffix(f".{kind}.prof") if args.profile else None
        result = run_child(phase, urls[phase], args.jurisdiction, data_dir, file, profile)
        # Every rate over the same input rows (the raw and bulk phases store every row, the validated one fewer).
        result["rows_per_s"] = round(args.rows / float(result["seconds"]))  # type: ignore[arg-type]
        result["subjects_setup_s"] = round(setup, 2)
        out[phase] = result
        print(f"{kind} {phase}: {result}", file=sys.stderr)
    bulk, floor_phase = out.get("bulk"), out.get("floor")
    if bulk is not None and floor_phase is not None:
        # The ceiling: the best rate any import that stores each accepted row as a record and a version in this
        # schema could reach against the bulk load (issue 17's baseline).
        out["ratio_floor_over_bulk"] = round(bulk["seconds"] / floor_phase["seconds"], 3)  # type: ignore[index, operator]
        out["floor_allows_0_3"] = out["ratio_floor_over_bulk"] >= 0.3  # type: ignore[operator]
    validated = out.get("validated")
    if validated is None:
        return out
    if floor_phase is not None:
        # The floor stores the rows the validated import accepts as new records, no more, no fewer.
        out["floor_records_match_validated"] = (
            floor_phase["records_inserted"] == validated["accepted"] - validated["corrected"])  # type: ignore[operator]
    for baseline in ("bulk", "raw", "floor"):
        floor = out.get(baseline)
        if floor is None:
            continue
        out[f"ratio_validated_over_{baseline}"] = round(floor["seconds"] / validated["seconds"], 3)  # type: ignore[index, operator]
        # The same ratio on the client process's CPU time: steadier on a shared machine (on SQLite it is
        # nearly all the work; on PostgreSQL the server's share is not in it).
        out[f"cpu_ratio_validated_over_{baseline}"] = round(floor["cpu_seconds"] / validated["cpu_seconds"], 3)  # type: ignore[index, operator]
    at_once = out.get("at_once")
    if at_once is not None:
        # What storing behind the reading gains: the same import with each chunk stored at once.
        out["ratio_write_behind_gain"] = round(at_once["seconds"] / validated["seconds"], 3)  # type: ignore[index, operator]
    if "ratio_validated_over_bulk" in out:
        out["meets_0_3_bulk_rate"] = out["ratio_validated_over_bulk"] >= 0.3  # type: ignore[operator]
    out["meets_memory_500mb"] = max(out[p]["peak_rss_mb"] for p in args.phases) < 500  # type: ignore[index]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--subjects", type=int, default=None, help="distinct subjects (default rows/20, ≤ 50,000)")
    parser.add_argument("--jurisdiction", default="gansu-2021")
    parser.add_argument("--pg-url", default=os.environ.get("XINYONG_BENCH_PG_URL"))
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--phases", nargs="+", choices=["validated", "bulk", "raw", "floor", "at_once"],
                        default=["validated", "bulk", "raw", "floor"], help="which phases to run (default all four)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--profile", type=Path, default=None,
                        help="write cProfile stats of the validated phase to PATH.<database>.prof (slower)")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        child_main(args)
        return
    args.subjects = args.subjects or max(100, min(args.rows // 20, 50_000))
    with tempfile.TemporaryDirectory(prefix="xinyong-bench-") as tmp:
        work = Path(tmp)
        file = work / "mixed.csv"
        started = time.perf_counter()
        mix = generate(file, args.rows, args.subjects)
        report: dict[str, object] = {
            "benchmark": "ingest", "at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
            "parameters": {"rows": args.rows, "subjects": args.subjects, "jurisdiction": args.jurisdiction,
                           "file_mb": round(file.stat().st_size / 1024**2, 1), "mix": mix, "format": "csv"},
            "generate_s": round(time.perf_counter() - started, 2),
            "targets": {"ratio_validated_over_bulk": ">= 0.3", "peak_rss_mb": "< 500"},
            "results": {},
        }
        results: dict[str, object] = report["results"]  # type: ignore[assignment]
        if not args.no_sqlite:
            urls = {phase: f"sqlite:///{work / f'sqlite-{phase}.db'}" for phase in args.phases}
            results["sqlite"] = database_run("sqlite", urls, args, file, work)
        if args.pg_url:
            pg = PgDatabases(args.pg_url)
            try:
                urls = {phase: pg.create(f"xinyong_bench_{os.getpid()}_{phase}") for phase in args.phases}
                results["postgresql"] = database_run("postgresql", urls, args, file, work)
            finally:
                pg.drop_all()
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
