"""disclosure and inquiry: inquiry log, authorizations, withheld positive information, objection labels

Revision ID: 0006_access
Revises: 0005_auth
"""

import sqlalchemy as sa
from alembic import op

import xinyong.store.base

revision = "0006_access"
down_revision = "0005_auth"
branch_labels = None
depends_on = None

TS = xinyong.store.base.UTCDateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MODES = ("lawful_disclosure", "duty", "self", "authorized")
CHANNELS = ("api", "portal", "cli", "report", "export", "explain", "service")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "inquiry_log",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("inquired_on", sa.Date(), nullable=False),
        sa.Column("principal", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(64), nullable=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(100), nullable=True),
        sa.Column("authorization_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("subject_ref_sha256", sa.String(64), nullable=True),
        sa.Column("items", sa.JSON(), nullable=True),
        sa.Column("returned_record_ids", sa.JSON(), nullable=False),
        sa.Column("denied_records", sa.JSON(), nullable=False),
        sa.Column("refused_reason", sa.String(64), nullable=True),
        sa.Column("cite", sa.String(300), nullable=True),
        sa.CheckConstraint(_in("mode", MODES), name=op.f("ck_inquiry_log_mode")),
        sa.CheckConstraint(_in("channel", CHANNELS), name=op.f("ck_inquiry_log_channel")),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"],
                                name=op.f("fk_inquiry_log_subject_id_subjects"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_log")),
    )
    op.create_index("ix_inquiry_log_subject_at", "inquiry_log", ["subject_id", "at"])
    op.create_index("ix_inquiry_log_inquired_on", "inquiry_log", ["inquired_on"])

    op.create_table(
        "authorizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("grantee", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(100), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("document_ref", sa.String(200), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.CheckConstraint("valid_from <= valid_until", name=op.f("ck_authorizations_term")),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"],
                                name=op.f("fk_authorizations_subject_id_subjects"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorizations")),
    )
    op.create_index(op.f("ix_authorizations_subject_id"), "authorizations", ["subject_id"])
    op.create_index("ix_authorizations_grantee", "authorizations", ["grantee"])

    op.create_table(
        "withheld_positive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("cite", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"],
                                name=op.f("fk_withheld_positive_record_id_records"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"],
                                name=op.f("fk_withheld_positive_subject_id_subjects"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withheld_positive")),
        sa.UniqueConstraint("record_id", name=op.f("uq_withheld_positive_record_id")),
    )
    op.create_index(op.f("ix_withheld_positive_subject_id"), "withheld_positive", ["subject_id"])

    op.create_table(
        "objection_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("objection_ref", sa.String(64), nullable=True),
        sa.Column("labelled_on", sa.Date(), nullable=False),
        sa.Column("provider_due", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("closed_on IS NULL OR closed_on >= labelled_on",
                           name=op.f("ck_objection_labels_closed_after_labelled")),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"],
                                name=op.f("fk_objection_labels_record_id_records"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection_labels")),
    )
    op.create_index(op.f("ix_objection_labels_record_id"), "objection_labels", ["record_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_objection_labels_record_id"), table_name="objection_labels")
    op.drop_table("objection_labels")
    op.drop_index(op.f("ix_withheld_positive_subject_id"), table_name="withheld_positive")
    op.drop_table("withheld_positive")
    op.drop_index("ix_authorizations_grantee", table_name="authorizations")
    op.drop_index(op.f("ix_authorizations_subject_id"), table_name="authorizations")
    op.drop_table("authorizations")
    op.drop_index("ix_inquiry_log_inquired_on", table_name="inquiry_log")
    op.drop_index("ix_inquiry_log_subject_at", table_name="inquiry_log")
    op.drop_table("inquiry_log")
