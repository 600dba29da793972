"""exchange with other platforms: peer platforms, their cursors, the keys records were forwarded under

Revision ID: 0013_exchange
Revises: 0012_individual_business
"""

import sqlalchemy as sa
from alembic import op

import xinyong.store.base

revision = "0013_exchange"
down_revision = "0012_individual_business"
branch_labels = None
depends_on = None

TS = xinyong.store.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "exchange_peers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("unit_code", sa.String(64), nullable=True),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("token_hint", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("removed_at", TS, nullable=True),
        sa.CheckConstraint("relation IN ('upstream', 'downstream')", name=op.f("ck_exchange_peers_relation")),
        sa.ForeignKeyConstraint(["unit_code"], ["providing_units.code"], ondelete="RESTRICT",
                                name=op.f("fk_exchange_peers_unit_code_providing_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_peers")),
        sa.UniqueConstraint("name", name=op.f("uq_exchange_peers_name")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_exchange_peers_token_sha256")),
    )
    op.create_table(
        "exchange_cursors",
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("layout", sa.String(32), nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["peer_id"], ["exchange_peers.id"], ondelete="CASCADE",
                                name=op.f("fk_exchange_cursors_peer_id_exchange_peers")),
        sa.PrimaryKeyConstraint("peer_id", "layout", "direction", name=op.f("pk_exchange_cursors")),
    )
    op.create_table(
        "exchange_keys",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("layout", sa.String(32), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("first_sent_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], ondelete="CASCADE",
                                name=op.f("fk_exchange_keys_record_id_records")),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_exchange_keys")),
    )


def downgrade() -> None:
    op.drop_table("exchange_keys")
    op.drop_table("exchange_cursors")
    op.drop_table("exchange_peers")
