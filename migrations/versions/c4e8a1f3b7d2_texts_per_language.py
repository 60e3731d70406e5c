"""texts per language: whom a petition addresses, and statements' folded search text

Revision ID: c4e8a1f3b7d2
Revises: c4d8e2a61f07
Create Date: 2026-12-20 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from campaign.text.search import folded


# revision identifiers, used by Alembic.
revision = 'c4e8a1f3b7d2'
down_revision = 'c4d8e2a61f07'
branch_labels = None
depends_on = None

petitions = sa.table(
    'petitions',
    sa.column('id', sa.Integer),
    sa.column('target', sa.String),
    sa.column('default_locale', sa.String),
)
petition_texts = sa.table(
    'petition_texts',
    sa.column('petition_id', sa.Integer),
    sa.column('locale', sa.String),
    sa.column('target', sa.String),
)
statement_texts = sa.table(
    'statement_texts',
    sa.column('id', sa.Integer),
    sa.column('title', sa.String),
    sa.column('excerpt', sa.Text),
    sa.column('body', sa.Text),
    sa.column('search_text', sa.Text),
)


def upgrade():
    with op.batch_alter_table('petition_texts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('statement_texts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    connection = op.get_bind()
    # Each existing text names the petition's one target until someone translates it.
    connection.execute(
        petition_texts.update().values(
            target=sa.select(petitions.c.target)
            .where(petitions.c.id == petition_texts.c.petition_id)
            .scalar_subquery()
        )
    )
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.drop_column('target')
    rows = connection.execute(
        sa.select(
            statement_texts.c.id,
            statement_texts.c.title,
            statement_texts.c.excerpt,
            statement_texts.c.body,
        )
    ).all()
    for row in rows:
        connection.execute(
            statement_texts.update()
            .where(statement_texts.c.id == row.id)
            .values(search_text=folded(' '.join((row.title, row.excerpt or '', row.body or ''))))
        )


def downgrade():
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target', sa.String(length=200), nullable=False, server_default=''))
    connection = op.get_bind()
    # The main language's wording becomes the petition's one target again.
    connection.execute(
        petitions.update().values(
            target=sa.func.coalesce(
                sa.select(petition_texts.c.target)
                .where(
                    petition_texts.c.petition_id == petitions.c.id,
                    petition_texts.c.locale == petitions.c.default_locale,
                )
                .scalar_subquery(),
                '',
            )
        )
    )
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.alter_column('target', server_default=None)
    with op.batch_alter_table('statement_texts', schema=None) as batch_op:
        batch_op.drop_column('search_text')
    with op.batch_alter_table('petition_texts', schema=None) as batch_op:
        batch_op.drop_column('target')
