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
(``xinyong.store.migrations.checks``); stored rows are not touched. The downgrade narrows the list
back and refuses while a publication duty is stored.

Revision ID: 0014_publication
Revises: 0013_exchange
"""

import sqlalchemy as sa
from alembic import op

from xinyong.store.migrations.checks import CheckChange, in_list, replace_checks

revision = "0014_publication"
down_revision = "0013_exchange"
branch_labels = None
depends_on = None

_OLD = ("objection", "revocation", "restoration")
_NEW = (*_OLD, "publication")
_TABLE, _NAME = "duties", "ck_duties_matter_kind"


def _swap(forward: bool) -> None:
    before, after = (_OLD, _NEW) if forward else (_NEW, _OLD)
    replace_checks("0014", [CheckChange(_TABLE, _NAME, in_list("matter_kind", before), in_list("matter_kind", after))])


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
