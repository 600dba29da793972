"""duty purposes registered by departments (where no inquiry.duty_purposes are listed)

Revision ID: 0009_duty_purposes
Revises: 0008_ledger_head_follows
"""

import sqlalchemy as sa
from alembic import op

import xinyong.store.base

revision = "0009_duty_purposes"
down_revision = "0008_ledger_head_follows"
branch_labels = None
depends_on = None

TS = xinyong.store.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "duty_purposes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("duty", sa.String(300), nullable=False),
        sa.Column("legal_basis", sa.String(300), nullable=False),
        sa.Column("label_zh", sa.String(200), nullable=False),
        sa.Column("label_en", sa.String(200), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("withdrawn_at", TS, nullable=True),
        sa.Column("withdrawn_by", sa.String(200), nullable=True),
        sa.CheckConstraint("withdrawn_on IS NULL OR withdrawn_on >= registered_on",
                           name=op.f("ck_duty_purposes_withdrawn_after_registered")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_purposes")),
    )
    # One row in force per department and purpose key; a duty inquiry's lookup reads this index.
    op.create_index("uq_duty_purposes_in_force", "duty_purposes", ["organisation", "key"], unique=True,
                    sqlite_where=sa.text("withdrawn_on IS NULL"), postgresql_where=sa.text("withdrawn_on IS NULL"))
    op.create_index("ix_duty_purposes_organisation", "duty_purposes", ["organisation"])


def downgrade() -> None:
    op.drop_index("ix_duty_purposes_organisation", table_name="duty_purposes")
    op.drop_index("uq_duty_purposes_in_force", table_name="duty_purposes")
    op.drop_table("duty_purposes")
