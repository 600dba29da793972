"""The record writer's stage (``services.aggregation.writer``: a chunk's new records staged in a
temporary table, then inserted from it) on SQLite and PostgreSQL: the stage belongs to the
connection, and a pooled connection serves batch after batch, so what one batch staged must never
reach the next batch's records."""

from __future__ import annotations

from sqlalchemy import func, select

from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.subjects.identifiers import uscc_check_character
from xinyong.services.aggregation import batches
from xinyong.services.demo.catalog import load_catalog
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.records import Record, RecordVersion


def _uscc(n: int) -> str:
    base = f"91500000{n:09d}"
    return base + uscc_check_character(base)


def _penalty(n: int) -> dict[str, str]:
    return {"item": "admin_penalty", "record_key": f"CF-{n}", "identifier": _uscc(n % 7),
            "subject_name": f"示范企业{n % 7}有限公司", "document_kind": "administrative_penalty_decision",
            "document_number": f"罚〔2025〕{n}号", "document_date": "2025-04-01",
            "document_issuer": "市市场监督管理局", "penalty_kinds": "fine", "fine_amount": str(1000 + n),
            "violation_facts": "未按规定公示年度报告。", "legal_basis": "《企业信息公示暂行条例》第十八条",
            "simplified_procedure": "否", "slight_or_harm_eliminated": "否"}


def test_one_batchs_staged_records_never_reach_the_next_batch(platform: Platform) -> None:
    load_catalog(platform)
    first = batches.submit_rows(platform, Actor(Role.providing_unit, "t", "market-regulation"),
                                "market-regulation", [_penalty(n) for n in range(1, 31)])
    # Another unit, on the connection the pool hands back: its own rows only, each with its version.
    second = batches.submit_rows(platform, Actor(Role.providing_unit, "t", "tax-bureau"), "tax-bureau",
                                 [_penalty(n) for n in range(100, 105)])
    assert (first.accepted, second.accepted) == (30, 5)
    with platform.engine.connect() as conn:
        by_unit = dict(conn.execute(select(Record.unit_code, func.count()).group_by(Record.unit_code)).all())
        without_version = conn.scalar(select(func.count()).select_from(Record).where(
            ~select(RecordVersion.id).where(RecordVersion.record_id == Record.id).exists()))
        keys = set(conn.scalars(select(Record.record_key).where(Record.unit_code == "tax-bureau")))
    assert by_unit == {"market-regulation": 30, "tax-bureau": 5}
    assert without_version == 0
    assert keys == {f"CF-{n}" for n in range(100, 105)}
