"""protected petitions: protection keys, sealed signer fields, outbox rows emptied when done

Revision ID: 53c90eea410d
Revises: c5aa17d5eb2f
Create Date: 2026-12-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '53c90eea410d'
down_revision = 'c5aa17d5eb2f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'protection_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('public_key', sa.String(length=44), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint('length(public_key) = 44', name=op.f('ck_protection_keys_public_key_length')),
        sa.CheckConstraint('length(name) BETWEEN 1 AND 80', name=op.f('ck_protection_keys_name_length')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_protection_keys')),
        sa.UniqueConstraint('name', name=op.f('uq_protection_keys_name')),
        sa.UniqueConstraint('public_key', name=op.f('uq_protection_keys_public_key')),
    )
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('protection_key_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('count_by_country', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(batch_op.f('ix_petitions_protection_key_id'), ['protection_key_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_petitions_protection_key_id_protection_keys'),
            'protection_keys', ['protection_key_id'], ['id'], ondelete='RESTRICT',
        )
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_name', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('sealed_email', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('sealed_country', sa.Text(), nullable=True))
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('erase_when_done', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_column('erase_when_done')
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_column('sealed_country')
        batch_op.drop_column('sealed_email')
        batch_op.drop_column('sealed_name')
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_petitions_protection_key_id_protection_keys'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_petitions_protection_key_id'))
        batch_op.drop_column('count_by_country')
        batch_op.drop_column('protection_key_id')
    op.drop_table('protection_keys')
