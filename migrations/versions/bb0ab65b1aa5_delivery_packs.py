"""delivery packs and signer receipts: the verifiable hand-over of a petition

Revision ID: bb0ab65b1aa5
Revises: e1bf2b30b35f
Create Date: 2026-12-21 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bb0ab65b1aa5'
down_revision = 'e1bf2b30b35f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'delivery_packs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('petition_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('cut_off', sa.DateTime(timezone=True), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('signature_count', sa.Integer(), nullable=False),
        sa.Column('manifest_sha256', sa.String(length=64), nullable=False),
        sa.Column('delivered_on', sa.Date(), nullable=True),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('delivery_note', sa.Text(), server_default='', nullable=False),
        sa.CheckConstraint('signature_count >= 0', name=op.f('ck_delivery_packs_count_not_negative')),
        sa.CheckConstraint('length(manifest_sha256) = 64', name=op.f('ck_delivery_packs_manifest_sha256_length')),
        sa.CheckConstraint('(delivered_on IS NULL) = (delivered_at IS NULL)', name=op.f('ck_delivery_packs_delivered_date_and_time')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_delivery_packs_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], name=op.f('fk_delivery_packs_petition_id_petitions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_packs')),
    )
    with op.batch_alter_table('delivery_packs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_packs_petition_id'), ['petition_id'], unique=False)

    # A plain ADD COLUMN: SQLite need not copy the signatures table.
    op.add_column('signatures', sa.Column('receipt_hash', sa.String(length=64), nullable=True))
    op.create_index(
        'ix_signatures_receipt', 'signatures', ['petition_id', 'receipt_hash'], unique=False,
        postgresql_where=sa.text('receipt_hash IS NOT NULL'),
        sqlite_where=sa.text('receipt_hash IS NOT NULL'),
    )


def downgrade():
    op.drop_index('ix_signatures_receipt', table_name='signatures')
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_column('receipt_hash')
    with op.batch_alter_table('delivery_packs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_packs_petition_id'))
    op.drop_table('delivery_packs')
