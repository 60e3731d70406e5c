"""delivery pack receipts: the receipt check reads the hashes each pack's manifest lists

Revision ID: c4e8b2d61f07
Revises: a7d3e5f90c12
Create Date: 2026-12-06 16:45:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c4e8b2d61f07"
down_revision = "a7d3e5f90c12"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "delivery_pack_receipts",
        sa.Column("pack_id", sa.Integer(), nullable=False),
        sa.Column("receipt_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "length(receipt_hash) = 64",
            name=op.f("ck_delivery_pack_receipts_receipt_hash_length"),
        ),
        sa.ForeignKeyConstraint(
            ["pack_id"],
            ["delivery_packs.id"],
            name=op.f("fk_delivery_pack_receipts_pack_id_delivery_packs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pack_id", "receipt_hash", name=op.f("pk_delivery_pack_receipts")),
    )
    # Packs made before this table: their manifests were built from the same rows the check
    # looked up until now (receipts of signatures confirmed before the cut-off).
    op.execute(
        "INSERT INTO delivery_pack_receipts (pack_id, receipt_hash) "
        "SELECT p.id, s.receipt_hash FROM delivery_packs p "
        "JOIN signatures s ON s.petition_id = p.petition_id "
        "WHERE s.confirmed_at IS NOT NULL AND s.confirmed_at < p.cut_off "
        "AND s.receipt_hash IS NOT NULL"
    )


def downgrade():
    op.drop_table("delivery_pack_receipts")
