"""rendered markdown: each text's sanitised HTML stored beside its Markdown source

Revision ID: 5b1d7c2e9f40
Revises: a3f1c9d2e7b4
Create Date: 2026-12-06 07:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from campaign.text.markdown import RULES, render_markdown


# revision identifiers, used by Alembic.
revision = '5b1d7c2e9f40'
down_revision = 'a3f1c9d2e7b4'
branch_labels = None
depends_on = None

TABLES = ('campaign_texts', 'petition_texts', 'statement_texts')


def upgrade():
    for name in TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('body_html', sa.Text(), server_default='', nullable=False))
            batch_op.add_column(sa.Column('body_html_rules', sa.String(length=16), nullable=True))
    # Render the texts already written, so that no page has to.
    connection = op.get_bind()
    for name in TABLES:
        table = sa.table(
            name,
            sa.column('id', sa.Integer),
            sa.column('body', sa.Text),
            sa.column('body_html', sa.Text),
            sa.column('body_html_rules', sa.String),
        )
        rows = connection.execute(sa.select(table.c.id, table.c.body)).all()
        for row in rows:
            connection.execute(
                table.update()
                .where(table.c.id == row.id)
                .values(body_html=str(render_markdown(row.body)), body_html_rules=RULES)
            )


def downgrade():
    for name in reversed(TABLES):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column('body_html_rules')
            batch_op.drop_column('body_html')
