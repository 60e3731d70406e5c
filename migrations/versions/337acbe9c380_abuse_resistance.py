"""abuse resistance: pause switches, keyed hash of the signing address, signing-speed index

Revision ID: 337acbe9c380
Revises: 818cd937af1b
Create Date: 2026-11-29 00:33:02.711481

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '337acbe9c380'
down_revision = '818cd937af1b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_settings',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_settings'))
    )
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signing_paused', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ip_hash', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_signatures_ip_hash'), ['ip_hash'], unique=False)
        batch_op.create_index('ix_signatures_petition_created', ['petition_id', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_index('ix_signatures_petition_created')
        batch_op.drop_index(batch_op.f('ix_signatures_ip_hash'))
        batch_op.drop_column('ip_hash')

    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.drop_column('signing_paused')

    op.drop_table('site_settings')
