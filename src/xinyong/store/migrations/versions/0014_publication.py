"""the double-publicity publication duty: a batch is a duty's matter

The duties' ``matter_kind`` CHECK gains ``publication``: the providing unit's duty to publish a permit
or penalty decision within the State's working days of the decision (``double_publicity.publish``) is
recorded per submission batch (``matter_kind`` 'publication', ``matter_id`` the batch id). The list is
only widened: every row stored before satisfies it.

On PostgreSQL the constraint is dropped and created again. On SQLite a CHECK cannot be altered, and
the usual rebuild (``batch_alter_table``: copy, drop, rename) would run with foreign keys on inside
the migration's transaction: dropping ``duties`` would cascade to ``duty_pauses`` (ON DELETE CASCADE)
and be refused by ``violations`` (ON DELETE RESTRICT). So, as 0012 does, the table's CREATE statement
is edited in ``sqlite_schema`` under ``writable_schema`` and the schema version bumped
(https://sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema Changes"); stored rows
are not touched. The downgrade narrows the list back and refuses while a publication duty is stored.

Revision ID: 0014_publication
Revises: 0013_exchange
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_publication"
down_revision = "0013_exchange"
branch_labels = None
depends_on = None

_OLD = ("objection", "revocation", "restoration")
_NEW = (*_OLD, "publication")
_TABLE, _NAME = "duties", "ck_duties_matter_kind"


def _condition(values: tuple[str, ...]) -> str:
    return f"matter_kind IN ({', '.join(repr(v) for v in values)})"


def _swap(forward: bool) -> None:
    bind = op.get_bind()
    before, after = (_condition(_OLD), _condition(_NEW)) if forward else (_condition(_NEW), _condition(_OLD))
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f(_NAME), _TABLE, type_="check")
        op.create_check_constraint(op.f(_NAME), _TABLE, after)
        return
    sql = bind.execute(sa.text("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = :t"),
                       {"t": _TABLE}).scalar_one()
    if sql.count(before) != 1:
        raise RuntimeError(f"migration 0014: the CHECK {_NAME} of {_TABLE} is not {before!r} as expected; "
                           "the table was changed outside the migrations")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    try:
        bind.execute(sa.text("UPDATE sqlite_schema SET sql = :sql WHERE type = 'table' AND name = :t"),
                     {"sql": sql.replace(before, after), "t": _TABLE})
        bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    problems = bind.exec_driver_sql("PRAGMA integrity_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"migration 0014: SQLite's integrity check after the change: {problems}")


def upgrade() -> None:
    _swap(forward=True)


def downgrade() -> None:
    bind = op.get_bind()
    matter_kind = sa.table(_TABLE, sa.column("matter_kind")).c.matter_kind
    n = bind.execute(sa.select(sa.func.count()).where(matter_kind.not_in(_OLD))).scalar_one()
    if n:
        raise RuntimeError(
            f"迁移 0014 未回退：仍有 {n} 项双公示上网公示义务（publication）。 / "
            f"migration 0014 not downgraded: {n} duties are publication duties.")
    _swap(forward=False)
