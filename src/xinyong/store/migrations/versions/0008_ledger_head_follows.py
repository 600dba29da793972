"""ledger: on SQLite, the head follows each new entry by a trigger (one statement per entry, not two)

``ledger_entries_move_head`` runs after every insert into ``ledger_entries`` and moves the head to the
new entry. The 0002 guards still decide: the insert is refused unless the entry follows the head, and
the head's own guard still refuses a move that is not one step forward to an entry that exists. A
transaction's entries can then be inserted with one ``executemany``. PostgreSQL keeps its explicit
head move (0007's function runs both statements per entry, in one round trip).

Revision ID: 0008_ledger_head_follows
Revises: 0007_ledger_append
"""

from alembic import op

revision = "0008_ledger_head_follows"
down_revision = "0007_ledger_append"
branch_labels = None
depends_on = None

SQLITE_UP = """
CREATE TRIGGER ledger_entries_move_head AFTER INSERT ON ledger_entries
BEGIN
    UPDATE ledger_head SET seq = NEW.seq, entry_hash = NEW.entry_hash WHERE id = 1;
END
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_UP)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS ledger_entries_move_head")
