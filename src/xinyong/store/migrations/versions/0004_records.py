"""records: submission batches, records and their versions, row rejections, consents, prior notices

Revision ID: 0004_records
Revises: 0003_catalog
"""
import sqlalchemy as sa
from alembic import op

import xinyong.store.base

revision = "0004_records"
down_revision = "0003_catalog"
branch_labels = None
depends_on = None

UTC = xinyong.store.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "submission_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("jurisdiction", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("corrected", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("verify_due", sa.Date(), nullable=True),
        sa.Column("verify_count", sa.Integer(), nullable=True),
        sa.Column("verify_unit", sa.String(length=16), nullable=True),
        sa.Column("verify_cite", sa.String(length=200), nullable=True),
        sa.Column("verified_at", UTC, nullable=True),
        sa.Column("verified_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint("status IN ('received', 'verified')", name=op.f("ck_submission_batches_status")),
        sa.CheckConstraint("source IN ('json', 'csv', 'xlsx', 'jsonl')",
            name=op.f("ck_submission_batches_source")),
        sa.CheckConstraint("rows_total = accepted + unchanged + rejected",
            name=op.f("ck_submission_batches_counts")),
        sa.ForeignKeyConstraint(["unit_code"], ["providing_units.code"],
                                name=op.f("fk_submission_batches_unit_code_providing_units"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_batches")),
        sa.UniqueConstraint("unit_code", "idempotency_key",
                            name=op.f("uq_submission_batches_unit_code_idempotency_key")),
    )
    with op.batch_alter_table("submission_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_batches_unit_code"), ["unit_code"], unique=False)

    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("record_key", sa.String(length=128), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("catalog_version_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("disclosure_class", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.CheckConstraint("status IN ('active', 'revoked', 'restored', 'expired')",
            name=op.f("ck_records_status")),
        sa.CheckConstraint("current_version >= 1", name=op.f("ck_records_current_version")),
        sa.ForeignKeyConstraint(["unit_code"], ["providing_units.code"],
                                name=op.f("fk_records_unit_code_providing_units"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_records_subject_id_subjects"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["catalog_version_id"], ["catalog_versions.id"],
                                name=op.f("fk_records_catalog_version_id_catalog_versions"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
        sa.UniqueConstraint("unit_code", "item_code", "record_key",
                            name=op.f("uq_records_unit_code_item_code_record_key")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_records_item_code"), ["item_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_records_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "record_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("correction_reason", sa.Text(), nullable=True),
        sa.Column("document_kind", sa.String(length=100), nullable=True),
        sa.Column("document_number", sa.String(length=200), nullable=True),
        sa.Column("document_date", sa.Date(), nullable=True),
        sa.Column("document_issuer", sa.String(length=200), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("conduct_ended", sa.Date(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_record_versions_version")),
        sa.CheckConstraint("version = 1 OR correction_reason IS NOT NULL",
                           name=op.f("ck_record_versions_correction_reason")),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"],
            name=op.f("fk_record_versions_record_id_records"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["batch_id"], ["submission_batches.id"],
                                name=op.f("fk_record_versions_batch_id_submission_batches"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_versions")),
        sa.UniqueConstraint("record_id", "version", name=op.f("uq_record_versions_record_id_version")),
    )
    with op.batch_alter_table("record_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_versions_batch_id"), ["batch_id"], unique=False)

    op.create_table(
        "row_rejections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["submission_batches.id"],
                                name=op.f("fk_row_rejections_batch_id_submission_batches"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_row_rejections")),
    )
    with op.batch_alter_table("row_rejections", schema=None) as batch_op:
        batch_op.create_index("ix_row_rejections_batch_row", ["batch_id", "row"], unique=False)

    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_consents_subject_id_subjects"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint("subject_id", "reference", name=op.f("uq_consents_subject_id_reference")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index("ix_consents_reference", ["reference"], unique=False)

    op.create_table(
        "prior_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("served_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"],
            name=op.f("fk_prior_notices_subject_id_subjects"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["unit_code"], ["providing_units.code"],
                                name=op.f("fk_prior_notices_unit_code_providing_units"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prior_notices")),
        sa.UniqueConstraint("unit_code", "reference", name=op.f("uq_prior_notices_unit_code_reference")),
    )
    with op.batch_alter_table("prior_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prior_notices_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    op.drop_table("prior_notices")
    op.drop_table("consents")
    op.drop_table("row_rejections")
    op.drop_table("record_versions")
    op.drop_table("records")
    op.drop_table("submission_batches")
