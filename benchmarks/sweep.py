"""The sweep over a million open duties (issue 13 item 12), beside a plain UPDATE of the same rows.

One database per engine gets ``--duties`` open duties, every one past its due date (a few keys and
owners, as the workflows open them), inserted in bulk (SQLite ``executemany``, PostgreSQL ``COPY``) and
analysed. Then, on that database, one sweep (``services.compliance.sweep``: the lock, the provisional
recount, one ``INSERT … SELECT`` of violations per (key, owner) group with the article breached and the
liability article, one ``UPDATE`` marking the duties overdue and escalated, one ledger entry, the inquiry
log's retention purge; one commit) is timed; and on a fresh copy of the same rows, the physical floor:
``UPDATE duties SET overdue_on = :today WHERE state = 'open' AND due < :today`` and its commit.

Target: the sweep under 2 s, and within 2x of the plain update (``ratio_sweep_over_update`` ≤ 2).

    python benchmarks/sweep.py --duties 1000000 [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import configure_mappers

from _common import emit, machine, now_iso, pg_scratch, ratio, write_result
from xinyong.domain.platform.clock import FixedClock
from xinyong.services import compliance
from xinyong.services.platform.bootstrap import Platform
from xinyong.settings import Settings
from xinyong.store.models.rights import Duty, Violation

TODAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
GROUPS = [("objection.decide", "platform_operator", None), ("objection.notify", "platform_operator", None),
          ("objection.provider_decide", "providing_unit", "market-regulation"),
          ("restoration.decide", "providing_unit", "market-regulation"),
          ("revocation.delete", "platform_operator", None), ("objection.label", "platform_operator", None)]
COLUMNS = ("id", "matter_kind", "matter_id", "key", "owner_party", "owner_org", "jurisdiction", "cite", "basis",
           "starts_on", "due", "provisional", "state", "opened_at", "version")


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def past_due(i: int, share: float) -> bool:
    """Whether duty ``i`` is past due on TODAY: ``share`` of them, spread evenly over the ids."""
    return (i % 10_000) < round(share * 10_000)


def rows(n: int, share: float = 1.0):  # type: ignore[no-untyped-def]
    for i in range(1, n + 1):
        key, owner, org = GROUPS[i % len(GROUPS)]
        matter = "restoration" if key.startswith("restoration") else (
            "revocation" if key.startswith("revocation") else "objection")
        yield (i, matter, i, key, owner, org, "chongqing-2021", "CQ Art. 40", "statute",
               date(2026, 1, 5 + i % 20), date(2026, 2 if past_due(i, share) else 7, 5 + i % 20), False, "open",
               NOW, 1)


def platform_for(url: str, data_dir: Path) -> Platform:
    settings = Settings(env="local", data_dir=data_dir, database_url=url, jurisdiction="chongqing-2021",
                        ledger_checkpoint_every=0)
    data_dir.mkdir(parents=True, exist_ok=True)
    p = Platform.from_settings(settings, clock=FixedClock(NOW))
    p.migrate()
    _ = p.rulebook, p.calendar      # loaded once per process, as in a running server: not the sweep's time
    configure_mappers()             # likewise the ORM's one-off mapper configuration (0.1-0.2 s)
    return p


def load(p: Platform, n: int, share: float) -> float:
    started = time.perf_counter()
    cols = ", ".join(COLUMNS)
    if p.engine.dialect.name == "postgresql":
        raw = p.engine.raw_connection()
        try:
            with raw.cursor() as cur, cur.copy(f"COPY duties ({cols}) FROM STDIN") as copy:
                for row in rows(n, share):
                    copy.write_row(row)
            raw.commit()
            with raw.cursor() as cur:
                cur.execute("SELECT setval('duties_id_seq', %s)", (n,))
                cur.execute("ANALYZE duties")
            raw.commit()
        finally:
            raw.close()
    else:
        raw = p.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("BEGIN")        # the engine's connections autocommit (it issues BEGIN itself)
            marks = ", ".join("?" for _ in COLUMNS)
            batch: list[tuple] = []
            for row in rows(n, share):
                batch.append(tuple(v.isoformat(sep=" ") if isinstance(v, datetime) else
                                   (v.isoformat() if isinstance(v, date) else v) for v in row))
                if len(batch) == 50_000:
                    cur.executemany(f"INSERT INTO duties ({cols}) VALUES ({marks})", batch)
                    batch.clear()
            if batch:
                cur.executemany(f"INSERT INTO duties ({cols}) VALUES ({marks})", batch)
            raw.commit()
            cur.execute("ANALYZE")
            raw.commit()
        finally:
            raw.close()
    return time.perf_counter() - started


def plain_update(p: Platform) -> float:
    started = time.perf_counter()
    with p.engine.begin() as conn:
        changed = conn.execute(text("UPDATE duties SET overdue_on = :today WHERE state = 'open' AND due < :today"),
                               {"today": TODAY}).rowcount
    took = time.perf_counter() - started
    assert changed > 0
    return took


def one_sweep(p: Platform, n: int, overdue: int) -> tuple[float, dict]:
    started = time.perf_counter()
    report = compliance.sweep(p, holder="bench").to_dict()
    took = time.perf_counter() - started
    with p.sessions() as s:
        assert s.scalar(select(func.count(Violation.id))) == overdue == report["overdue"]
        assert s.scalar(select(func.count()).where(Duty.overdue_on.is_(None))) == n - overdue
    return took, report


def run(kind: str, urls: tuple[str, str], work: Path, n: int, share: float = 1.0) -> dict:
    overdue = sum(1 for i in range(1, n + 1) if past_due(i, share))
    swept_db = platform_for(urls[0], work / f"{kind}-sweep")
    log(f"{kind}: loading {n:,} open duties")
    load_s = load(swept_db, n, share)
    if kind == "sqlite":      # the fresh copy: the same file, copied before the sweep touches it
        swept_db.engine.dispose()
        shutil.copyfile(urls[0].removeprefix("sqlite:///"), urls[1].removeprefix("sqlite:///"))
        floor_db = platform_for(urls[1], work / f"{kind}-floor")
    else:
        floor_db = platform_for(urls[1], work / f"{kind}-floor")
        load(floor_db, n, share)
    log(f"{kind}: loaded in {load_s:.1f} s; sweeping")
    sweep_s, report = one_sweep(swept_db, n, overdue)
    log(f"{kind}: sweep {sweep_s:.3f} s; plain update")
    update_s = plain_update(floor_db)
    log(f"{kind}: plain update {update_s:.3f} s")
    swept_db.engine.dispose()
    floor_db.engine.dispose()
    return {"duties": n, "past_due": overdue,
            "load_s": round(load_s, 2), "sweep_s": round(sweep_s, 3), "plain_update_s": round(update_s, 3),
            "ratio_sweep_over_update": ratio(sweep_s, update_s), "sweep_under_2s": sweep_s < 2.0,
            "groups": len(report["violations"]), "overdue": report["overdue"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duties", type=int, default=100_000)
    parser.add_argument("--pg-url", "--database-url", dest="pg_url", default=os.environ.get("XINYONG_BENCH_PG_URL"),
                        help="a PostgreSQL server: scratch databases are made there and dropped")
    parser.add_argument("--overdue-share", type=float, default=1.0,
                        help="the share of the open duties past due (1.0: every one, the worst case; "
                             "0.01: a day's worth)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--write", action="store_true", help="also write results/sweep.json")
    args = parser.parse_args()
    report: dict = {"benchmark": "sweep", "at": now_iso(), "machine": machine(args.pg_url),
                    "parameters": {"duties": args.duties, "overdue_share": args.overdue_share,
                                   "groups": len(GROUPS), "as_of": TODAY.isoformat()},
                    "targets": {"sweep_s": "< 2", "ratio_sweep_over_update": "<= 2"}, "results": {}}
    with tempfile.TemporaryDirectory(prefix="xinyong-bench-sweep-") as tmp:
        work = Path(tmp)
        if not args.no_sqlite:
            urls = (f"sqlite:///{work / 'sweep.db'}", f"sqlite:///{work / 'floor.db'}")
            report["results"]["sqlite"] = run("sqlite", urls, work, args.duties, args.overdue_share)
        if args.pg_url:
            with pg_scratch(args.pg_url) as a, pg_scratch(args.pg_url) as b:
                report["results"]["postgresql"] = run("postgresql", (a, b), work, args.duties, args.overdue_share)
    if args.write:
        write_result("sweep", report)
    emit(report)


if __name__ == "__main__":
    sqlite3.register_adapter(date, date.isoformat)
    main()
