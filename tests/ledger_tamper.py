"""What someone who holds the database can do to the audit ledger, for the ledger tests: switch the
ledger's triggers off (as an owner can), change rows, and re-hash them so they look consistent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, text, update

from xinyong.domain.audit.canonical import compute_hash
from xinyong.store.models.ledger import LedgerEntry

ENTRIES = LedgerEntry.__table__
TABLES = ("ledger_entries", "ledger_checkpoints", "ledger_head")


@contextmanager
def unguarded(engine) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """What someone with owner rights on the database can do: switch the ledger's triggers off."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in TABLES:
                conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        try:
            yield
        finally:
            with engine.begin() as conn:
                for table in TABLES:
                    conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    else:
        with engine.begin() as conn:
            saved = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'ledger%'"
            ).all()
            for name, _ in saved:
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        try:
            yield
        finally:
            with engine.begin() as conn:
                for _, sql in saved:
                    conn.exec_driver_sql(sql)


def tamper(platform, *statements) -> None:  # type: ignore[no-untyped-def]
    """Run SQL (text with params, or Core statements) with the ledger's triggers off."""
    with unguarded(platform.engine), platform.engine.begin() as conn:
        for statement in statements:
            if isinstance(statement, tuple):
                conn.execute(text(statement[0]), statement[1])
            else:
                conn.execute(statement)


def entry(platform, seq: int) -> dict:  # type: ignore[no-untyped-def]
    with platform.engine.connect() as conn:
        return dict(conn.execute(select(ENTRIES).where(ENTRIES.c.seq == seq)).mappings().one())


def rehash(row: dict, prev_hash: str, **changes) -> dict:  # type: ignore[no-untyped-def]
    new = {**row, **changes, "prev_hash": prev_hash}
    new["entry_hash"] = compute_hash(seq=new["seq"], at=new["at"], actor=new["actor"], action=new["action"],
                                     entity=new["entity"], entity_id=new["entity_id"], facts=new["facts"],
                                     prev_hash=prev_hash)
    return new


def rewrite(row: dict):  # type: ignore[no-untyped-def]
    """The row at row["seq"] made to hold everything else in ``row``."""
    return update(ENTRIES).where(ENTRIES.c.seq == row["seq"]).values(
        {k: v for k, v in row.items() if k != "seq"})


def rewrite_from(platform, first: int, last: int, **changes) -> list:  # type: ignore[no-untyped-def]
    """Statements that change entry ``first`` (``changes``) and re-hash it and every entry up to
    ``last`` and the head to match: a consistent rewrite of the chain from ``first`` on."""
    prev = entry(platform, first - 1)["entry_hash"] if first > 1 else "0" * 64
    statements: list = []
    for seq in range(first, last + 1):
        row = rehash(entry(platform, seq), prev, **(changes if seq == first else {}))
        statements.append(rewrite(row))
        prev = row["entry_hash"]
    statements.append(("UPDATE ledger_head SET entry_hash = :h", {"h": prev}))
    return statements
