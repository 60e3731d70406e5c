"""campaign hero image: a text alternative per language and a focal point; when a petition opened

Revision ID: 2029c202bb93
Revises: 0f3c779a1629
Create Date: 2026-12-06 10:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2029c202bb93'
down_revision = '0f3c779a1629'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('hero_focus_x', sa.Integer(), nullable=False, server_default='50')
        )
        batch_op.add_column(
            sa.Column('hero_focus_y', sa.Integer(), nullable=False, server_default='50')
        )
        batch_op.create_check_constraint(
            op.f('ck_campaigns_hero_focus_x'),
            'hero_focus_x BETWEEN 0 AND 100 AND hero_focus_x % 10 = 0',
        )
        batch_op.create_check_constraint(
            op.f('ck_campaigns_hero_focus_y'),
            'hero_focus_y BETWEEN 0 AND 100 AND hero_focus_y % 10 = 0',
        )
    with op.batch_alter_table('campaign_texts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('hero_alt', sa.String(length=300), nullable=False, server_default='')
        )
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.drop_column('opened_at')
    with op.batch_alter_table('campaign_texts', schema=None) as batch_op:
        batch_op.drop_column('hero_alt')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_campaigns_hero_focus_y'), type_='check')
        batch_op.drop_constraint(op.f('ck_campaigns_hero_focus_x'), type_='check')
        batch_op.drop_column('hero_focus_y')
        batch_op.drop_column('hero_focus_x')
