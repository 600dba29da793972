"""subjects' rights: duties (with pauses and violations), objections (records, evidence), revocations,
restorations, written notices, and the scheduler's lock row for the sweep

Every step of an objection, a revocation or a restoration opens a duty with its due date from the
working-day calendar; the sweep marks the ones past due and records a violation naming the article
breached and its liability article. There is no fee column anywhere in restoration: it is free of
charge by law. ``scheduler_locks`` gets its ``sweep`` row here, so taking the lock is one UPDATE.

Revision ID: 0011_rights
Revises: 0010_one_account_per_subject
"""
from alembic import op
import sqlalchemy as sa
import xinyong.store.base


revision = '0011_rights'
down_revision = '0010_one_account_per_subject'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('duties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_kind', sa.String(length=16), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('owner_party', sa.String(length=32), nullable=False),
    sa.Column('owner_org', sa.String(length=64), nullable=True),
    sa.Column('jurisdiction', sa.String(length=64), nullable=False),
    sa.Column('cite', sa.String(length=200), nullable=True),
    sa.Column('basis', sa.String(length=32), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('overdue_on', sa.Date(), nullable=True),
    sa.Column('escalated_to', sa.String(length=200), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('opened_at', xinyong.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', xinyong.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("matter_kind IN ('objection', 'revocation', 'restoration')", name=op.f('ck_duties_matter_kind')),
    sa.CheckConstraint("owner_party IN ('platform_operator', 'providing_unit', 'competent_department', 'credit_service_institution')", name=op.f('ck_duties_owner_party')),
    sa.CheckConstraint("state IN ('open', 'done', 'cancelled')", name=op.f('ck_duties_state')),
    sa.CheckConstraint('due IS NULL OR due >= starts_on', name=op.f('ck_duties_due_not_before_start')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duties'))
    )
    with op.batch_alter_table('duties', schema=None) as batch_op:
        batch_op.create_index('ix_duties_matter', ['matter_kind', 'matter_id'], unique=False)
        batch_op.create_index('ix_duties_open_due', ['state', 'due'], unique=False)
        batch_op.create_index('ix_duties_owner', ['owner_party', 'owner_org'], unique=False)
        batch_op.create_index('ix_duties_open_provisional', ['state', 'provisional'], unique=False)

    op.create_table('scheduler_locks',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('holder', sa.String(length=200), nullable=True),
    sa.Column('since', xinyong.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_finished', xinyong.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_locks'))
    )
    op.execute("INSERT INTO scheduler_locks (name) VALUES ('sweep')")
    op.create_table('duty_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('duty_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('cite', sa.String(length=200), nullable=True),
    sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name=op.f('ck_duty_pauses_ends_after_start')),
    sa.ForeignKeyConstraint(['duty_id'], ['duties.id'], name=op.f('fk_duty_pauses_duty_id_duties'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_pauses'))
    )
    with op.batch_alter_table('duty_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_pauses_duty_id'), ['duty_id'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('matter_kind', sa.String(length=16), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('issued_at', xinyong.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_via', sa.String(length=16), nullable=True),
    sa.Column('delivered_at', xinyong.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('read_at', xinyong.store.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('objection_result', 'reexamination_result', 'restoration_decision', 'revocation', 'prior_notice')", name=op.f('ck_notices_kind')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_notices_subject_id_subjects'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_matter', ['matter_kind', 'matter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_subject_id'), ['subject_id'], unique=False)

    op.create_table('objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('filed_by', sa.String(length=200), nullable=False),
    sa.Column('representative_authority', sa.String(length=200), nullable=True),
    sa.Column('received_at', xinyong.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('grounds', sa.Text(), nullable=False),
    sa.Column('grounds_digest', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('route', sa.String(length=16), nullable=True),
    sa.Column('unit_code', sa.String(length=64), nullable=True),
    sa.Column('transferred_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('forward_to_recipients', sa.Boolean(), nullable=False),
    sa.Column('reexamination_received_on', sa.Date(), nullable=True),
    sa.Column('reexamination_outcome', sa.String(length=16), nullable=True),
    sa.Column('reexamination_reasons', sa.Text(), nullable=True),
    sa.Column('created_at', xinyong.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("channel IN ('portal', 'api', 'counter')", name=op.f('ck_objections_channel')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('corrected', 'supplemented', 'service_stopped', 'not_corrected')", name=op.f('ck_objections_outcome')),
    sa.CheckConstraint("route IS NULL OR route IN ('center', 'provider')", name=op.f('ck_objections_route')),
    sa.CheckConstraint("status IN ('received', 'transferred', 'decided', 'refused', 'reexamination', 'closed')", name=op.f('ck_objections_status')),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_objections_subject_id_subjects'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objections'))
    )
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.create_index('ix_objections_status', ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_objections_subject_id'), ['subject_id'], unique=False)

    op.create_table('violations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('duty_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('owner_party', sa.String(length=32), nullable=False),
    sa.Column('owner_org', sa.String(length=64), nullable=True),
    sa.Column('jurisdiction', sa.String(length=64), nullable=False),
    sa.Column('cite', sa.String(length=200), nullable=True),
    sa.Column('liability', sa.String(length=200), nullable=True),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('detected_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', xinyong.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("owner_party IN ('platform_operator', 'providing_unit', 'competent_department', 'credit_service_institution')", name=op.f('ck_violations_owner_party')),
    sa.ForeignKeyConstraint(['duty_id'], ['duties.id'], name=op.f('fk_violations_duty_id_duties'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_violations')),
    sa.UniqueConstraint('duty_id', name=op.f('uq_violations_duty_id'))
    )
    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.create_index('ix_violations_detected', ['detected_on'], unique=False)
        batch_op.create_index('ix_violations_owner', ['owner_party', 'owner_org'], unique=False)

    op.create_table('objection_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('objection_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_at', xinyong.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['objection_id'], ['objections.id'], name=op.f('fk_objection_evidence_objection_id_objections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection_evidence'))
    )
    with op.batch_alter_table('objection_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_evidence_objection_id'), ['objection_id'], unique=False)

    op.create_table('restorations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('filed_by', sa.String(length=200), nullable=False),
    sa.Column('received_at', xinyong.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('commitment', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decider', sa.String(length=32), nullable=True),
    sa.Column('unit_code', sa.String(length=64), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('removed_on', sa.Date(), nullable=True),
    sa.Column('created_at', xinyong.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("channel IN ('portal', 'api', 'counter')", name=op.f('ck_restorations_channel')),
    sa.CheckConstraint("status IN ('received', 'granted', 'refused')", name=op.f('ck_restorations_status')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_restorations_record_id_records'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_restorations_subject_id_subjects'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_restorations'))
    )
    with op.batch_alter_table('restorations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_restorations_record_id'), ['record_id'], unique=False)
        batch_op.create_index('ix_restorations_status', ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_restorations_subject_id'), ['subject_id'], unique=False)

    op.create_table('revocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=64), nullable=False),
    sa.Column('jurisdiction', sa.String(length=64), nullable=False),
    sa.Column('grounds', sa.String(length=16), nullable=False),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('reported_by', sa.String(length=200), nullable=False),
    sa.Column('reported_at', xinyong.store.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=True),
    sa.Column('erased_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("grounds IN ('deciding_organ', 'reconsideration', 'court', 'changed')", name=op.f('ck_revocations_grounds')),
    sa.CheckConstraint("status IN ('reported', 'erased')", name=op.f('ck_revocations_status')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_revocations_record_id_records'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['subject_id'], ['subjects.id'], name=op.f('fk_revocations_subject_id_subjects'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revocations')),
    sa.UniqueConstraint('record_id', name=op.f('uq_revocations_record_id'))
    )
    with op.batch_alter_table('revocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revocations_subject_id'), ['subject_id'], unique=False)

    op.create_table('objection_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('objection_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('label_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['label_id'], ['objection_labels.id'], name=op.f('fk_objection_records_label_id_objection_labels'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['objection_id'], ['objections.id'], name=op.f('fk_objection_records_objection_id_objections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_objection_records_record_id_records'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objection_records')),
    sa.UniqueConstraint('objection_id', 'record_id', name=op.f('uq_objection_records_objection_id_record_id'))
    )
    with op.batch_alter_table('objection_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_records_record_id'), ['record_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('objection_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_records_record_id'))

    op.drop_table('objection_records')
    with op.batch_alter_table('revocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revocations_subject_id'))

    op.drop_table('revocations')
    with op.batch_alter_table('restorations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_restorations_subject_id'))
        batch_op.drop_index('ix_restorations_status')
        batch_op.drop_index(batch_op.f('ix_restorations_record_id'))

    op.drop_table('restorations')
    with op.batch_alter_table('objection_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_evidence_objection_id'))

    op.drop_table('objection_evidence')
    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.drop_index('ix_violations_owner')
        batch_op.drop_index('ix_violations_detected')

    op.drop_table('violations')
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objections_subject_id'))
        batch_op.drop_index('ix_objections_status')

    op.drop_table('objections')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_subject_id'))
        batch_op.drop_index('ix_notices_matter')

    op.drop_table('notices')
    with op.batch_alter_table('duty_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_pauses_duty_id'))

    op.drop_table('duty_pauses')
    op.drop_table('scheduler_locks')
    with op.batch_alter_table('duties', schema=None) as batch_op:
        batch_op.drop_index('ix_duties_open_provisional')
        batch_op.drop_index('ix_duties_owner')
        batch_op.drop_index('ix_duties_open_due')
        batch_op.drop_index('ix_duties_matter')

    op.drop_table('duties')
