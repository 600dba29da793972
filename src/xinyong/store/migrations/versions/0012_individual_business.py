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
bumped, inside the migration's transaction (``xinyong.store.migrations.checks``). The downgrade
narrows the lists back and refuses while any row uses the new values.

Revision ID: 0012_individual_business
Revises: 0011_rights
"""

import sqlalchemy as sa
from alembic import op

from xinyong.store.migrations.checks import CheckChange, in_list, replace_checks

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


def _swap(forward: bool) -> None:
    replace_checks("0012", [
        CheckChange(table, name, in_list("kind", old if forward else new), in_list("kind", new if forward else old))
        for table, name, old, new in _CHECKS])


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
