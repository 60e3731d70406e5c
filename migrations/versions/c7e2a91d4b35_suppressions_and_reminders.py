"""suppressions and reminders: addresses that get no more mail of a kind; when a pending
signer was reminded

Revision ID: c7e2a91d4b35
Revises: c4e8a1f3b7d2
Create Date: 2026-12-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7e2a91d4b35'
down_revision = 'c4e8a1f3b7d2'
branch_labels = None
depends_on = None

REMINDER_DUE = "confirmed_at IS NULL AND reminder_sent_at IS NULL"


def upgrade():
    op.create_table(
        'suppressions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email_key', sa.String(length=254), nullable=False),
        sa.Column('scope', sa.String(length=10), nullable=False),
        sa.Column('scope_id', sa.Integer(), server_default='0', nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('update_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("scope IN ('all', 'campaign', 'petition')", name=op.f('ck_suppressions_scope')),
        sa.CheckConstraint("(scope = 'all') = (scope_id = 0)", name=op.f('ck_suppressions_scope_id_for_scope')),
        sa.CheckConstraint(
            "reason IN ('unsubscribed', 'bounced', 'complaint', 'not_me', 'staff')",
            name=op.f('ck_suppressions_reason'),
        ),
        sa.CheckConstraint('email_key = lower(email_key)', name=op.f('ck_suppressions_email_key_lowercase')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_suppressions')),
        sa.UniqueConstraint('email_key', 'scope', 'scope_id', name=op.f('uq_suppressions_email_key_scope_scope_id')),
    )
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        'ix_signatures_reminder_due', 'signatures', ['created_at'], unique=False,
        postgresql_where=sa.text(REMINDER_DUE), sqlite_where=sa.text(REMINDER_DUE),
    )


def downgrade():
    op.drop_index(
        'ix_signatures_reminder_due', table_name='signatures',
        postgresql_where=sa.text(REMINDER_DUE), sqlite_where=sa.text(REMINDER_DUE),
    )
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_column('reminder_sent_at')
    op.drop_table('suppressions')
