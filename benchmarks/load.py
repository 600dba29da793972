"""Benchmark: a bounded load test on loopback — inquiries and submissions mixed — on PostgreSQL.

    python benchmarks/load.py                                   # 20 s, 20,000 seeded records
    python benchmarks/load.py --records 1000000 --duration 120 --bulk-rows 20000   # make bench --full
    python benchmarks/load.py --pg-url postgresql://postgres@127.0.0.1:5432/postgres

1. Setup (not timed): a scratch PostgreSQL database on the server of ``--pg-url`` (default
   ``XINYONG_BENCH_PG_URL``, else the local server), migrated; the demo catalog and providing units of
   the jurisdiction; ``--subjects`` subjects (3 in 10 natural persons) and ``--records`` records with
   their versions written with ``COPY`` (fast bulk inserts, not the submission path); duty-department
   users, real-name verified subject users and a providing unit's token, through the services.
2. The server: ``uvicorn xinyong.api.app:create_app`` (``--workers`` processes) on a free loopback port.
3. Baseline (same run): each kind of read sent one at a time, unloaded: its median and p99.
4. Load: Locust (``tests/load/locustfile.py``), headless, ``--users`` concurrent clients for
   ``--duration`` seconds — the public reading organisations' public records, duty departments
   inquiring about organisations and persons, subjects reading their own record, and a providing unit
   submitting small batches of new records and corrections, and one bulk CSV upload (``--bulk-rows``,
   one row in ten about a subject not yet registered) a quarter into the run.
5. Checks: no 5xx answer; every non-public read served has exactly one ``inquiry.served`` entry in
   the audit ledger and every refused one an ``inquiry.refused`` entry (the counts must be equal);
   one inquiry-log row per inquiry answered; the audit ledger verifies.

Prints one JSON object (also written to ``benchmarks/results/load.json``): parameters, machine,
throughput, median/p99 per request kind and overall, the ratio of loaded to unloaded p99, the counts
and the checks. The exit code is 1 if a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402 - the helpers sit beside this script
    DEFAULT_PG_URL,
    emit,
    machine,
    now_iso,
    pg_scratch,
    ratio,
    summarize,
    write_result,
)

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "tests" / "load" / "locustfile.py"
os.environ.setdefault("XINYONG_ENV", "local")   # scratch data and the demo verifier: a developer's machine
UNIT = "market-regulation"
SEEDER_LABEL = "load-seed"
PENALTY = {"item": "admin_penalty", "correction_reason": "", "document_kind": "administrative_penalty_decision",
           "document_number": "罚〔2026〕负载号", "document_date": "2026-04-01", "document_issuer": "市市场监督管理局",
           "penalty_kinds": "fine", "fine_amount": "1000", "violation_facts": "未按规定公示年度报告。",
           "legal_basis": "《企业信息公示暂行条例》第十八条", "simplified_procedure": "否",
           "slight_or_harm_eliminated": "否", "conduct_ended": "2026-03-15"}
CHUNK = 50_000


# --------------------------------------------------------------------------------------------------
# Generated subjects and records
# --------------------------------------------------------------------------------------------------


def org_code(i: int) -> str:
    from xinyong.domain.subjects.identifiers import uscc_check_character

    body = f"91500000{i:09d}"
    return body + uscc_check_character(body)


def person_code(i: int) -> str:
    from xinyong.domain.subjects.identifiers import citizen_id_check_character

    born = date.fromordinal(date(1950, 1, 1).toordinal() + i // 1000)
    body = f"500101{born:%Y%m%d}{i % 1000:03d}"
    return body + citizen_id_check_character(body)


def is_person(i: int) -> bool:
    return i % 10 < 3


def payload_for(spec: Any, rid: int, rng: random.Random) -> dict[str, Any]:
    """Plausible values for every field of the item (what a unit would have submitted)."""
    decided = date.fromordinal(date(2023, 1, 1).toordinal() + rng.randrange(1300))
    values: dict[str, Any] = {}
    for field in spec.fields:
        kind = getattr(field.type, "value", field.type)
        if kind == "date":
            values[field.name] = decided.isoformat()
        elif kind in ("integer", "int"):
            values[field.name] = str(rng.randrange(1, 10_000))
        elif kind in ("decimal", "number", "money", "amount"):
            values[field.name] = f"{rng.randrange(100, 10**6)}.00"
        elif kind in ("boolean", "bool"):
            values[field.name] = "否"
        elif kind == "enum" and getattr(field, "choices", None):
            values[field.name] = field.choices[rid % len(field.choices)]
        else:
            values[field.name] = f"{field.name}-{rid}"
    if "conduct_ended" in values:
        values["conduct_ended"] = date.fromordinal(decided.toordinal() - rng.randrange(60)).isoformat()
    return values


def seed(url: str, data_dir: Path, jurisdiction: str, subjects: int, records: int) -> dict[str, Any]:
    """Migrate, load the demo catalog and units, bulk-load subjects and records, make users and tokens."""
    import psycopg
    from sqlalchemy import func, insert, select

    from xinyong.domain.aggregation.rows import content_digest
    from xinyong.domain.identity.actors import Actor, Role
    from xinyong.services import catalog
    from xinyong.services.demo.catalog import load_catalog
    from xinyong.services.disclosure.rules_in_force import policy_rules
    from xinyong.services.identity import accounts as auth
    from xinyong.services.identity import units
    from xinyong.services.platform.bootstrap import Platform
    from xinyong.settings import Settings
    from xinyong.store.models.auth import User
    from xinyong.store.models.records import SubmissionBatch

    started = time.perf_counter()
    settings = Settings(data_dir=data_dir, database_url=url, jurisdiction=jurisdiction,
                        calendar_dirs=str(data_dir / "calendar"), log_level="WARNING")
    platform = Platform.from_settings(settings)
    platform.migrate()
    load_catalog(platform)
    today = platform.clock.today()
    with platform.sessions() as session:
        version = catalog.version_in_force(session, jurisdiction, today)
        assert version is not None, "the demo catalog has no version in force"
        specs = [s for s in catalog.version_items(session, version.id)
                 if "legal_person" in s.subject_kinds and "natural_person" in s.subject_kinds]
        specs = specs or catalog.version_items(session, version.id)
    now = datetime.now(UTC)
    with platform.engine.begin() as conn:
        batch = conn.execute(insert(SubmissionBatch.__table__).returning(SubmissionBatch.id), {
            "unit_code": UNIT, "idempotency_key": SEEDER_LABEL, "body_sha256": "0" * 64, "source": "json",
            "jurisdiction": jurisdiction, "status": "received", "rows_total": records, "accepted": records,
            "corrected": 0, "unchanged": 0, "rejected": 0, "actor": SEEDER_LABEL, "received_at": now,
            "received_on": today}).scalar_one()
        first_subject = (conn.execute(select(func.max(_table("subjects").c.id))).scalar() or 0) + 1
    migrated = time.perf_counter()

    rng = random.Random(6)
    identifiers: dict[int, tuple[str, bool]] = {}
    names: dict[str, str] = {}
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    stamp = now.isoformat()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy("COPY subjects (id, kind, display_name, created_at, updated_at) FROM STDIN") as copy:
            for i in range(subjects):
                sid = first_subject + i
                person = is_person(i)
                identifiers[sid] = (person_code(i) if person else org_code(i), person)
                names[identifiers[sid][0]] = f"负载测试{i}" if person else f"负载企业{i}有限公司"
                copy.write_row((sid, "natural_person" if person else "legal_person", names[identifiers[sid][0]],
                                stamp, stamp))
        with cur.copy("COPY subject_identifiers (subject_id, kind, value, created_at) FROM STDIN") as copy:
            for sid, (value, person) in identifiers.items():
                copy.write_row((sid, "citizen_id" if person else "uscc", value, stamp))
        conn.commit()
        sids = list(identifiers)
        with cur.copy("COPY records (id, unit_code, item_code, record_key, subject_id, catalog_version_id, "
                      "category, disclosure_class, status, current_version, created_at, updated_at) "
                      "FROM STDIN") as records_copy:
            for rid in range(1, records + 1):
                spec = specs[rid % len(specs)]
                records_copy.write_row((rid, UNIT, spec.code, f"SEED-{rid}", sids[rid % len(sids)], version.id,
                                        spec.category.value, spec.disclosure_class.value, "active", 1, stamp,
                                        stamp))
        conn.commit()
        with cur.copy("COPY record_versions (record_id, version, payload, content_sha256, document_kind, "
                      "document_number, document_date, document_issuer, decision_date, conduct_ended, batch_id, "
                      "created_at) FROM STDIN") as versions_copy:
            for rid in range(1, records + 1):
                spec = specs[rid % len(specs)]
                values = payload_for(spec, rid, rng)
                identifier = identifiers[sids[rid % len(sids)]][0]
                versions_copy.write_row((
                    rid, 1, json.dumps(values, ensure_ascii=False), content_digest(spec.code, identifier, values),
                    values.get("document_kind"), values.get("document_number"), values.get("document_date"),
                    values.get("document_issuer"), values.get("decision_date") or values.get("document_date"),
                    values.get("conduct_ended"), batch, stamp))
        conn.commit()
        for table in ("subjects", "subject_identifiers", "records", "record_versions"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - fixed names
                        f"(SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
    loaded = time.perf_counter()

    actor = Actor.system(SEEDER_LABEL)
    persons = [(sid, value) for sid, (value, person) in identifiers.items() if person]
    organisations = [value for value, person in identifiers.values() if not person]
    with platform.unit_of_work(actor) as uow:
        duty_tokens = []
        for n in range(4):
            user = auth.create_user(uow, username=f"load-duty-{n}", role=Role.duty_department,
                                    organisation=f"load-dept-{n}")
            duty_tokens.append(auth.issue_token(uow, user, label="load"))
        subject_users = []
        for n, (sid, value) in enumerate(persons[:10]):
            user = auth.create_user(uow, username=f"load-subject-{n}", role=Role.subject, subject_id=sid)
            row = uow.session.get(User, user.id)
            row.real_name_verified_at, row.real_name_method = platform.clock.now(), "demo"
            subject_users.append((auth.issue_token(uow, user, label="load"), value))
        unit_token = units.issue_token(uow, UNIT, label="load", scopes=["submit", "batches.read"]).token
    rules = policy_rules(platform, today)
    purposes = sorted(rules.duty_purposes) if rules.duty_purposes else ["administrative_permit",
                                                                        "government_procurement"]
    if not rules.duty_purposes:
        # No list in the rule file: the departments inquire for the purposes they registered.
        from xinyong.services.disclosure import duty_purposes
        with platform.unit_of_work(actor) as uow:
            for n in range(4):
                for key in purposes:
                    duty_purposes.register(uow, organisation=f"load-dept-{n}", key=key, duty="load duty",
                                           legal_basis="load basis", label_zh=key, label_en=key)
    platform.engine.dispose()
    sample = random.Random(7)
    chosen_orgs = sample.sample(organisations, min(len(organisations), 2000))
    fresh = [org_code(subjects + 100_000 + n) for n in range(300)]   # registered by the submissions
    return {
        "organisations": chosen_orgs,
        "persons": [value for _sid, value in sample.sample(persons, min(len(persons), 1000))],
        "new_organisations": fresh,
        "names": {value: names[value] for value in chosen_orgs} | {value: f"新登记企业{value[-6:]}有限公司"
                                                                   for value in fresh},
        "duty_tokens": duty_tokens, "subjects": subject_users, "unit_token": unit_token,
        "purposes": purposes, "penalty_template": PENALTY,
        "setup": {"migrate_and_catalog_s": round(migrated - started, 2), "bulk_load_s": round(loaded - migrated, 2),
                  "bulk_rows_per_s": round((2 * subjects + 2 * records) / max(loaded - migrated, 1e-9))},
    }


def _table(name: str) -> Any:
    from xinyong.store.base import Base

    return Base.metadata.tables[name]


# --------------------------------------------------------------------------------------------------
# Server, baseline, load
# --------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, data_dir: Path, jurisdiction: str, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_DATA_DIR": str(data_dir),
           "XINYONG_JURISDICTION": jurisdiction, "XINYONG_CALENDAR_DIRS": str(data_dir / "calendar"),
           "XINYONG_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "xinyong.api.app:create_app", "--factory",
                               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                               "--log-level", "warning", "--no-access-log"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.kill()
    raise RuntimeError("the server did not become healthy")


def baseline(base: str, plan: dict[str, Any], n: int) -> dict[str, Any]:
    """Each kind of read alone, one at a time: the unloaded latency the load is compared with."""
    import httpx

    rng = random.Random(3)
    kinds = {
        "public": lambda: (f"/api/v1/public/organisations/{rng.choice(plan['organisations'])}/records", {}, None),
        "duty": lambda: (f"/api/v1/subjects/{rng.choice(plan['organisations'] + plan['persons'])}/records",
                         {"mode": "duty", "purpose": rng.choice(plan["purposes"])}, plan["duty_tokens"][0]),
        "self": lambda: (f"/api/v1/subjects/{plan['subjects'][0][1]}/records", {"mode": "self"},
                         plan["subjects"][0][0]),
    }
    out: dict[str, Any] = {}
    counts: dict[str, int] = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for kind, make in kinds.items():
            samples = []
            for i in range(n + 20):
                path, params, token = make()
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                started = time.perf_counter()
                response = client.get(path, params=params, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                counts[f"{kind}:{response.status_code}"] = counts.get(f"{kind}:{response.status_code}", 0) + 1
                if i >= 20:
                    samples.append(elapsed)
            out[kind] = summarize(samples)
    out["statuses"] = counts
    return out


def bulk_file(path: Path, plan: dict[str, Any], rows: int) -> Path:
    """A CSV for one bulk upload during the load: penalties, one in ten about a subject not yet known."""
    import csv

    rng = random.Random(11)
    columns = ["record_key", "identifier", "subject_name", *PENALTY]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for n in range(rows):
            identifier = rng.choice(plan["new_organisations"] if rng.random() < 0.1 else plan["organisations"])
            writer.writerow({**PENALTY, "record_key": f"BULK-{n}", "identifier": identifier,
                             "subject_name": plan["names"][identifier], "fine_amount": str(2000 + n)})
    return path


def upload(base: str, token: str, path: Path, delay: float, out: dict[str, Any]) -> None:
    """Upload the bulk file after ``delay`` seconds (a unit's bulk submission in the middle of the load)."""
    import httpx

    time.sleep(delay)
    started = time.perf_counter()
    with path.open("rb") as fh:
        response = httpx.post(f"{base}/api/v1/submissions/files", files={"file": (path.name, fh, "text/csv")},
                              headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "load-bulk"},
                              timeout=3600)
    out.update(status=response.status_code, seconds=round(time.perf_counter() - started, 2),
               accepted=response.json().get("accepted") if response.status_code in (200, 201) else None)


def run_locust(base: str, plan_path: Path, report_path: Path, users: int, duration: float,
               spawn_rate: float) -> dict[str, Any]:
    env = {**os.environ, "XINYONG_LOAD_PLAN": str(plan_path), "XINYONG_LOAD_REPORT": str(report_path)}
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--users", str(users),
               "--spawn-rate", str(spawn_rate), "--run-time", f"{int(round(duration))}s", "--host", base,
               "--only-summary", "--json", "--stop-timeout", "15", "--loglevel", "WARNING"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=duration + 300, check=False,
                          cwd=ROOT)
    try:
        stats = json.loads(done.stdout[done.stdout.index("["):])
    except ValueError as exc:
        raise RuntimeError(f"locust printed no statistics (exit {done.returncode}): {done.stderr[-3000:]}") from exc
    return {"exit_code": done.returncode, "stats": stats, "stderr_tail": done.stderr[-1500:]}


def histogram_summary(response_times: dict[str, int]) -> dict[str, Any]:
    """median and p99 (ms) from Locust's response-time histogram (values rounded by Locust)."""
    points = sorted((float(ms), count) for ms, count in response_times.items())
    total = sum(count for _ms, count in points)
    if not total:
        return {"n": 0}

    def at(q: float) -> float:
        rank, seen = max(1, int(round(q * total + 0.4999))), 0
        for ms, count in points:
            seen += count
            if seen >= rank:
                return ms
        return points[-1][0]

    return {"n": total, "unit": "ms", "median": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": points[-1][0]}


def audit(url: str, data_dir: Path, jurisdiction: str, before: dict[str, int]) -> dict[str, Any]:
    from sqlalchemy import func, select

    from xinyong.services.audit import keys, ledger, verification
    from xinyong.services.platform.bootstrap import Platform
    from xinyong.settings import Settings
    from xinyong.store.models.access import InquiryLog

    platform = Platform.from_settings(Settings(data_dir=data_dir, database_url=url, jurisdiction=jurisdiction,
                                               log_level="WARNING"))
    with platform.sessions() as session:
        numbers = {"ledger_inquiry_served": ledger.count(session, "inquiry.served"),
                   "ledger_inquiry_refused": ledger.count(session, "inquiry.refused"),
                   "inquiry_log_rows": session.scalar(select(func.count()).select_from(InquiryLog)) or 0}
        numbers = {k: v - before.get(k, 0) for k, v in numbers.items()}
        report = verification.verify(session, keys.load_public_keys(data_dir / "keys"))
        numbers["ledger_entries"] = report.entries
        numbers["ledger_verifies"] = bool(report.ok)
    platform.engine.dispose()
    return numbers


def ledger_counts(url: str, data_dir: Path, jurisdiction: str) -> dict[str, int]:
    numbers = audit(url, data_dir, jurisdiction, {})
    return {k: v for k, v in numbers.items() if k in ("ledger_inquiry_served", "ledger_inquiry_refused",
                                                       "inquiry_log_rows")}


# --------------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20_000, help="seeded records (issue: 1,000,000)")
    parser.add_argument("--subjects", type=int, default=None, help="seeded subjects (default records/10)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load (issue: 120)")
    parser.add_argument("--users", type=int, default=20, help="concurrent Locust users")
    parser.add_argument("--spawn-rate", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--baseline", type=int, default=100, help="unloaded requests per kind of read")
    parser.add_argument("--bulk-rows", type=int, default=2_000,
                        help="one bulk CSV upload of this many rows a quarter into the load (0: none)")
    parser.add_argument("--jurisdiction", default=os.environ.get("XINYONG_JURISDICTION") or None,
                        help="default: XINYONG_JURISDICTION (make sets it), else the settings' default")
    parser.add_argument("--pg-url", default=os.environ.get("XINYONG_BENCH_PG_URL") or DEFAULT_PG_URL)
    parser.add_argument("--output", type=Path, default=None, help="default: benchmarks/results/load.json")
    args = parser.parse_args()
    args.subjects = args.subjects or max(1_000, args.records // 10)
    if args.jurisdiction is None:
        from xinyong.settings import Settings

        args.jurisdiction = Settings().jurisdiction

    facts = machine(args.pg_url)
    if not facts.get("postgresql"):
        print(f"no PostgreSQL server answers at {args.pg_url}: the load test runs on PostgreSQL", file=sys.stderr)
        return 2
    parameters = {k: getattr(args, k) for k in ("records", "subjects", "duration", "users", "spawn_rate", "workers",
                                                "baseline", "bulk_rows", "jurisdiction")}
    with tempfile.TemporaryDirectory(prefix="xinyong-load-") as tmp, pg_scratch(args.pg_url, "xinyong_load") as url:
        work = Path(tmp)
        data_dir = work / "data"
        print(f"[load] seeding {args.subjects:,} subjects and {args.records:,} records …", file=sys.stderr)
        plan = seed(url, data_dir, args.jurisdiction, args.subjects, args.records)
        plan_path = work / "plan.json"
        plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        server, base = start_server(url, data_dir, args.jurisdiction, args.workers)
        try:
            print("[load] baseline …", file=sys.stderr)
            unloaded = baseline(base, plan, args.baseline)
            before = ledger_counts(url, data_dir, args.jurisdiction)
            print(f"[load] {args.users} users for {args.duration:.0f} s …", file=sys.stderr)
            bulk: dict[str, Any] = {"rows": args.bulk_rows}
            uploader = None
            if args.bulk_rows:
                import threading

                path = bulk_file(work / "bulk.csv", plan, args.bulk_rows)
                uploader = threading.Thread(target=upload, args=(base, plan["unit_token"], path,
                                                                 args.duration / 4, bulk))
                uploader.start()
            started = time.perf_counter()
            locust = run_locust(base, plan_path, work / "counts.json", args.users, args.duration, args.spawn_rate)
            elapsed = time.perf_counter() - started
            if uploader is not None:
                uploader.join()
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        counts = json.loads((work / "counts.json").read_text()) if (work / "counts.json").exists() else {}
        checked = audit(url, data_dir, args.jurisdiction, before)

    by_name = {s["name"]: s for s in locust["stats"]}
    total_requests = sum(s["num_requests"] for s in locust["stats"])
    total_failures = sum(s["num_failures"] for s in locust["stats"])
    merged: dict[str, int] = {}
    for s in locust["stats"]:
        for ms, n in s["response_times"].items():
            merged[ms] = merged.get(ms, 0) + n
    server_errors = sum(n for key, n in counts.items() if ":" in key and key.split(":")[1].isdigit()
                        and int(key.split(":")[1]) >= 500)
    served_non_public = counts.get("duty.served:1", 0) + counts.get("self.served:1", 0)
    refused_non_public = counts.get("duty.refused:1", 0) + counts.get("self.refused:1", 0)
    answered_inquiries = served_non_public + refused_non_public + counts.get("public.served:1", 0) \
        + counts.get("public.refused:1", 0)
    overall = histogram_summary(merged)
    reads = {name: histogram_summary(s["response_times"]) | {"requests": s["num_requests"],
                                                              "failures": s["num_failures"]}
             for name, s in by_name.items()}
    loaded_reads = {"public": reads.get("/api/v1/public/organisations/[ref]/records", {}),
                    "duty": reads.get("/api/v1/subjects/[ref]/records", {}),
                    "self": reads.get("/api/v1/subjects/[own]/records", {})}
    checks = {
        "zero_5xx": server_errors == 0 and (bulk.get("status") or 201) < 500,
        "no_failed_requests": total_failures == 0,
        "ledger_entries_equal_non_public_reads_served": checked["ledger_inquiry_served"] == served_non_public,
        "ledger_entries_equal_non_public_reads_refused": checked["ledger_inquiry_refused"] == refused_non_public,
        "inquiry_log_rows_equal_inquiries_answered": checked["inquiry_log_rows"] == answered_inquiries,
        "ledger_verifies": checked["ledger_verifies"],
    }
    result = {
        "benchmark": "load", "at": now_iso(), "machine": facts, "parameters": parameters, "setup": plan["setup"],
        "load": {"seconds": round(elapsed, 1), "requests": total_requests, "failures": total_failures,
                 "requests_per_s": round(total_requests / max(args.duration, 1e-9), 1),
                 "server_errors_5xx": server_errors,
                 "overall": overall, "by_request": reads, "locust_exit_code": locust["exit_code"]},
        "baseline_unloaded": unloaded,
        "bulk_upload": bulk,
        "ratios": {f"ratio_p99_loaded_over_unloaded_{kind}": ratio(loaded_reads[kind].get("p99", 0),
                                                                  unloaded[kind]["p99"])
                   for kind in ("public", "duty", "self") if loaded_reads[kind].get("n")},
        "counts": counts,
        "audit": {"non_public_reads_served": served_non_public, "non_public_reads_refused": refused_non_public,
                  "inquiries_answered": answered_inquiries, **checked},
        "checks": checks, "passed": all(checks.values()),
    }
    if not result["passed"]:
        result["locust_stderr_tail"] = locust["stderr_tail"]
    write_result("load", result) if args.output is None else args.output.write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    emit(result)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
