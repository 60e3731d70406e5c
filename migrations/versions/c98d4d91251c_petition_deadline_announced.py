"""petitions: when the webhooks were told a petition closed by its deadline passing

Revision ID: c98d4d91251c
Revises: 4954d09df3bf
Create Date: 2026-12-09 09:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c98d4d91251c"
down_revision = "4954d09df3bf"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("petitions") as batch_op:
        batch_op.add_column(sa.Column("deadline_announced_at", sa.DateTime(timezone=True)))
        batch_op.create_check_constraint(
            op.f("ck_petitions_deadline_announced"),
            "deadline_announced_at IS NULL OR closes_at IS NOT NULL",
        )
        batch_op.create_index(
            "ix_petitions_deadline_due", ["status", "deadline_announced_at", "closes_at"]
        )
    # Deadlines that passed before this release count as announced: receivers were never told of
    # them, and hearing of months-old closings all at once would only be noise.
    petitions = sa.table(
        "petitions",
        sa.column("status", sa.String),
        sa.column("closes_at", sa.DateTime(timezone=True)),
        sa.column("deadline_announced_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        petitions.update()
        .where(petitions.c.status == "open", petitions.c.closes_at <= sa.func.current_timestamp())
        .values(deadline_announced_at=petitions.c.closes_at)
    )


def downgrade():
    with op.batch_alter_table("petitions") as batch_op:
        batch_op.drop_index("ix_petitions_deadline_due")
        batch_op.drop_constraint(op.f("ck_petitions_deadline_announced"), type_="check")
        batch_op.drop_column("deadline_announced_at")
