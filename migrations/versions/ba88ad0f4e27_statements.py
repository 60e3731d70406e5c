"""statements: per-language texts, countries, topics, signatories, endorsements, links

Revision ID: ba88ad0f4e27
Revises: 5e0bcecd93c2
Create Date: 2026-11-28 23:44:12.220948

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ba88ad0f4e27'
down_revision = '5e0bcecd93c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('default_locale', sa.String(length=5), nullable=False),
    sa.Column('open_for_endorsement', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint("kind = 'joint_statement' OR NOT open_for_endorsement", name=op.f('ck_statements_endorsement_joint_only')),
    sa.CheckConstraint("kind IN ('statement', 'joint_statement', 'urgent_intervention', 'open_letter', 'report', 'news')", name=op.f('ck_statements_kind')),
    sa.CheckConstraint("status IN ('draft', 'published')", name=op.f('ck_statements_status')),
    sa.CheckConstraint('length(slug) BETWEEN 1 AND 80', name=op.f('ck_statements_slug_length')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statements')),
    sa.UniqueConstraint('slug', name=op.f('uq_statements_slug'))
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index('ix_statements_listing', ['status', 'published_on'], unique=False)

    op.create_table('statement_campaigns',
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_statement_campaigns_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_campaigns_statement_id_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('statement_id', 'campaign_id', name=op.f('pk_statement_campaigns'))
    )
    with op.batch_alter_table('statement_campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_campaigns_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('statement_countries',
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.CheckConstraint('length(country) = 2', name=op.f('ck_statement_countries_country_code')),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_countries_statement_id_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('statement_id', 'country', name=op.f('pk_statement_countries'))
    )
    with op.batch_alter_table('statement_countries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_countries_country'), ['country'], unique=False)

    op.create_table('statement_endorsements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('email_normalized', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('consent_text', sa.Text(), nullable=False),
    sa.Column('consented_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emails_sent', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint('approved_at IS NULL OR confirmed_at IS NOT NULL', name=op.f('ck_statement_endorsements_approved_confirmed')),
    sa.CheckConstraint('email_normalized = lower(email_normalized)', name=op.f('ck_statement_endorsements_email_normalized_lowercase')),
    sa.CheckConstraint('emails_sent >= 0', name=op.f('ck_statement_endorsements_emails_sent_not_negative')),
    sa.CheckConstraint('length(country) = 2', name=op.f('ck_statement_endorsements_country_code')),
    sa.CheckConstraint('length(organisation) BETWEEN 1 AND 200', name=op.f('ck_statement_endorsements_organisation_length')),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_endorsements_statement_id_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_endorsements')),
    sa.UniqueConstraint('statement_id', 'email_normalized', name=op.f('uq_statement_endorsements_statement_id_email_normalized')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('statement_endorsements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_endorsements_statement_id'), ['statement_id'], unique=False)

    op.create_table('statement_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('excerpt', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.CheckConstraint('length(title) >= 1', name=op.f('ck_statement_texts_title_not_empty')),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_texts_statement_id_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_texts')),
    sa.UniqueConstraint('statement_id', 'locale', name=op.f('uq_statement_texts_statement_id_locale'))
    )
    op.create_table('statement_topics',
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_topics_statement_id_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('statement_id', 'topic', name=op.f('pk_statement_topics'))
    )
    with op.batch_alter_table('statement_topics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_topics_topic'), ['topic'], unique=False)

    op.create_table('statement_petitions',
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], name=op.f('fk_statement_petitions_petition_id_petitions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_petitions_statement_id_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('statement_id', 'petition_id', name=op.f('pk_statement_petitions'))
    )
    with op.batch_alter_table('statement_petitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_petitions_petition_id'), ['petition_id'], unique=False)

    op.create_table('statement_signatories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('endorsement_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('country IS NULL OR length(country) = 2', name=op.f('ck_statement_signatories_country_code')),
    sa.CheckConstraint('length(name) BETWEEN 1 AND 200', name=op.f('ck_statement_signatories_name_length')),
    sa.ForeignKeyConstraint(['endorsement_id'], ['statement_endorsements.id'], name=op.f('fk_statement_signatories_endorsement_id_statement_endorsements'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_statement_signatories_statement_id_statements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_signatories')),
    sa.UniqueConstraint('endorsement_id', name=op.f('uq_statement_signatories_endorsement_id'))
    )
    with op.batch_alter_table('statement_signatories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_signatories_statement_id'), ['statement_id'], unique=False)



def downgrade():
    with op.batch_alter_table('statement_signatories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_signatories_statement_id'))

    op.drop_table('statement_signatories')
    with op.batch_alter_table('statement_petitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_petitions_petition_id'))

    op.drop_table('statement_petitions')
    with op.batch_alter_table('statement_topics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_topics_topic'))

    op.drop_table('statement_topics')
    op.drop_table('statement_texts')
    with op.batch_alter_table('statement_endorsements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_endorsements_statement_id'))

    op.drop_table('statement_endorsements')
    with op.batch_alter_table('statement_countries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_countries_country'))

    op.drop_table('statement_countries')
    with op.batch_alter_table('statement_campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_campaigns_campaign_id'))

    op.drop_table('statement_campaigns')
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index('ix_statements_listing')

    op.drop_table('statements')
