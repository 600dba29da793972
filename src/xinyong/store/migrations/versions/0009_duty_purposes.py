"""duty purposes registered by departments (placeholder: filled by the duty-purpose change)

Revision ID: 0009_duty_purposes
Revises: 0008_ledger_head_follows
"""

revision = "0009_duty_purposes"
down_revision = "0008_ledger_head_follows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
