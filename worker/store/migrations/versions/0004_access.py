"""access: api_tokens.scopes, problems.owner_token_id, submissions.client and stored_bytes

Tokens made before scopes existed get the ``submit`` scope only (every token used to be an
admin token: give the admin's token its scope again with ``judgebox token update NAME
--scope admin``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.String(length=100), server_default='submit',
                                      nullable=False))
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_token_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_problems_owner_token_id', 'api_tokens',
                                    ['owner_token_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('stored_bytes', sa.BigInteger(), server_default='0',
                                      nullable=False))
        batch_op.create_index(batch_op.f('ix_submissions_client_created'),
                              ['client', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_token_id'), ['token_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_token_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_client_created'))
        batch_op.drop_column('stored_bytes')
        batch_op.drop_column('client')
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.drop_constraint('fk_problems_owner_token_id', type_='foreignkey')
        batch_op.drop_column('owner_token_id')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('scopes')
