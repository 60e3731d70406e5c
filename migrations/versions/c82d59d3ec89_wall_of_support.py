"""wall of support: supporters' posts, readers' reports, the per-campaign switches

Revision ID: c82d59d3ec89
Revises: bb0ab65b1aa5
Create Date: 2026-12-06 10:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c82d59d3ec89'
down_revision = 'bb0ab65b1aa5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wall_enabled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('wall_unmoderated', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table('supporter_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_normalized', sa.String(length=254), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('consent_text', sa.Text(), nullable=False),
    sa.Column('consented_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('photo', sa.String(length=64), nullable=True),
    sa.Column('photo_thumbnail', sa.String(length=64), nullable=True),
    sa.Column('thumbnail_width', sa.Integer(), nullable=True),
    sa.Column('thumbnail_height', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('report_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emails_sent', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint("(photo IS NULL) = (photo_thumbnail IS NULL)", name=op.f('ck_supporter_messages_photo_with_thumbnail')),
    sa.CheckConstraint("(status = 'approved') = (approved_at IS NOT NULL)", name=op.f('ck_supporter_messages_approved_when_approved')),
    sa.CheckConstraint("country IS NULL OR length(country) = 2", name=op.f('ck_supporter_messages_country_code')),
    sa.CheckConstraint("email_normalized = lower(email_normalized)", name=op.f('ck_supporter_messages_email_normalized_lowercase')),
    sa.CheckConstraint("emails_sent >= 0", name=op.f('ck_supporter_messages_emails_sent_not_negative')),
    sa.CheckConstraint("length(display_name) BETWEEN 1 AND 80", name=op.f('ck_supporter_messages_display_name_length')),
    sa.CheckConstraint("length(message) BETWEEN 1 AND 280", name=op.f('ck_supporter_messages_message_length')),
    sa.CheckConstraint("report_count >= 0", name=op.f('ck_supporter_messages_report_count_not_negative')),
    sa.CheckConstraint("status = 'unconfirmed' OR confirmed_at IS NOT NULL", name=op.f('ck_supporter_messages_confirmed_when_moderated')),
    sa.CheckConstraint("status IN ('unconfirmed', 'pending', 'approved')", name=op.f('ck_supporter_messages_status')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_supporter_messages_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supporter_messages')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('supporter_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supporter_messages_approved_at'), ['approved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_supporter_messages_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supporter_messages_email_normalized'), ['email_normalized'], unique=False)

    op.create_table('wall_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('reporter_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("reason IN ('abusive', 'not_me', 'other')", name=op.f('ck_wall_reports_reason')),
    sa.ForeignKeyConstraint(['message_id'], ['supporter_messages.id'], name=op.f('fk_wall_reports_message_id_supporter_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wall_reports')),
    sa.UniqueConstraint('message_id', 'reporter_key', name=op.f('uq_wall_reports_message_id_reporter_key'))
    )
    with op.batch_alter_table('wall_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wall_reports_message_id'), ['message_id'], unique=False)


def downgrade():
    with op.batch_alter_table('wall_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wall_reports_message_id'))

    op.drop_table('wall_reports')
    with op.batch_alter_table('supporter_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supporter_messages_email_normalized'))
        batch_op.drop_index(batch_op.f('ix_supporter_messages_campaign_id'))
        batch_op.drop_index(batch_op.f('ix_supporter_messages_approved_at'))

    op.drop_table('supporter_messages')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('wall_unmoderated')
        batch_op.drop_column('wall_enabled')
