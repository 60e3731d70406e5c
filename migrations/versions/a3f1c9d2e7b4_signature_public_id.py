"""signature public id: links and referral codes name a random id, never the sequential one

Revision ID: a3f1c9d2e7b4
Revises: 2a4ba3609205
Create Date: 2026-11-29 12:00:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3f1c9d2e7b4'
down_revision = '2a4ba3609205'
branch_labels = None
depends_on = None

BACKFILL_BATCH = 1000


def upgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_id', sa.String(length=22), nullable=True))

    _backfill()

    # On SQLite this recreates the table (see env.py: foreign keys are off meanwhile); the new
    # one keeps AUTOINCREMENT, so ids are still never reused.
    with op.batch_alter_table(
        'signatures', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.alter_column('public_id', existing_type=sa.String(length=22), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_signatures_public_id'), ['public_id'])


def _backfill():
    """Every existing signature gets its random public id (16 bytes from `secrets`), made here
    rather than in SQL so that both databases get the same kind of value."""
    connection = op.get_bind()
    signatures = sa.table(
        'signatures', sa.column('id', sa.Integer), sa.column('public_id', sa.String)
    )
    ids = connection.execute(
        sa.select(signatures.c.id).where(signatures.c.public_id.is_(None))
    ).scalars().all()
    fill = (
        signatures.update()
        .where(signatures.c.id == sa.bindparam('row_id'))
        .values(public_id=sa.bindparam('new_public_id'))
    )
    for start in range(0, len(ids), BACKFILL_BATCH):
        connection.execute(
            fill,
            [
                {'row_id': row_id, 'new_public_id': secrets.token_urlsafe(16)}
                for row_id in ids[start:start + BACKFILL_BATCH]
            ],
        )


def downgrade():
    with op.batch_alter_table(
        'signatures', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_signatures_public_id'), type_='unique')
        batch_op.drop_column('public_id')
