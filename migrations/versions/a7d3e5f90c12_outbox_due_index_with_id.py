"""outbox: the worker's claim reads due emails in the index's order, ties by id

Revision ID: a7d3e5f90c12
Revises: f3a9c1d27b60
Create Date: 2026-12-06 14:10:00.000000

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "a7d3e5f90c12"
down_revision = "f3a9c1d27b60"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_outbox_emails_due", table_name="outbox_emails")
    op.create_index(
        "ix_outbox_emails_due", "outbox_emails", ["status", "next_attempt_at", "id"]
    )


def downgrade():
    op.drop_index("ix_outbox_emails_due", table_name="outbox_emails")
    op.create_index("ix_outbox_emails_due", "outbox_emails", ["status", "next_attempt_at"])
