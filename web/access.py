"""Who may see and do what: one place for every route's decision (docs/api.md, docs/web.md).

A request acts as a :class:`Principal`: an account logged in on the pages (``user``), and/or
an API token (the ``X-Auth-Token`` header on the APIs, or a token logged in on the pages);
a token may belong to an account. Nobody: a stranger. What it may do:

- scopes (``worker.store.tokens``): ``submit``, ``problems`` (implies submit), ``admin`` (implies
  all). An account's role gives the same: ``student`` submit, ``instructor`` problems,
  ``admin`` admin; a token of an account has its own scopes within its account's role.
- Reading one submission by its id (an unguessable UUID4) is open, as in Judge0, for what
  was sent without an account. A submission made by an account is private: its account,
  the managers of its problem, the staff of its assignment's course and admins read it (and
  the course's members too, after the assignment's end, when it says ``share_after_end``);
  anyone else gets 404. Listing needs a token or an account, and lists only what it may see.
- A problem is managed (replaced, deleted, re-judged, its hidden data seen) by admins and by
  the ``problems`` token or the instructor's account that uploaded it (its owner). A
  ``private`` problem is seen only by its managers, admins and the members of the courses
  whose assignments use it, once the assignment has started.
- Hidden test data: whatever comes from a test that is not a sample (its name, the
  checker's message, the program's output and stderr on it, a judge error's message) is
  shown only to those who manage the problem and to the staff of the submission's course,
  unless the problem's or the assignment's ``feedback`` is ``all``. Samples are public. Ad-hoc
  submissions carry their own tests: their data is the sender's own and always shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, request, session
from sqlalchemy import select

from worker.store.db import (ApiToken, Assignment, AssignmentProblem, CourseMember, Problem,
                             Submission, TestResult, User, utcnow)
from worker.store.submissions import Visibility
from worker.store.tokens import SCOPES, scopes_of

from .errors import ApiError

__all__ = ["Principal", "current", "require", "require_manage", "page_principal",
           "shows_hidden", "is_sample", "managed_problem_ids", "visibility", "may_read",
           "may_see_problem", "require_problem", "HIDDEN_MESSAGE", "FEEDBACK",
           "PAGE_BLUEPRINTS", "ROLE_SCOPES", "VISIBILITY"]

# The pages authenticate with a login (an account, or a token entered once; both kept in
# the session), not with the header.
PAGE_BLUEPRINTS = frozenset({"home", "problems", "submissions", "playground", "admin",
                             "account", "courses"})
FEEDBACK = ("samples", "all")  # what contestants see of a problem's tests
VISIBILITY = ("public", "private")  # who sees a problem at all
HIDDEN_MESSAGE = ("a judge error on a hidden test (the problem's managers see the details)")
ROLE_SCOPES = {"admin": frozenset(SCOPES), "instructor": frozenset({"problems", "submit"}),
               "student": frozenset({"submit"})}


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a live token and/or an account (both ``None``: a stranger).
    ``staff``/``member``: the ids of the courses the account teaches / is in."""

    token: ApiToken | None = None
    user: User | None = None
    staff: frozenset[int] = field(default=frozenset())
    member: frozenset[int] = field(default=frozenset())

    @property
    def token_id(self) -> int | None:
        """The token's id, or ``None``."""
        return None if self.token is None else self.token.id

    @property
    def user_id(self) -> int | None:
        """The account's id, or ``None``."""
        return None if self.user is None else self.user.id

    @property
    def anonymous(self) -> bool:
        """Neither a token nor an account."""
        return self.token is None and self.user is None

    @property
    def scopes(self) -> frozenset[str]:
        """Every scope, implied ones included (empty for a stranger): a token's own, within
        its account's role; an account's role's."""
        role = ROLE_SCOPES.get(self.user.role, frozenset()) if self.user is not None \
            else None
        if self.token is not None:
            own = scopes_of(self.token)
            return own if role is None else own & role
        return role or frozenset()

    def has(self, scope: str) -> bool:
        """Whether this principal has ``scope`` (directly or implied)."""
        return scope in self.scopes

    @property
    def admin(self) -> bool:
        """Whether this is an admin (token or account)."""
        return self.has("admin")

    def manages(self, problem: Problem | None) -> bool:
        """Whether this principal manages ``problem`` (admin, or its owning ``problems``
        token or account). A problem that is gone is managed by admins only."""
        if self.admin:
            return True
        if problem is None or not self.has("problems"):
            return False
        return (problem.owner_token_id is not None and problem.owner_token_id == self.token_id
                ) or (problem.owner_user_id is not None
                      and problem.owner_user_id == self.user_id)

    def owns(self, row: Submission) -> bool:
        """Whether the submission was made with this principal's token or account."""
        return (self.token_id is not None and row.token_id == self.token_id) or \
            (self.user_id is not None and row.user_id == self.user_id)


def _store():
    from ._store import store

    return store()


def _problem_of(row: Submission) -> Problem | None:
    if row.problem_id is None:
        return None
    with _store().read() as db:
        return db.get(Problem, row.problem_id)


def _assignment_of(row: Submission) -> Assignment | None:
    if row.assignment_id is None:
        return None
    with _store().read() as db:
        return db.get(Assignment, row.assignment_id)


def may_read(principal: Principal, row: Submission) -> bool:
    """Whether ``principal`` may read the submission at all (see the module docstring)."""
    if row.user_id is None or principal.admin or principal.owns(row):
        return True
    if principal.anonymous:
        return False
    assignment = _assignment_of(row)
    if assignment is not None:
        if assignment.course_id in principal.staff:
            return True
        if assignment.share_after_end and assignment.course_id in principal.member and \
                utcnow() >= (assignment.late_until or assignment.ends_at):
            return True
    return principal.manages(_problem_of(row))


def shows_hidden(principal: Principal, row: Submission) -> bool:
    """Whether ``principal`` may see what came from ``row``'s hidden tests."""
    if row.problem_name is None:  # ad-hoc: the tests came with the submission
        return True
    if principal.admin:
        return True
    problem = _problem_of(row)
    if problem is not None and (problem.info or {}).get("feedback") == "all":
        return True
    assignment = _assignment_of(row)
    if assignment is not None and (assignment.feedback == "all"
                                   or assignment.course_id in principal.staff):
        return True
    return principal.manages(problem)


def is_sample(result: TestResult) -> bool:
    """Whether a problem test's result is of a sample test (public data)."""
    group = result.group or ""
    return group == "sample" or group.startswith("sample/")


def _courses(user: User | None) -> tuple[frozenset[int], frozenset[int]]:
    if user is None:
        return frozenset(), frozenset()
    with _store().read() as db:
        rows = db.execute(select(CourseMember.course_id, CourseMember.role).where(
            CourseMember.user_id == user.id)).all()
    return (frozenset(c for c, role in rows if role == "instructor"),
            frozenset(c for c, _ in rows))


def principal_of(token: ApiToken | None, user: User | None) -> Principal:
    """The principal of a token (its account, when it has one) and/or an account."""
    if user is None and token is not None and token.user_id is not None:
        with _store().read() as db:
            user = db.get(User, token.user_id)
    if user is not None and user.disabled_at is not None:
        user = None
        token = None  # a disabled account's tokens stop working too
    staff, member = _courses(user)
    return Principal(token, user, staff, member)


def current() -> Principal:
    """The principal of this request: on the pages, the session's login; on the APIs, the
    header's token (and its account)."""
    if request.blueprint in PAGE_BLUEPRINTS:
        return page_principal()
    if "api_principal" not in g:
        g.api_principal = principal_of(g.get("api_token"), None)
    return g.api_principal


def page_principal() -> Principal:
    """The pages' login: an account (``user_id`` in the session) or a token (by id), while
    it is live."""
    if "page_principal" in g:
        return g.page_principal
    token = user = None
    with _store().read() as db:
        if session.get("admin_token_id") is not None:
            token = db.get(ApiToken, session["admin_token_id"])
            if token is None or token.revoked_at is not None:
                session.pop("admin_token_id", None)
                token = None
        if session.get("user_id") is not None:
            user = db.get(User, session["user_id"])
            if user is None or user.disabled_at is not None:
                session.pop("user_id", None)
                user = None
    g.page_principal = principal_of(token, user)
    g.page_token = g.page_principal.token
    return g.page_principal


def require(scope: str) -> Principal:
    """The current principal, which must have ``scope``: 401 without a token or account,
    403 when it lacks the scope."""
    principal = current()
    if principal.anonymous:
        raise ApiError(401, f"this needs an API token with the {scope} scope (see "
                            "`judgebox token create --scope`)")
    if not principal.has(scope):
        what = f"token lacks the {scope} scope (its scopes: {principal.token.scopes}; " \
               f"`judgebox token update NAME --scope {scope}`)" if principal.token else \
               f"account ({principal.user.role}) may not do this ({scope})"
        raise ApiError(403, f"this {what}")
    return principal


def require_manage(problem: Problem | None, name: str = "") -> Principal:
    """The current principal, which must manage ``problem``: 401 without a token or account,
    403 otherwise."""
    principal = require("problems")
    if not principal.manages(problem):
        raise ApiError(403, f"this token does not manage problem {name or problem.name!r} "
                            "(only admins and the token or account that uploaded it do)")
    return principal


def _started_assignment_courses(problem: Problem) -> set[int]:
    now = utcnow()
    with _store().read() as db:
        return set(db.scalars(select(Assignment.course_id).join(
            AssignmentProblem, AssignmentProblem.assignment_id == Assignment.id).where(
            AssignmentProblem.problem_id == problem.id, Assignment.starts_at <= now)).all())


def may_see_problem(principal: Principal, problem: Problem) -> bool:
    """Whether ``principal`` may see the problem (its page, statement, samples; submit)."""
    if (problem.info or {}).get("visibility", "public") == "public":
        return True
    if principal.manages(problem):
        return True
    courses = _started_assignment_courses(problem)
    return bool(courses & (principal.member | principal.staff))


def require_problem(problem: Problem) -> Problem:
    """``problem``, when the current principal may see it; else 404 (a private problem's
    name is not confirmed to strangers)."""
    if not may_see_problem(current(), problem):
        raise ApiError(404, f"no problem named {problem.name!r}")
    return problem


def managed_problem_ids(principal: Principal) -> list[int]:
    """The ids of the problems a ``problems`` token or account owns (admins manage all: not
    listed)."""
    if not principal.has("problems") or principal.anonymous:
        return []
    conditions = []
    if principal.token_id is not None:
        conditions.append(Problem.owner_token_id == principal.token_id)
    if principal.user_id is not None:
        conditions.append(Problem.owner_user_id == principal.user_id)
    from sqlalchemy import or_

    with _store().read() as db:
        return list(db.scalars(select(Problem.id).where(or_(*conditions))).all())


def visibility(principal: Principal) -> Visibility | None:
    """The submissions ``principal`` may list (``None``: every one, for admins)."""
    if principal.admin:
        return None
    staffed: tuple[int, ...] = ()
    if principal.staff:
        with _store().read() as db:
            staffed = tuple(db.scalars(select(Assignment.id).where(
                Assignment.course_id.in_(principal.staff))).all())
    return Visibility(principal.token_id, tuple(managed_problem_ids(principal)),
                      principal.user_id, staffed)
