"""updates: what staff tell signers, per language, queued into the outbox in batches

Revision ID: c7e2a9d41f08
Revises: c7e2a91d4b35
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7e2a9d41f08'
down_revision = 'c7e2a91d4b35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'updates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('petition_id', sa.Integer(), nullable=False),
        sa.Column('campaign_wide', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('send_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('cursor', sa.Integer(), server_default='0', nullable=False),
        sa.Column('queued_count', sa.Integer(), server_default='0', nullable=False),
        sa.Column('skipped_count', sa.Integer(), server_default='0', nullable=False),
        sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('victory', 'response', 'delivered', 'closed')", name=op.f('ck_updates_outcome')),
        sa.CheckConstraint("status IN ('draft', 'scheduled', 'queuing', 'queued', 'cancelled')", name=op.f('ck_updates_status')),
        sa.CheckConstraint('queued_count >= 0 AND skipped_count >= 0', name=op.f('ck_updates_counts_not_negative')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_updates_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], name=op.f('fk_updates_petition_id_petitions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_updates')),
    )
    with op.batch_alter_table('updates', schema=None) as batch_op:
        batch_op.create_index('ix_updates_due', ['status', 'send_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_updates_petition_id'), ['petition_id'], unique=False)

    op.create_table(
        'update_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('update_id', sa.Integer(), nullable=False),
        sa.Column('locale', sa.String(length=5), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), server_default='', nullable=False),
        sa.Column('body_html_rules', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['update_id'], ['updates.id'], name=op.f('fk_update_texts_update_id_updates'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_update_texts')),
        sa.UniqueConstraint('update_id', 'locale', name=op.f('uq_update_texts_update_id_locale')),
    )

    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('update_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recipient_key', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('list_unsubscribe', sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_emails_update_id_updates'), 'updates', ['update_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_outbox_emails_update_id'), ['update_id'], unique=False)
        batch_op.create_index(
            'uq_outbox_emails_update_recipient',
            ['update_id', 'recipient_key'],
            unique=True,
            postgresql_where=sa.text('update_id IS NOT NULL'),
            sqlite_where=sa.text('update_id IS NOT NULL'),
        )


def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_index('uq_outbox_emails_update_recipient', postgresql_where=sa.text('update_id IS NOT NULL'), sqlite_where=sa.text('update_id IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_outbox_emails_update_id'))
        batch_op.drop_constraint(batch_op.f('fk_outbox_emails_update_id_updates'), type_='foreignkey')
        batch_op.drop_column('list_unsubscribe')
        batch_op.drop_column('recipient_key')
        batch_op.drop_column('update_id')
    op.drop_table('update_texts')
    with op.batch_alter_table('updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_updates_petition_id'))
        batch_op.drop_index('ix_updates_due')
    op.drop_table('updates')
