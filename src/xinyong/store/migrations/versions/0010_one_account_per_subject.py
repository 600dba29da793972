"""one account per credit subject: a unique index on users.subject_id where it is set

Real-name verification binds an account to a credit subject; two accounts bound to one subject would
both read that person's records in self mode. The index makes the database refuse the second binding
whatever the code does (``services.auth.verify_real_name`` answers the same refusal when it loses a
race). A database that already holds such a pair is not upgraded: which binding is genuine is for the
operator to decide (``xinyong users unbind USERNAME --reason …``), never for a migration.

Revision ID: 0010_one_account_per_subject
Revises: 0009_duty_purposes
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_one_account_per_subject"
down_revision = "0009_duty_purposes"
branch_labels = None
depends_on = None

INDEX = "uq_users_subject_id"
BOUND = sa.text("subject_id IS NOT NULL")


def upgrade() -> None:
    shared = op.get_bind().execute(sa.text(
        "SELECT subject_id, id FROM users WHERE subject_id IN "
        "(SELECT subject_id FROM users WHERE subject_id IS NOT NULL GROUP BY subject_id HAVING COUNT(*) > 1) "
        "ORDER BY subject_id, id")).all()
    if shared:
        pairs: dict[int, list[int]] = {}
        for subject_id, user_id in shared:
            pairs.setdefault(subject_id, []).append(user_id)
        listed = "; ".join(f"subject {s}: users {', '.join(map(str, u))}" for s, u in pairs.items())
        raise RuntimeError(
            f"迁移 0010 未执行：以下信用主体绑定了多个账户（{listed}）。请先确认哪个账户属于本人，用 "
            "xinyong users unbind 用户名 --reason … 解除其余账户的绑定，再重新迁移。 / "
            f"migration 0010 not applied: these credit subjects are bound to more than one account ({listed}). "
            "Decide which account is the person's, unbind the others with "
            "`xinyong users unbind USERNAME --reason …`, then migrate again.")
    op.create_index(INDEX, "users", ["subject_id"], unique=True, sqlite_where=BOUND, postgresql_where=BOUND)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="users")
