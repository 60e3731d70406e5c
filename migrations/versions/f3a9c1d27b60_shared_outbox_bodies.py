"""outbox: the text and HTML an update's recipients share, stored once

Revision ID: f3a9c1d27b60
Revises: c98d4d91251c
Create Date: 2026-12-06 13:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f3a9c1d27b60"
down_revision = "c98d4d91251c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox_bodies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=True),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("placeholder", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.id"],
            name=op.f("fk_outbox_bodies_petition_id_petitions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["updates.id"],
            name=op.f("fk_outbox_bodies_update_id_updates"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_bodies")),
        sa.UniqueConstraint(
            "update_id",
            "locale",
            "petition_id",
            name=op.f("uq_outbox_bodies_update_id_locale_petition_id"),
        ),
    )
    with op.batch_alter_table("outbox_emails") as batch_op:
        batch_op.add_column(sa.Column("body_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_outbox_emails_body_id_outbox_bodies"), "outbox_bodies", ["body_id"], ["id"]
        )
        batch_op.create_check_constraint(
            op.f("ck_outbox_emails_shared_body"),
            "body_id IS NULL OR (list_unsubscribe IS NOT NULL AND text_body = '' "
            "AND html_body = '')",
        )


def downgrade():
    # Emails still waiting on a shared body get their own copy back before it goes.
    bodies = sa.table(
        "outbox_bodies",
        sa.column("id", sa.Integer),
        sa.column("text_body", sa.Text),
        sa.column("html_body", sa.Text),
        sa.column("placeholder", sa.String),
    )
    emails = sa.table(
        "outbox_emails",
        sa.column("body_id", sa.Integer),
        sa.column("text_body", sa.Text),
        sa.column("html_body", sa.Text),
        sa.column("list_unsubscribe", sa.String),
    )

    # The links are letters, digits and URL punctuation without "&": the same in HTML.
    def filled(column):
        return (
            sa.select(sa.func.replace(column, bodies.c.placeholder, emails.c.list_unsubscribe))
            .where(bodies.c.id == emails.c.body_id)
            .scalar_subquery()
        )

    op.execute(
        emails.update()
        .where(emails.c.body_id.is_not(None))
        .values(text_body=filled(bodies.c.text_body), html_body=filled(bodies.c.html_body))
    )
    with op.batch_alter_table("outbox_emails") as batch_op:
        batch_op.drop_constraint(op.f("ck_outbox_emails_shared_body"), type_="check")
        batch_op.drop_constraint(op.f("fk_outbox_emails_body_id_outbox_bodies"), type_="foreignkey")
        batch_op.drop_column("body_id")
    op.drop_table("outbox_bodies")
