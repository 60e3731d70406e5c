"""wall of support: a post's photo can be blurred at its author's request

Revision ID: 4954d09df3bf
Revises: 53c90eea410d
Create Date: 2026-12-06 11:35:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "4954d09df3bf"
down_revision = "53c90eea410d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("supporter_messages") as batch_op:
        batch_op.add_column(
            sa.Column("photo_blurred", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("supporter_messages") as batch_op:
        batch_op.drop_column("photo_blurred")
