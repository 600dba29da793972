"""one account per credit subject (placeholder: filled by the real-name binding change)

Revision ID: 0010_one_account_per_subject
Revises: 0009_duty_purposes
"""

revision = "0010_one_account_per_subject"
down_revision = "0009_duty_purposes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
