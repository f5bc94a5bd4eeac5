"""submission_files: the files of a submission of several files (and Judge0's
additional_files), each with its name and bytes as sent

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('submission_files',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('submission_id', sa.Integer(), nullable=False),
                    sa.Column('index', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=255), nullable=False),
                    sa.Column('content', sa.LargeBinary(), nullable=False),
                    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('submission_id', 'index'),
                    sa.UniqueConstraint('submission_id', 'name'))


def downgrade() -> None:
    op.drop_table('submission_files')
