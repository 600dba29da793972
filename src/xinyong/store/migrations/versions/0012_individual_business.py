"""individual businesses (个体工商户) as a subject kind of their own, and the 工商注册号 as an identifier

The subjects' kind CHECK gains ``individual_business`` and the identifiers' kind CHECK gains
``registration_no`` (an individual business without a USCC carries the placeholder
``00000000000000000X`` and is identified by its 工商注册号). Both lists are only widened: every row
stored before satisfies them.

On PostgreSQL the two constraints are dropped and created again. On SQLite a CHECK cannot be altered,
and the usual rebuild (``batch_alter_table``: create a copy, drop the table, rename) would run with
foreign keys on, the migration's transaction cannot switch them off, and dropping ``subjects`` would
cascade to every identifier and refuse over every responsible person and record. So SQLite's own
procedure for a constraint change that leaves stored rows as they are is used instead: the table's
CREATE statement is edited in ``sqlite_schema`` under ``writable_schema`` and the schema version
bumped, inside the migration's transaction (https://sqlite.org/lang_altertable.html, "Making Other
Kinds Of Table Schema Changes"). The downgrade narrows the lists back and refuses while any row uses
the new values.

Revision ID: 0012_individual_business
Revises: 0011_rights
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_individual_business"
down_revision = "0011_rights"
branch_labels = None
depends_on = None

_OLD_SUBJECT_KINDS = ("natural_person", "legal_person", "unincorporated_org", "state_organ")
_NEW_SUBJECT_KINDS = (*_OLD_SUBJECT_KINDS, "individual_business")
_OLD_IDENTIFIER_KINDS = ("citizen_id", "uscc", "passport", "other_id")
_NEW_IDENTIFIER_KINDS = (*_OLD_IDENTIFIER_KINDS, "registration_no")

# (table, constraint, the values before, the values after)
_CHECKS = (
    ("subjects", "ck_subjects_kind", _OLD_SUBJECT_KINDS, _NEW_SUBJECT_KINDS),
    ("subject_identifiers", "ck_subject_identifiers_kind", _OLD_IDENTIFIER_KINDS, _NEW_IDENTIFIER_KINDS),
)


def _condition(values: tuple[str, ...]) -> str:
    return f"kind IN ({', '.join(repr(v) for v in values)})"


def _swap(forward: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        for table, name, old, new in _CHECKS:
            op.drop_constraint(op.f(name), table, type_="check")
            op.create_check_constraint(op.f(name), table, _condition(new if forward else old))
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    try:
        for table, name, old, new in _CHECKS:
            before, after = (_condition(old), _condition(new)) if forward else (_condition(new), _condition(old))
            sql = bind.execute(sa.text("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = :t"),
                               {"t": table}).scalar_one()
            if sql.count(before) != 1:
                raise RuntimeError(f"migration 0012: the CHECK {name} of {table} is not {before!r} as expected; "
                                   "the table was changed outside the migrations")
            bind.execute(sa.text("UPDATE sqlite_schema SET sql = :sql WHERE type = 'table' AND name = :t"),
                         {"sql": sql.replace(before, after), "t": table})
        bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    problems = bind.exec_driver_sql("PRAGMA integrity_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"migration 0012: SQLite's integrity check after the change: {problems}")


def upgrade() -> None:
    _swap(forward=True)


def downgrade() -> None:
    bind = op.get_bind()
    used = []
    for table, _name, old, _new in _CHECKS:
        kind = sa.table(table, sa.column("kind")).c.kind
        n = bind.execute(sa.select(sa.func.count()).where(kind.not_in(old))).scalar_one()
        if n:
            used.append((table, n))
    if used:
        listed = "; ".join(f"{table}: {n}" for table, n in used)
        raise RuntimeError(
            f"迁移 0012 未回退：仍有个体工商户或工商注册号的记录（{listed}）。 / "
            f"migration 0012 not downgraded: rows still use individual_business or registration_no ({listed}).")
    _swap(forward=False)
