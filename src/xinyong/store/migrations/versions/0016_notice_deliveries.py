"""written notices served outside the portal: by post, at the counter, by e-mail

- ``notice_deliveries``: each service of a written notice the center records (the channel, the day it was
  served, its reference such as a tracking number), beside the portal delivery the notice itself keeps.

The downgrade refuses while a delivery is stored.

Revision ID: 0016_notice_deliveries
Revises: 0015_institution_objections
"""

import sqlalchemy as sa
from alembic import op

import xinyong.store.base

revision = "0016_notice_deliveries"
down_revision = "0015_institution_objections"
branch_labels = None
depends_on = None

TS = xinyong.store.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notice_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("via IN ('post', 'counter', 'email')", name=op.f("ck_notice_deliveries_via")),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], ondelete="RESTRICT",
                                name=op.f("fk_notice_deliveries_notice_id_notices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_deliveries")),
    )
    op.create_index(op.f("ix_notice_deliveries_notice_id"), "notice_deliveries", ["notice_id"])


def downgrade() -> None:
    bind = op.get_bind()
    n = bind.execute(sa.text("SELECT COUNT(*) FROM notice_deliveries")).scalar_one()
    if n:
        raise RuntimeError(f"迁移 0016 未回退：仍有 {n} 条书面告知送达记录。 / "
                           f"migration 0016 not downgraded: {n} notice deliveries are stored.")
    op.drop_index(op.f("ix_notice_deliveries_notice_id"), table_name="notice_deliveries")
    op.drop_table("notice_deliveries")
