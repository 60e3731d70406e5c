"""wall of support: the language each message is written in, as its author said; WebP
thumbnails

Revision ID: b5e2c8a41d07
Revises: c4e8b2d61f07
Create Date: 2026-12-06 16:30:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "b5e2c8a41d07"
down_revision = "c4e8b2d61f07"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("supporter_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_language", sa.String(length=5), nullable=True))
        batch_op.add_column(
            sa.Column("photo_thumbnail_webp", sa.String(length=64), nullable=True)
        )
        batch_op.create_check_constraint(
            op.f("ck_supporter_messages_webp_beside_jpeg"),
            "photo_thumbnail_webp IS NULL OR photo_thumbnail IS NOT NULL",
        )
        batch_op.create_check_constraint(
            op.f("ck_supporter_messages_message_language"),
            "message_language IS NULL OR message_language IN ('en', 'fr', 'es', 'ar')",
        )
    # Posts made before the question was asked were written, as far as anyone knows, in the
    # language of the page they were written on.
    op.execute("UPDATE supporter_messages SET message_language = locale")


def downgrade():
    with op.batch_alter_table("supporter_messages", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_supporter_messages_webp_beside_jpeg"), type_="check")
        batch_op.drop_constraint(op.f("ck_supporter_messages_message_language"), type_="check")
        batch_op.drop_column("photo_thumbnail_webp")
        batch_op.drop_column("message_language")
