"""Request and response models (pydantic). The same models validate requests and generate the
OpenAPI document (``web/api/openapi.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Error", "RunLimitsIn", "AdhocTest", "SourceFileIn", "SubmissionCreate",
           "TestResultOut", "GroupOut", "FileOut", "SubmissionOut", "SubmissionList",
           "ProblemOut", "ProblemList", "LanguageOut",
           "Judge0SubmissionIn", "Judge0BatchIn", "Health", "RejudgeCreate"]


class Error(BaseModel):
    """An error: what went wrong, and per-field messages for validation errors."""

    error: str
    fields: dict[str, list[str]] = Field(default_factory=dict)


class RunLimitsIn(BaseModel):
    """Run limits of each test; values above the server's maxima are lowered to them."""

    model_config = ConfigDict(extra="forbid")

    time_limit: float | None = Field(None, gt=0, allow_inf_nan=False,
                                      description="CPU seconds per test")
    memory_limit: int | None = Field(None, ge=8, description="MB per test (the whole box)")
    output_limit: int | None = Field(None, ge=1, description="KB of output per test")


class AdhocTest(BaseModel):
    """A test sent with the submission: standard input and, optionally, the expected output
    (compared token by token; without it the test only has to run without error)."""

    model_config = ConfigDict(extra="forbid")

    stdin: str = ""
    expected: str | None = None
    name: str | None = Field(None, max_length=200)


class SourceFileIn(BaseModel):
    """One file of a program of several files (or one answer file of a submit-answer
    problem): a plain name, and its content as text or base64 (any bytes)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="a plain file name: letters, digits and +_.- (not starting "
                                  "with . + or -), at most 255 characters")
    content: str = Field(description="the file's content")
    encoding: Literal["utf-8", "base64"] = Field(
        "utf-8", description="how content is given: text, or base64 of any bytes")


class SubmissionCreate(BaseModel):
    """A new submission: against a problem (``problem``) or ad-hoc tests (``tests``); one
    source (``source``) or several files (``files``, ``entry``)."""

    model_config = ConfigDict(extra="forbid")

    language: str | None = Field(None, description="a language id, see GET /api/v1/languages "
                                                   "(required but for the answer files of a "
                                                   "submit-answer problem)")
    source: str | None = Field(None, min_length=1, description="the program's source code")
    files: list[SourceFileIn] | None = Field(
        None, min_length=1, description="instead of source: the files of a program of several "
                                        "files (or a submit-answer problem's answer files)")
    entry: str | None = Field(None, min_length=1, max_length=255,
                              description="the entry point of files: a file, or a Java or "
                                          "Kotlin class [default: decided as DOMjudge does]")
    problem: str | None = Field(None, description="the name of a problem to judge against")
    tests: list[AdhocTest] | None = Field(None, description="ad-hoc tests instead of a problem")
    limits: RunLimitsIn = Field(default_factory=RunLimitsIn)
    queue: Literal["interactive", "batch"] = "interactive"
    run_all: bool = Field(False, description="run every test even after one failed")
    assignment: str | None = Field(
        None, max_length=100, description="the name of an assignment the problem is in: the "
        "submission counts there (as the token's account, or as ``user``)")
    user: str | None = Field(
        None, max_length=64, description="with ``assignment``, for the course's staff: the "
        "student the submission is of (a grader filling in work handed in elsewhere)")
    late: bool = Field(False, description="with ``user``: count it as handed in late")
    samples_only: bool = Field(False, description="judge the problem's samples only: a run "
                               "that is not a submission (never scored); needs problem")

    @model_validator(mode="after")
    def _problem_or_tests(self) -> "SubmissionCreate":
        if (self.problem is None) == (self.tests is None):
            raise ValueError("give either problem or tests")
        if self.assignment is not None and self.problem is None:
            raise ValueError("an assignment needs its problem")
        if (self.user is not None or self.late) and self.assignment is None:
            raise ValueError("user and late go with an assignment")
        if self.samples_only and self.problem is None:
            raise ValueError("samples_only needs a problem")
        if self.tests is not None and not self.tests:
            raise ValueError("tests must not be empty")
        return self


class TestResultOut(BaseModel):
    """One test's result. ``hidden``: a test of the problem whose data this client may not
    see (its name is then its group and position, its checker message, stdout and stderr
    are empty and its diff null)."""

    __test__ = False

    index: int
    name: str
    group: str
    verdict: str
    status: str
    time: float
    wall_time: float
    memory: int
    exit_code: int | None
    signal: int | None
    checker_message: str
    stdout: str
    stderr: str
    hidden: bool
    diff: str | None = Field(description="a wrong answer on a problem's test: its expected "
                             "output (the package's answer, ---) against the program's "
                             "(+++), as a unified diff, bounded; else null")


class GroupOut(BaseModel):
    """A scoring problem's test group as judged; ``verdict`` null: not judged."""

    name: str
    verdict: str | None
    score: float
    max_score: float | None


class FileOut(BaseModel):
    """A file of a submission of several files (its content: the submission's page)."""

    name: str
    size: int = Field(description="bytes")


class SubmissionOut(BaseModel):
    """A submission and where its judgement is."""

    id: str
    state: Literal["queued", "compiling", "running", "done"]
    test_index: int = Field(description="the test running now (1-based), or 0")
    test_count: int
    verdict: str | None
    score: float | None
    max_score: float | None
    time: float | None
    wall_time: float | None
    memory: int | None
    compile_output: str | None
    message: str | None
    language: str = Field(description="a language id, or answers (a submit-answer "
                                      "problem's answer files)")
    files: list[FileOut] = Field(description="the files of a submission of several files "
                                             "(empty for one source)")
    entry: str | None
    problem: str | None
    queue: str
    limits: dict
    created_at: str
    started_at: str | None
    finished_at: str | None
    samples_only: bool = Field(description="a run on the problem's samples, not a "
                               "submission: never scored")
    groups: list[GroupOut] | None = Field(description="a scoring problem's groups: points "
                                          "and verdict of each; else null")
    tests: list[TestResultOut] | None = None


class SubmissionList(BaseModel):
    """A page of submissions, newest first; ``next`` continues it (as ``before``)."""

    submissions: list[SubmissionOut]
    next: int | None


class ProblemOut(BaseModel):
    """A problem."""

    name: str
    title: str
    package_sha256: str
    time_limit: float | None
    test_count: int
    type: str
    feedback: Literal["samples", "all"] = Field(
        description="what contestants see of the tests: the samples' data only, or all")
    visibility: Literal["public", "private"] = Field(
        description="who sees the problem: everyone, or its managers and the courses whose "
                    "assignments use it once they start")
    created_at: str


class ProblemList(BaseModel):
    """Every problem."""

    problems: list[ProblemOut]


class LanguageOut(BaseModel):
    """A language, as the live workers report it."""

    id: str
    name: str
    version: str
    enabled: bool
    extensions: list[str]
    judge0_ids: list[int]


class Health(BaseModel):
    """Liveness or readiness, with what was checked."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)


Verdict = Literal["AC", "WA", "TLE", "MLE", "RE", "OLE", "CE", "SE"]


class ProblemChange(BaseModel):
    """What a problem's owner may change without a new package."""

    model_config = {"extra": "forbid"}

    feedback: Literal["samples", "all"] | None = None
    visibility: Literal["public", "private"] | None = None


class RejudgeCreate(BaseModel):
    """A re-judge: the finished submissions of ``problem`` that match every filter given are
    judged again on the problem's current package (docs/batch.md)."""

    model_config = ConfigDict(extra="forbid")

    problem: str = Field(description="the name of an uploaded problem")
    verdicts: list[Verdict] = Field(default_factory=list, max_length=8,
                                    description="only submissions with these verdicts")
    languages: list[str] = Field(default_factory=list, max_length=100,
                                 description="only submissions in these languages")
    submissions: list[str] = Field(default_factory=list, max_length=5000,
                                   description="only these submissions (their ids)")
    since: datetime | None = Field(None, description="only submissions sent at or after")
    until: datetime | None = Field(None, description="only submissions sent before")
    stale: bool = Field(False, description="only submissions judged on another package "
                                           "than the problem's current one")
    time_limit: float | None = Field(None, gt=0, allow_inf_nan=False,
                                     description="CPU seconds per test [default: the "
                                                 "problem's]")
    dry_run: bool = Field(False, description="count what matches, judge nothing")


class Judge0SubmissionIn(BaseModel):
    """Judge0's submission fields (numbers may come as strings, as Judge0 accepts them)."""

    model_config = ConfigDict(extra="ignore")

    source_code: str | None = None
    language_id: int | None = None
    compiler_options: str | None = Field(None, max_length=512)
    command_line_arguments: str | None = Field(None, max_length=512)
    stdin: str | None = None
    expected_output: str | None = None
    cpu_time_limit: float | None = None
    cpu_extra_time: float | None = None
    wall_time_limit: float | None = None
    memory_limit: float | None = None
    stack_limit: int | None = None
    max_processes_and_or_threads: int | None = None
    enable_per_process_and_thread_time_limit: bool | None = None
    enable_per_process_and_thread_memory_limit: bool | None = None
    max_file_size: int | None = None
    redirect_stderr_to_stdout: bool | None = None
    enable_network: bool | None = None
    number_of_runs: int | None = None
    additional_files: str | None = None
    callback_url: str | None = None


class Judge0BatchIn(BaseModel):
    """``POST /submissions/batch``."""

    submissions: list[dict]
