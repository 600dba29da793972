"""ledger: the append-only, hash-chained audit ledger (entries, head, signed checkpoints)

The database itself keeps the ledger append-only, on PostgreSQL and on SQLite alike:

* ``ledger_entries`` and ``ledger_checkpoints``: every UPDATE and DELETE is refused by a trigger;
* an entry may only be inserted as the successor of the head (seq = head + 1, prev_hash = head hash);
* a checkpoint may only be inserted for an entry that exists with that hash;
* ``ledger_head`` (one row) may only step forward by one to an entry that exists, and never be deleted;
  it may only be inserted as the genesis row (seq 0) while the ledger is empty.

A superuser can still disable triggers (``ALTER TABLE ... DISABLE TRIGGER``) or TRUNCATE; what that
leaves behind is what ``xinyong audit verify`` and the signed checkpoints are for.

Revision ID: 0002_ledger
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

import xinyong.store.base

revision = "0002_ledger"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
REFUSED = "audit ledger is append-only (审计账本只可追加，不得修改或删除)"

PG_UP = [
    """
    CREATE FUNCTION xinyong_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '%: % on % refused', '__REFUSED__', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$
    """,
    """
    CREATE FUNCTION xinyong_ledger_entry_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM ledger_head
                       WHERE id = 1 AND seq + 1 = NEW.seq AND entry_hash = NEW.prev_hash) THEN
            RAISE EXCEPTION 'audit ledger: entry % must follow the head (新记录必须紧接账本头)', NEW.seq
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE FUNCTION xinyong_ledger_checkpoint_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM ledger_entries WHERE seq = NEW.seq AND entry_hash = NEW.entry_hash) THEN
            RAISE EXCEPTION 'audit ledger: checkpoint % names no such entry (检查点对应的记录不存在)', NEW.seq
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE FUNCTION xinyong_ledger_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION '%: DELETE on ledger_head refused', '__REFUSED__'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'INSERT' THEN
            IF NEW.id <> 1 OR NEW.seq <> 0 OR NEW.entry_hash <> '__GENESIS__'
               OR (NOT EXISTS (SELECT 1 FROM ledger_head) AND EXISTS (SELECT 1 FROM ledger_entries)) THEN
                RAISE EXCEPTION '%: the head may only be created empty', '__REFUSED__'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END IF;
        IF NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1
           OR NOT EXISTS (SELECT 1 FROM ledger_entries
                          WHERE seq = NEW.seq AND entry_hash = NEW.entry_hash) THEN
            RAISE EXCEPTION '%: the head only moves forward to the next entry', '__REFUSED__'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END;
    $$
    """,
    """
    CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
        FOR EACH ROW EXECUTE FUNCTION xinyong_ledger_append_only()
    """,
    """
    CREATE TRIGGER ledger_entries_follow_head BEFORE INSERT ON ledger_entries
        FOR EACH ROW EXECUTE FUNCTION xinyong_ledger_entry_insert()
    """,
    """
    CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints
        FOR EACH ROW EXECUTE FUNCTION xinyong_ledger_append_only()
    """,
    """
    CREATE TRIGGER ledger_checkpoints_match_entry BEFORE INSERT ON ledger_checkpoints
        FOR EACH ROW EXECUTE FUNCTION xinyong_ledger_checkpoint_insert()
    """,
    """
    CREATE TRIGGER ledger_head_guard BEFORE INSERT OR UPDATE OR DELETE ON ledger_head
        FOR EACH ROW EXECUTE FUNCTION xinyong_ledger_head_guard()
    """,
]

PG_DOWN = [
    "DROP TRIGGER IF EXISTS ledger_head_guard ON ledger_head",
    "DROP TRIGGER IF EXISTS ledger_checkpoints_match_entry ON ledger_checkpoints",
    "DROP TRIGGER IF EXISTS ledger_checkpoints_append_only ON ledger_checkpoints",
    "DROP TRIGGER IF EXISTS ledger_entries_follow_head ON ledger_entries",
    "DROP TRIGGER IF EXISTS ledger_entries_append_only ON ledger_entries",
    "DROP FUNCTION IF EXISTS xinyong_ledger_head_guard()",
    "DROP FUNCTION IF EXISTS xinyong_ledger_checkpoint_insert()",
    "DROP FUNCTION IF EXISTS xinyong_ledger_entry_insert()",
    "DROP FUNCTION IF EXISTS xinyong_ledger_append_only()",
]


def _sql(template: str) -> str:
    """Fill in the two constants (no user input ever reaches these statements)."""
    return template.replace("__GENESIS__", GENESIS).replace("__REFUSED__", REFUSED)


def _sqlite_refuse(name: str, when: str, table: str, condition: str | None, message: str) -> str:
    guard = " WHEN " + condition if condition else ""
    template = ("CREATE TRIGGER __NAME__ BEFORE __WHEN__ ON __TABLE____GUARD__ "
                "BEGIN SELECT RAISE(ABORT, '__MSG__'); END")
    return _sql(template.replace("__NAME__", name).replace("__WHEN__", when).replace("__TABLE__", table)
                .replace("__GUARD__", guard).replace("__MSG__", message))


SQLITE_UP = [
    _sqlite_refuse("ledger_entries_no_update", "UPDATE", "ledger_entries", None,
                   "__REFUSED__: UPDATE on ledger_entries refused"),
    _sqlite_refuse("ledger_entries_no_delete", "DELETE", "ledger_entries", None,
                   "__REFUSED__: DELETE on ledger_entries refused"),
    _sqlite_refuse("ledger_entries_follow_head", "INSERT", "ledger_entries",
                   "NOT EXISTS (SELECT 1 FROM ledger_head WHERE id = 1 AND seq + 1 = NEW.seq "
                   "AND entry_hash = NEW.prev_hash)",
                   "audit ledger: a new entry must follow the head (新记录必须紧接账本头)"),
    _sqlite_refuse("ledger_checkpoints_no_update", "UPDATE", "ledger_checkpoints", None,
                   "__REFUSED__: UPDATE on ledger_checkpoints refused"),
    _sqlite_refuse("ledger_checkpoints_no_delete", "DELETE", "ledger_checkpoints", None,
                   "__REFUSED__: DELETE on ledger_checkpoints refused"),
    _sqlite_refuse("ledger_checkpoints_match_entry", "INSERT", "ledger_checkpoints",
                   "NOT EXISTS (SELECT 1 FROM ledger_entries "
                   "WHERE seq = NEW.seq AND entry_hash = NEW.entry_hash)",
                   "audit ledger: a checkpoint names no such entry (检查点对应的记录不存在)"),
    _sqlite_refuse("ledger_head_no_delete", "DELETE", "ledger_head", None,
                   "__REFUSED__: DELETE on ledger_head refused"),
    _sqlite_refuse("ledger_head_genesis_only", "INSERT", "ledger_head",
                   "NEW.id <> 1 OR NEW.seq <> 0 OR NEW.entry_hash <> '__GENESIS__' OR "
                   "(NOT EXISTS (SELECT 1 FROM ledger_head) AND EXISTS (SELECT 1 FROM ledger_entries))",
                   "__REFUSED__: the head may only be created empty"),
    _sqlite_refuse("ledger_head_forward_only", "UPDATE", "ledger_head",
                   "NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 OR NOT EXISTS (SELECT 1 FROM ledger_entries "
                   "WHERE seq = NEW.seq AND entry_hash = NEW.entry_hash)",
                   "__REFUSED__: the head only moves forward to the next entry"),
]


def upgrade() -> None:
    utc = xinyong.store.base.UTCDateTime(timezone=True)
    op.create_table(
        "ledger_entries",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", utc, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=True),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_ledger_entries_seq_positive")),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_ledger_entries_prev_hash")),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_ledger_entries_entry_hash")),
    )
    op.create_index("ix_ledger_entries_entity", "ledger_entries", ["entity", "entity_id"], unique=False)
    op.create_index("ix_ledger_entries_action", "ledger_entries", ["action"], unique=False)
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_ledger_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_head")),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("at", utc, nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_checkpoints")),
    )
    op.execute(sa.text("INSERT INTO ledger_head (id, seq, entry_hash) VALUES (1, 0, :genesis)")
               .bindparams(genesis=GENESIS))

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in PG_UP:
            op.execute(_sql(statement))
    elif dialect == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_DOWN:
            op.execute(statement)
    # On SQLite the triggers go with their tables.
    op.drop_table("ledger_checkpoints")
    op.drop_table("ledger_head")
    op.drop_index("ix_ledger_entries_action", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_entity", table_name="ledger_entries")
    op.drop_table("ledger_entries")
