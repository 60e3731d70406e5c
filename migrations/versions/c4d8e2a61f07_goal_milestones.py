"""goal milestones: raise the goal automatically, and the goal last announced as reached

Revision ID: c4d8e2a61f07
Revises: 5b1d7c2e9f40
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d8e2a61f07'
down_revision = '5b1d7c2e9f40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raise_goal_automatically', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('goal_reached_notified', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_petitions_goal_reached_notified_positive'),
            'goal_reached_notified IS NULL OR goal_reached_notified > 0',
        )
    # Goals reached before this release count as announced: the teams hear only of new ones.
    petitions = sa.table(
        'petitions',
        sa.column('goal', sa.Integer),
        sa.column('signature_count', sa.Integer),
        sa.column('goal_reached_notified', sa.Integer),
    )
    op.execute(
        petitions.update()
        .where(petitions.c.goal.is_not(None), petitions.c.signature_count >= petitions.c.goal)
        .values(goal_reached_notified=petitions.c.goal)
    )


def downgrade():
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_petitions_goal_reached_notified_positive'), type_='check')
        batch_op.drop_column('goal_reached_notified')
        batch_op.drop_column('raise_goal_automatically')
