"""ledger: on PostgreSQL, one call appends a run of chained entries (one round trip, not two per entry)

``xinyong_ledger_append(entries jsonb)`` inserts each entry and moves the head to it, in ``seq``
order, as separate statements inside the function: every trigger of 0002 still checks every entry
(it must follow the head; the head only moves forward to an entry that exists), so the function can
do nothing a client could not do with the two statements per entry. It only saves the round trips.
SQLite needs no such function (no network between the platform and its database).

Revision ID: 0007_ledger_append
Revises: 0006_access
"""

from alembic import op

revision = "0007_ledger_append"
down_revision = "0006_access"
branch_labels = None
depends_on = None

PG_UP = """
CREATE FUNCTION xinyong_ledger_append(entries jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    e record;
BEGIN
    FOR e IN SELECT * FROM jsonb_to_recordset(entries)
                 AS x(seq bigint, at timestamptz, actor text, action text, entity text, entity_id text,
                      facts text, prev_hash text, entry_hash text)
             ORDER BY seq
    LOOP
        INSERT INTO ledger_entries (seq, at, actor, action, entity, entity_id, facts, prev_hash, entry_hash)
        VALUES (e.seq, e.at, e.actor, e.action, e.entity, e.entity_id, e.facts, e.prev_hash, e.entry_hash);
        UPDATE ledger_head SET seq = e.seq, entry_hash = e.entry_hash WHERE id = 1;
    END LOOP;
END;
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_UP)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS xinyong_ledger_append(jsonb)")
