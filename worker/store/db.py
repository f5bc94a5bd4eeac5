"""The store's tables, as SQLAlchemy models (SQLite by default, PostgreSQL via DATABASE_URL).

- ``packages``: problem packages (zip files) by the SHA-256 of their bytes. Workers on other
  hosts fetch a package by hash (from this table, or from the web API) and cache it.
- ``problems``: a name, a title, the package it was uploaded as, and the token that owns it.
- ``submissions``: what was sent (source, language, limits, Judge0 options), where judging is
  (``state``: queued, compiling, running test k of n, done), who holds it (``attempt``,
  ``lease_owner``, ``lease_until``) and the result (verdict, Judge0 status id, times).
- ``submission_tests``: the ad-hoc tests of a submission (stdin, expected output).
- ``submission_files``: the files of a submission of several files, as sent (a program's
  files with ``source`` empty; or, with ``source``, Judge0's ``additional_files``).
- ``test_results``: one row per test judged, stored as each test ends.
- ``api_tokens``: API tokens (only a SHA-256 of each is kept), their scopes and the account
  each belongs to, if any.
- ``users``: accounts (admin, instructor, student; a password hash); ``courses`` and
  ``course_members``: classes and who is in them; ``assignments`` and
  ``assignment_problems``: a course's assignments and contests, their problems and points.
- ``workers``: live workers, their languages and when they were last seen.
- ``batches`` and ``batch_items``: batch grading jobs (``POST /api/v1/batches``): a problem,
  and per item its submitter, file name and the submission judging it (batch queue). A
  re-judge (``POST /api/v1/rejudges``) is a batch of ``kind`` ``rejudge``: each item names the
  original submission and keeps its judgement as it was (``before``); the item's submission is
  a copy judged on the problem's current package (its ``rejudge_of`` is the original).

Times are naive UTC datetimes. The schema is created and changed by Alembic migrations
(``worker/store/migrations``), never by ``create_all``.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import (JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer,
                        LargeBinary, String, Text, TypeDecorator, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = ["Base", "storable", "StoredText", "StoredString", "Package", "Problem", "Submission",
           "SubmissionTest", "SubmissionFile", "TestResult", "ApiToken", "WorkerRecord", "Batch",
           "BatchEntry", "User", "Course", "CourseMember", "Assignment", "AssignmentProblem",
           "utcnow", "STATES", "QUEUED", "COMPILING", "RUNNING", "DONE", "ROLES"]

QUEUED, COMPILING, RUNNING, DONE = "queued", "compiling", "running", "done"
STATES = (QUEUED, COMPILING, RUNNING, DONE)
ROLES = ("admin", "instructor", "student")  # an account's role on the whole site


def utcnow() -> dt.datetime:
    """Now, as the store keeps times: naive UTC."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def storable(text: str) -> str:
    """``text`` as any SQL text column holds it: a NUL (PostgreSQL's text refuses it) as
    ``\\x00``, and what is not UTF-8 (the lone surrogates of bytes decoded with
    ``surrogateescape``, file names say) as ``\\xNN`` per byte. Nothing else changes."""
    if text.isascii() and "\0" not in text:
        return text
    # a lone surrogate that never was a byte (from JSON's "\\ud800", say): its UTF-8 form,
    # as the bytes surrogateescape keeps
    text = _OTHER_SURROGATE.sub(lambda found: found[0].encode("utf-8", "surrogatepass")
                                .decode("utf-8", "surrogateescape"), text)
    data = text.encode("utf-8", "surrogateescape")
    return data.decode("utf-8", "backslashreplace").replace("\0", "\\x00")


_OTHER_SURROGATE = re.compile("[\ud800-\udc7f\udd00-\udfff]")


class StoredText(TypeDecorator):
    """A TEXT column that takes any str: written through :func:`storable`, so a NUL or a
    stray byte in a message, compile output or name is stored (escaped), never a DataError
    that fails the judgement it belongs to (on every try)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: D102 (SQLAlchemy's hook)
        return storable(value) if isinstance(value, str) else value


class StoredString(TypeDecorator):
    """A VARCHAR(length) column that takes any str: :func:`storable`, then cut to the
    column's length (PostgreSQL refuses a longer value; a test or file name from a package or
    an archive can be any length)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: D102 (SQLAlchemy's hook)
        if not isinstance(value, str):
            return value
        value = storable(value)
        return value if self.impl.length is None else value[:self.impl.length]


class Base(DeclarativeBase):
    """Base of judgebox's models."""


class Package(Base):
    """A problem package (a zip file), by content hash."""

    __tablename__ = "packages"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Problem(Base):
    """A problem: its name (unique, used in URLs and submissions) and its package."""

    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(StoredString(300), default="")
    package_sha256: Mapped[str] = mapped_column(ForeignKey("packages.sha256"))
    time_limit_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    test_count: Mapped[int] = mapped_column(Integer, default=0)
    info: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    owner_token_id: Mapped[int | None] = mapped_column(  # the token that uploaded it
        ForeignKey("api_tokens.id", ondelete="SET NULL"), nullable=True)
    owner_user_id: Mapped[int | None] = mapped_column(  # the account that uploaded it
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)


class Submission(Base):
    """One submission, from either API, and where its judgement is."""

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_state_lease", "state", "lease_until"),
        Index("ix_submissions_created", "created_at"),
        Index("ix_submissions_client_created", "client", "created_at"),
        Index("ix_submissions_token_id", "token_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(36), unique=True)
    api: Mapped[str] = mapped_column(String(10), default="native")   # native | judge0
    queue: Mapped[str] = mapped_column(String(20), default="interactive")
    language: Mapped[str] = mapped_column(String(40))
    judge0_language_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[bytes] = mapped_column(LargeBinary)
    problem_id: Mapped[int | None] = mapped_column(
        ForeignKey("problems.id", ondelete="SET NULL"), nullable=True)
    problem_name: Mapped[str | None] = mapped_column(StoredString(100), nullable=True)
    package_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    checker: Mapped[str] = mapped_column(String(20), default="tokens")  # tokens | lines
    limits: Mapped[dict] = mapped_column(JSON, default=dict)
    options: Mapped[dict] = mapped_column(JSON, default=dict)  # Judge0's request fields
    callback_url: Mapped[str | None] = mapped_column(StoredText, nullable=True)
    callback_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"), nullable=True)
    rejudge_of: Mapped[int | None] = mapped_column(  # the original, for a re-judge's copy
        ForeignKey("submissions.id", ondelete="SET NULL"), nullable=True, index=True)
    # who sent it, for quotas: "token:<id>" or "addr:<address or IPv6 /64>"; and the bytes
    # it stored (source and tests), counted against that client's quota
    client: Mapped[str | None] = mapped_column(String(80), nullable=True)
    stored_bytes: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # the account that made it (then it is private to that account and its course staff),
    # the assignment it was made in (late: after the end, in the late window), whether it
    # was a run on the samples only (never scored), and what the judging found beyond the
    # tests' rows (a scoring problem's groups)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL"), nullable=True, index=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    samples_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    details: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    state: Mapped[str] = mapped_column(String(12), default=QUEUED)
    test_index: Mapped[int] = mapped_column(Integer, default=0)   # running test k (1-based)
    test_count: Mapped[int] = mapped_column(Integer, default=0)   # of n
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(StoredString(200), nullable=True)
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    enqueued_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    verdict: Mapped[str | None] = mapped_column(String(4), nullable=True)
    judge0_status: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    time: Mapped[float | None] = mapped_column(Float, nullable=True)
    wall_time: Mapped[float | None] = mapped_column(Float, nullable=True)
    memory: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exit_signal: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message: Mapped[str | None] = mapped_column(StoredText, nullable=True)
    compile_output: Mapped[str | None] = mapped_column(StoredText, nullable=True)
    stdout: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    stderr: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)

    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    worker: Mapped[str | None] = mapped_column(StoredString(200), nullable=True)

    tests: Mapped[list["SubmissionTest"]] = relationship(
        order_by="SubmissionTest.index", cascade="all, delete-orphan", lazy="selectin")
    files: Mapped[list["SubmissionFile"]] = relationship(
        order_by="SubmissionFile.index", cascade="all, delete-orphan", lazy="selectin")
    results: Mapped[list["TestResult"]] = relationship(
        order_by="TestResult.index", cascade="all, delete-orphan", lazy="selectin")


class SubmissionTest(Base):
    """An ad-hoc test sent with a submission."""

    __tablename__ = "submission_tests"
    __table_args__ = (UniqueConstraint("submission_id", "index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)  # 1-based
    name: Mapped[str] = mapped_column(StoredString(200), default="")
    stdin: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    expected: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class SubmissionFile(Base):
    """One file of a submission of several files: its plain name and its bytes, as sent."""

    __tablename__ = "submission_files"
    __table_args__ = (UniqueConstraint("submission_id", "index"),
                      UniqueConstraint("submission_id", "name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)  # 1-based, in the order sent
    name: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class TestResult(Base):
    """The result of one test, stored when the test ends."""

    __tablename__ = "test_results"
    __table_args__ = (UniqueConstraint("submission_id", "index"),)
    __test__ = False  # not a pytest class

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)  # 1-based
    name: Mapped[str] = mapped_column(StoredString(200), default="")
    group: Mapped[str] = mapped_column(StoredString(200), default="")
    verdict: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(4))  # the sandbox's
    time: Mapped[float] = mapped_column(Float, default=0.0)
    wall_time: Mapped[float] = mapped_column(Float, default=0.0)
    memory: Mapped[int] = mapped_column(Integer, default=0)
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    signal: Mapped[int | None] = mapped_column(Integer, nullable=True)
    checker_message: Mapped[str] = mapped_column(StoredText, default="")
    stdout: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    stderr: Mapped[bytes] = mapped_column(LargeBinary, default=b"")


class ApiToken(Base):
    """An API token; only its SHA-256 is stored (the token is shown once, when created)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    rate_limit: Mapped[str | None] = mapped_column(StoredString(100), nullable=True)
    scopes: Mapped[str] = mapped_column(String(100), default="submit",
                                        server_default="submit")  # space-separated
    user_id: Mapped[int | None] = mapped_column(  # the account it belongs to, if any
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class WorkerRecord(Base):
    """A worker as it last reported itself."""

    __tablename__ = "workers"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    hostname: Mapped[str] = mapped_column(StoredString(200), default="")
    concurrency: Mapped[int] = mapped_column(Integer, default=1)
    queues: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[list] = mapped_column(JSON, default=list)  # LanguageStatus.to_json()+
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    stopped: Mapped[bool] = mapped_column(Boolean, default=False)


class Batch(Base):
    """A batch grading job: many submissions on one problem, judged on the batch queue.
    ``cancelled_at`` is set when it was cancelled (its queued submissions were dropped).
    ``kind`` is ``batch`` or ``rejudge``; a re-judge's ``applied_at`` is set once its new
    judgements were copied onto the original submissions."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(36), unique=True)
    problem_name: Mapped[str] = mapped_column(String(100))
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    kind: Mapped[str] = mapped_column(String(10), default="batch", server_default="batch")
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    items: Mapped[list["BatchEntry"]] = relationship(
        order_by="BatchEntry.index", cascade="all, delete-orphan", lazy="selectin")


class BatchEntry(Base):
    """One submission of a batch: who sent which file, and the submission judging it. In a
    re-judge: ``original_id`` is the submission judged again and ``before`` its judgement when
    the re-judge began (verdict, score, max_score, time, memory, package, tests)."""

    __tablename__ = "batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)  # 1-based
    submitter: Mapped[str] = mapped_column(StoredString(200), default="")
    file: Mapped[str] = mapped_column(StoredString(500), default="")
    language: Mapped[str] = mapped_column(String(40))
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="SET NULL"), nullable=True, index=True)
    original_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="SET NULL"), nullable=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class User(Base):
    """An account: a person who logs in on the pages (``role``: admin, instructor, student).
    Only a hash of the password is kept (werkzeug's scrypt); ``disabled_at`` locks it out."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(StoredString(200), default="")
    email: Mapped[str] = mapped_column(StoredString(200), default="")
    role: Mapped[str] = mapped_column(String(20), default="student")
    password_hash: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class Course(Base):
    """A class: its members (instructors and students) and its assignments. ``join_code``
    lets a new account sign up into it as a student (when sign-up is by invitation)."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(StoredString(300), default="")
    join_code: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    members: Mapped[list["CourseMember"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")


class CourseMember(Base):
    """A user in a course, as ``instructor`` or ``student``."""

    __tablename__ = "course_members"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    role: Mapped[str] = mapped_column(String(20), default="student")


class Assignment(Base):
    """An assignment or a contest of a course: its problems, when it is open (``starts_at``
    to ``ends_at``, then until ``late_until`` with points times ``late_factor``), its
    scoreboard (``scoring``: ``icpc`` solved and penalty, ``ioi`` the sum of each problem's
    best score; frozen from ``freeze_at`` for contestants), what students see of the tests
    (``feedback``) and whether they see each other's submissions after the end
    (``share_after_end``)."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"),
                                           index=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(StoredString(300), default="")
    kind: Mapped[str] = mapped_column(String(20), default="assignment")  # or contest
    scoring: Mapped[str] = mapped_column(String(10), default="ioi")      # or icpc
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime)
    late_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    late_factor: Mapped[float] = mapped_column(Float, default=1.0)
    freeze_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    feedback: Mapped[str] = mapped_column(String(10), default="samples")  # or all
    share_after_end: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    problems: Mapped[list["AssignmentProblem"]] = relationship(
        order_by="AssignmentProblem.position", cascade="all, delete-orphan", lazy="selectin")


class AssignmentProblem(Base):
    """A problem of an assignment: its label (``A``), its points, its place in the list."""

    __tablename__ = "assignment_problems"
    __table_args__ = (UniqueConstraint("assignment_id", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"))
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(10))
    points: Mapped[float] = mapped_column(Float, default=100.0)
    position: Mapped[int] = mapped_column(Integer, default=0)
