"""staff workspace: preview status, hero image, closed_at, campaign members, user locale

Revision ID: 818cd937af1b
Revises: ba88ad0f4e27
Create Date: 2026-11-28 23:45:40.961427

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '818cd937af1b'
down_revision = 'ba88ad0f4e27'
branch_labels = None
depends_on = None

CAMPAIGN_STATUS_WITH_PREVIEW = "status IN ('draft', 'preview', 'published', 'archived')"
CAMPAIGN_STATUS_BEFORE = "status IN ('draft', 'published', 'archived')"
PETITION_STATUS_WITH_PREVIEW = "status IN ('draft', 'preview', 'open', 'closed')"
PETITION_STATUS_BEFORE = "status IN ('draft', 'open', 'closed')"


def upgrade():
    op.create_table('campaign_members',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_members_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_campaign_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'user_id', name=op.f('pk_campaign_members'))
    )
    with op.batch_alter_table('campaign_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_members_user_id'), ['user_id'], unique=False)

    # On SQLite these recreate the tables (see env.py: foreign keys are off meanwhile).
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hero_image', sa.String(length=64), nullable=True))
        batch_op.drop_constraint(op.f('ck_campaigns_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_campaigns_status'), CAMPAIGN_STATUS_WITH_PREVIEW)

    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_petitions_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_petitions_status'), PETITION_STATUS_WITH_PREVIEW)

    # Petitions closed before this column existed count as closed at their deadline, or now.
    petitions = sa.table(
        'petitions',
        sa.column('status', sa.String),
        sa.column('closes_at', sa.DateTime(timezone=True)),
        sa.column('closed_at', sa.DateTime(timezone=True)),
    )
    op.execute(
        petitions.update()
        .where(petitions.c.status == 'closed')
        .values(closed_at=sa.func.coalesce(petitions.c.closes_at, sa.func.now()))
    )

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locale')

    op.execute("UPDATE petitions SET status = 'draft' WHERE status = 'preview'")
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_petitions_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_petitions_status'), PETITION_STATUS_BEFORE)
        batch_op.drop_column('closed_at')

    op.execute("UPDATE campaigns SET status = 'draft' WHERE status = 'preview'")
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_campaigns_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_campaigns_status'), CAMPAIGN_STATUS_BEFORE)
        batch_op.drop_column('hero_image')

    with op.batch_alter_table('campaign_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_members_user_id'))

    op.drop_table('campaign_members')
