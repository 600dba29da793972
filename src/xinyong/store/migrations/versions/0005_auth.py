"""accounts, API tokens, portal sessions, credit service institutions and their agreements

Revision ID: 0005_auth
Revises: 0004_records
"""

import sqlalchemy as sa
from alembic import op

import xinyong.store.base

revision = "0005_auth"
down_revision = "0004_records"
branch_labels = None
depends_on = None

ROLES = ("public", "subject", "providing_unit", "duty_department", "service_institution", "operator",
         "competent_department", "administrator", "system")
TS = xinyong.store.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("organisation", sa.String(64), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("real_name_verified_at", TS, nullable=True),
        sa.Column("real_name_method", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("role IN (" + ", ".join(repr(r) for r in ROLES) + ")", name=op.f("ck_users_role")),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_users_subject_id_subjects"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("last_used_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_tokens_token_sha256")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])
    op.create_table(
        "portal_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("session_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_portal_sessions_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_sessions")),
        sa.UniqueConstraint("session_sha256", name=op.f("uq_portal_sessions_session_sha256")),
    )
    op.create_index(op.f("ix_portal_sessions_user_id"), "portal_sessions", ["user_id"])
    op.create_table(
        "service_institutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("filing_kind", sa.String(16), nullable=False),
        sa.Column("filing_number", sa.String(100), nullable=False),
        sa.Column("filed_with", sa.String(200), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_institutions")),
        sa.UniqueConstraint("code", name=op.f("uq_service_institutions_code")),
    )
    op.create_table(
        "institution_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("terminated_on", sa.Date(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("valid_from <= valid_until", name=op.f("ck_institution_agreements_term")),
        sa.ForeignKeyConstraint(["institution_id"], ["service_institutions.id"],
                                name=op.f("fk_institution_agreements_institution_id_service_institutions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institution_agreements")),
        sa.UniqueConstraint("institution_id", "number", name=op.f("uq_institution_agreements_institution_id")),
    )
    op.create_index(op.f("ix_institution_agreements_institution_id"), "institution_agreements", ["institution_id"])


def downgrade() -> None:
    op.drop_table("institution_agreements")
    op.drop_table("service_institutions")
    op.drop_table("portal_sessions")
    op.drop_table("api_tokens")
    op.drop_table("users")
