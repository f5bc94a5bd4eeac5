"""re-judges: batches.kind and applied_at, batch_items.original_id and before,
submissions.rejudge_of

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 11:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='batch',
                                      nullable=False))
        batch_op.add_column(sa.Column('applied_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('batch_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('before', sa.JSON(), nullable=True))
        batch_op.create_foreign_key('fk_batch_items_original_id', 'submissions',
                                    ['original_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rejudge_of', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_submissions_rejudge_of'), ['rejudge_of'],
                              unique=False)
        batch_op.create_foreign_key('fk_submissions_rejudge_of', 'submissions',
                                    ['rejudge_of'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_submissions_rejudge_of', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_submissions_rejudge_of'))
        batch_op.drop_column('rejudge_of')
    with op.batch_alter_table('batch_items', schema=None) as batch_op:
        batch_op.drop_constraint('fk_batch_items_original_id', type_='foreignkey')
        batch_op.drop_column('before')
        batch_op.drop_column('original_id')
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_column('applied_at')
        batch_op.drop_column('kind')
