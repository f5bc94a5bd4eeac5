"""Who may see and do what: one place for every route's decision (docs/api.md, docs/web.md).

A request acts as a :class:`Principal`: the API token of its ``X-Auth-Token`` header (the
APIs), or the token logged in on the pages (the session), or nobody (a stranger). A token's
scopes (``worker.tokens``): ``submit``, ``problems`` (implies submit), ``admin`` (implies
all).

- Reading one submission by its id (an unguessable UUID4) is open, as in Judge0; listing
  needs a token and lists only what it may see: its own submissions, the submissions on the
  problems it manages, everything for ``admin``.
- A problem is managed (replaced, deleted, re-judged, its hidden data seen) by ``admin``
  tokens and by the ``problems`` token that uploaded it (its owner).
- Hidden test data: whatever comes from a test that is not a sample (its name, the
  checker's message, the program's output and stderr on it, a judge error's message) is
  shown only to those who manage the problem, unless the problem's ``feedback`` is
  ``all``. Samples are public (the problem page shows them). Ad-hoc submissions (both APIs)
  carry their own tests: their data is the sender's own and always shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request, session
from sqlalchemy import select

from worker.db import ApiToken, Problem, Submission, TestResult
from worker.submissions import Visibility
from worker.tokens import has_scope, scopes_of

from .errors import ApiError

__all__ = ["Principal", "current", "require", "require_manage", "page_principal",
           "shows_hidden", "is_sample", "managed_problem_ids", "visibility", "HIDDEN_MESSAGE", "FEEDBACK",
           "PAGE_BLUEPRINTS"]

# The pages authenticate with a login (a token entered once, kept in the session), not with
# the header.
PAGE_BLUEPRINTS = frozenset({"home", "problems", "submissions", "playground", "admin"})
FEEDBACK = ("samples", "all")  # a problem's feedback: what contestants see of its tests
HIDDEN_MESSAGE = ("a judge error on a hidden test (the problem's managers see the details)")


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a live token, or ``None`` (a stranger)."""

    token: ApiToken | None = None

    @property
    def token_id(self) -> int | None:
        """The token's id, or ``None``."""
        return None if self.token is None else self.token.id

    @property
    def scopes(self) -> frozenset[str]:
        """Every scope, implied ones included (empty for a stranger)."""
        return frozenset() if self.token is None else scopes_of(self.token)

    def has(self, scope: str) -> bool:
        """Whether the token has ``scope`` (directly or implied)."""
        return has_scope(self.token, scope)

    @property
    def admin(self) -> bool:
        """Whether this is an admin token."""
        return self.has("admin")

    def manages(self, problem: Problem | None) -> bool:
        """Whether this principal manages ``problem`` (admin, or its owning ``problems``
        token). A problem that is gone is managed by admins only."""
        if self.admin:
            return True
        return (problem is not None and self.has("problems")
                and problem.owner_token_id is not None
                and problem.owner_token_id == self.token_id)

    def owns(self, row: Submission) -> bool:
        """Whether the submission was made with this principal's token."""
        return self.token_id is not None and row.token_id == self.token_id


def _problem_of(row: Submission) -> Problem | None:
    if row.problem_id is None:
        return None
    from .services import store

    with store().read() as db:
        return db.get(Problem, row.problem_id)


def shows_hidden(principal: Principal, row: Submission) -> bool:
    """Whether ``principal`` may see what came from ``row``'s hidden tests."""
    if row.problem_name is None:  # ad-hoc: the tests came with the submission
        return True
    if principal.admin:
        return True
    problem = _problem_of(row)
    if problem is not None and (problem.info or {}).get("feedback") == "all":
        return True
    return principal.manages(problem)


def is_sample(result: TestResult) -> bool:
    """Whether a problem test's result is of a sample test (public data)."""
    group = result.group or ""
    return group == "sample" or group.startswith("sample/")


def current() -> Principal:
    """The principal of this request: the API token (``g.api_token``), or on the pages the
    token logged in with."""
    if request.blueprint in PAGE_BLUEPRINTS:
        return page_principal()
    return Principal(g.get("api_token"))


def page_principal() -> Principal:
    """The token logged in on the pages (kept by id in the session), while it is live."""
    token_id = session.get("admin_token_id")
    if token_id is None:
        return Principal()
    if "page_token" not in g:
        from .services import store

        with store().read() as db:
            token = db.get(ApiToken, token_id)
        if token is None or token.revoked_at is not None:
            session.pop("admin_token_id", None)
            token = None
        g.page_token = token
    return Principal(g.page_token)


def require(scope: str) -> Principal:
    """The current principal, which must have ``scope``: 401 without a token, 403 when the
    token lacks the scope."""
    principal = current()
    if principal.token is None:
        raise ApiError(401, f"this needs an API token with the {scope} scope (see "
                            "`judgebox token create --scope`)")
    if not principal.has(scope):
        raise ApiError(403, f"this token lacks the {scope} scope (its scopes: "
                            f"{principal.token.scopes}; `judgebox token update NAME "
                            f"--scope {scope}`)")
    return principal


def require_manage(problem: Problem | None, name: str = "") -> Principal:
    """The current principal, which must manage ``problem``: 401 without a token, 403
    otherwise."""
    principal = require("problems")
    if not principal.manages(problem):
        raise ApiError(403, f"this token does not manage problem {name or problem.name!r} "
                            "(only admin tokens and the token that uploaded it do)")
    return principal


def managed_problem_ids(principal: Principal) -> list[int]:
    """The ids of the problems a ``problems`` token owns (admins manage all: not listed)."""
    if principal.token_id is None or not principal.has("problems"):
        return []
    from .services import store

    with store().read() as db:
        return list(db.scalars(select(Problem.id).where(
            Problem.owner_token_id == principal.token_id)).all())


def visibility(principal: Principal) -> Visibility | None:
    """The submissions ``principal`` may list (``None``: every one, for admins)."""
    if principal.admin:
        return None
    return Visibility(principal.token_id, tuple(managed_problem_ids(principal)))
