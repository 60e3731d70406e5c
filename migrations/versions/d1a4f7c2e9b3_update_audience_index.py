"""update audience index: an update's next batch of confirmed signers read in id order

Revision ID: d1a4f7c2e9b3
Revises: c7e2a9d41f08
Create Date: 2026-12-09 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1a4f7c2e9b3'
down_revision = 'c7e2a9d41f08'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.create_index(
            'ix_signatures_confirmed_by_id',
            ['petition_id', 'id'],
            unique=False,
            postgresql_where=sa.text('confirmed_at IS NOT NULL'),
            sqlite_where=sa.text('confirmed_at IS NOT NULL'),
        )


def downgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_signatures_confirmed_by_id',
            postgresql_where=sa.text('confirmed_at IS NOT NULL'),
            sqlite_where=sa.text('confirmed_at IS NOT NULL'),
        )
