"""Changing a CHECK constraint's list in a migration, on both engines, without rebuilding the table.

On PostgreSQL the constraint is dropped and created again. On SQLite a CHECK cannot be altered, and the
usual rebuild (``batch_alter_table``: copy, drop, rename) runs with foreign keys on inside the migration's
transaction: dropping a table others point at would cascade (ON DELETE CASCADE) or be refused (ON DELETE
RESTRICT). So SQLite's own procedure for a change that leaves stored rows as they are is used instead: the
table's CREATE statement is edited in ``sqlite_schema`` under ``writable_schema`` and the schema version
bumped (https://sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema Changes"), then
SQLite's integrity check is asked. A migration only widens a list this way (every stored row satisfies the
new one) or narrows it back after checking that no row uses what goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import op


@dataclass(frozen=True)
class CheckChange:
    """One constraint's condition, as the CREATE statement spells it, before and after."""

    table: str
    name: str           # the constraint's full name (``ck_<table>_<column>``)
    before: str         # e.g. "kind IN ('a', 'b')"
    after: str


def in_list(column: str, values: Sequence[str]) -> str:
    """The condition ``column IN ('a', 'b')`` as the models and the migrations write it."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def replace_checks(migration: str, changes: Sequence[CheckChange]) -> None:
    """Replace each change's condition; on SQLite every statement in one schema-version bump. Raises
    ``RuntimeError`` naming the ``migration`` when a stored statement is not as expected (the table was
    changed outside the migrations) or SQLite's integrity check fails afterwards."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        for change in changes:
            op.drop_constraint(op.f(change.name), change.table, type_="check")
            op.create_check_constraint(op.f(change.name), change.table, change.after)
        return
    edited: dict[str, str] = {}
    for change in changes:
        sql = edited.get(change.table) or bind.execute(
            sa.text("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = :t"), {"t": change.table}
        ).scalar_one()
        if sql.count(change.before) != 1:
            raise RuntimeError(f"migration {migration}: the CHECK {change.name} of {change.table} is not "
                               f"{change.before!r} as expected; the table was changed outside the migrations")
        edited[change.table] = sql.replace(change.before, change.after)
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    try:
        for table, sql in edited.items():
            bind.execute(sa.text("UPDATE sqlite_schema SET sql = :sql WHERE type = 'table' AND name = :t"),
                         {"sql": sql, "t": table})
        bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    problems = bind.exec_driver_sql("PRAGMA integrity_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"migration {migration}: SQLite's integrity check after the change: {problems}")
