"""campaign donation link: where the confirmed page invites signers to give

Revision ID: c4d8e2a61f37
Revises: d1a4f7c2e9b3
Create Date: 2026-12-20 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d8e2a61f37'
down_revision = 'd1a4f7c2e9b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('donation_url', sa.String(length=500), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_campaigns_donation_https'), "donation_url IS NULL OR donation_url LIKE 'https://%'"
        )


def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_campaigns_donation_https'), type_='check')
        batch_op.drop_column('donation_url')
