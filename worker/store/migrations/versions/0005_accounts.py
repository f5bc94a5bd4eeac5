"""accounts: users, courses, course_members, assignments, assignment_problems;
submissions.user_id, assignment_id, late, samples_only, details; api_tokens.user_id;
problems.owner_user_id

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 14:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=200), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('password_hash', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_login_at', sa.DateTime(), nullable=True),
        sa.Column('disabled_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('username'))
    op.create_table(
        'courses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('join_code', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('join_code'),
        sa.UniqueConstraint('name'))
    op.create_table(
        'course_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('course_id', 'user_id'))
    op.create_index(op.f('ix_course_members_user_id'), 'course_members', ['user_id'],
                    unique=False)
    op.create_table(
        'assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('scoring', sa.String(length=10), nullable=False),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('late_until', sa.DateTime(), nullable=True),
        sa.Column('late_factor', sa.Float(), nullable=False),
        sa.Column('freeze_at', sa.DateTime(), nullable=True),
        sa.Column('feedback', sa.String(length=10), nullable=False),
        sa.Column('share_after_end', sa.Boolean(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'))
    op.create_index(op.f('ix_assignments_course_id'), 'assignments', ['course_id'],
                    unique=False)
    op.create_table(
        'assignment_problems',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        sa.Column('problem_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=10), nullable=False),
        sa.Column('points', sa.Float(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['problem_id'], ['problems.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('assignment_id', 'label'))
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('assignment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('late', sa.Boolean(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('samples_only', sa.Boolean(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_submissions_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_assignment_id'), ['assignment_id'],
                              unique=False)
        batch_op.create_foreign_key('fk_submissions_user_id', 'users', ['user_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_foreign_key('fk_submissions_assignment_id', 'assignments',
                                    ['assignment_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_api_tokens_user_id', 'users', ['user_id'], ['id'],
                                    ondelete='CASCADE')
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_problems_owner_user_id', 'users', ['owner_user_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.drop_constraint('fk_problems_owner_user_id', type_='foreignkey')
        batch_op.drop_column('owner_user_id')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint('fk_api_tokens_user_id', type_='foreignkey')
        batch_op.drop_column('user_id')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_submissions_assignment_id', type_='foreignkey')
        batch_op.drop_constraint('fk_submissions_user_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_submissions_assignment_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_user_id'))
        batch_op.drop_column('details')
        batch_op.drop_column('samples_only')
        batch_op.drop_column('late')
        batch_op.drop_column('assignment_id')
        batch_op.drop_column('user_id')
    op.drop_table('assignment_problems')
    op.drop_index(op.f('ix_assignments_course_id'), table_name='assignments')
    op.drop_table('assignments')
    op.drop_index(op.f('ix_course_members_user_id'), table_name='course_members')
    op.drop_table('course_members')
    op.drop_table('courses')
    op.drop_table('users')
