"""Accounts, courses and their members: plain functions over the store.

An account has a username (lowercase letters, digits, ``.``, ``_``, ``-``), a name, an email,
a role on the whole site (``admin``, ``instructor``, ``student``) and a password, of which
only a hash is kept (werkzeug's scrypt). ``import_users`` reads a class list (CSV with the
columns ``username,name,email,role`` and an optional ``password``): new accounts without a
password get a generated one, returned once; accounts that exist are updated (name, email,
role), their password kept unless the list gives one.

Errors: :class:`UserError` (a bad username, role or password; a name taken; no such user or
course).
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from .database import Store
from .db import ROLES, Course, CourseMember, User, utcnow

__all__ = ["UserError", "Imported", "create_user", "import_users", "list_users", "get_user",
           "set_password", "set_disabled", "check_login", "create_course", "get_course", "enroll",
           "courses_of", "MIN_PASSWORD", "new_password", "user_json", "COURSE_ROLES"]

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
COURSE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
COURSE_ROLES = ("instructor", "student")
MIN_PASSWORD = 8
_HASH = "scrypt"  # werkzeug's default; its parameters travel in the hash
# a password check costs the same for an unknown username (no way to tell they exist)
_DUMMY_HASH = generate_password_hash("not a real password", method=_HASH)


class UserError(Exception):
    """An account or course operation could not be done (what and why in the message)."""


def new_password() -> str:
    """A password to hand to a user once (12 characters, 71 bits)."""
    return secrets.token_urlsafe(9)


def _check_username(username: str) -> str:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise UserError(f"bad username {username!r}: lowercase letters, digits, '.', '_' "
                        "and '-' (at most 64), starting with a letter or digit")
    return username


def _check_role(role: str, allowed: tuple[str, ...] = ROLES) -> str:
    role = (role or "student").strip().lower()
    if role not in allowed:
        raise UserError(f"bad role {role!r}: one of {', '.join(allowed)}")
    return role


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD or len(password) > 200:
        raise UserError(f"a password has {MIN_PASSWORD} to 200 characters")
    return password


def _hash(password: str) -> str:
    return generate_password_hash(_check_password(password), method=_HASH)


def user_json(user: User) -> dict:
    """What ``judgebox users list --json`` shows of an account."""
    return {"username": user.username, "name": user.name, "email": user.email,
            "role": user.role}


def create_user(store: Store, username: str, role: str = "student", name: str = "",
                email: str = "", password: str | None = None) -> tuple[User, str]:
    """A new account; returns it and its password (the one given, or a generated one)."""
    username = _check_username(username)
    password = password or new_password()
    with store.write() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise UserError(f"a user named {username!r} exists already")
        user = User(username=username, role=_check_role(role), name=name.strip()[:200],
                    email=email.strip()[:200], password_hash=_hash(password),
                    created_at=utcnow())
        session.add(user)
    return user, password


@dataclass(frozen=True)
class Imported:
    """What an import did: accounts created (with the passwords handed out: the ones
    generated, or ``""`` where the list gave one) and accounts updated."""

    created: list[tuple[str, str]]
    updated: list[str]


def _rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    missing = [f for f in ("username", "name", "email", "role") if f not in fields]
    if missing:
        raise UserError(f"the class list needs the columns username,name,email,role "
                        f"(and optionally password); missing: {', '.join(missing)}")
    rows = []
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        try:
            row["username"] = _check_username(row["username"])
            row["role"] = _check_role(row["role"])
            if row.get("password"):
                _check_password(row["password"])
        except UserError as exc:
            raise UserError(f"line {number}: {exc}") from None
        rows.append(row)
    names = [r["username"] for r in rows]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise UserError(f"usernames given twice: {', '.join(repeated)}")
    return rows


def import_users(store: Store, text: str, course: str | None = None) -> Imported:
    """Create or update the accounts of a class list (CSV text; all or nothing), and with
    ``course`` enroll each in it (instructors as instructors, the others as students)."""
    rows = _rows(text)
    created, updated = [], []
    with store.write() as session:
        target = None
        if course is not None:
            target = session.scalars(select(Course).where(Course.name == course)).first()
            if target is None:
                raise UserError(f"no course named {course!r}")
        existing = {u.username: u for u in session.scalars(select(User).where(
            User.username.in_([r["username"] for r in rows]))).all()}
        for row in rows:
            user = existing.get(row["username"])
            if user is None:
                password = row.get("password") or new_password()
                user = User(username=row["username"], name=row["name"][:200],
                            email=row["email"][:200], role=row["role"],
                            password_hash=_hash(password), created_at=utcnow())
                session.add(user)
                created.append((user.username, "" if row.get("password") else password))
            else:
                user.name, user.email, user.role = row["name"][:200], row["email"][:200], \
                    row["role"]
                if row.get("password"):
                    user.password_hash = _hash(row["password"])
                updated.append(user.username)
            if target is not None:
                session.flush()
                _enroll(session, target, user,
                        "instructor" if user.role in ("instructor", "admin") else "student")
    return Imported(created, updated)


def list_users(store: Store) -> list[User]:
    """Every account, by username."""
    with store.read() as session:
        return list(session.scalars(select(User).order_by(User.username)).all())


def get_user(store: Store, username_or_id: str | int) -> User | None:
    """The account with this username (or id), or ``None``."""
    with store.read() as session:
        if isinstance(username_or_id, int):
            return session.get(User, username_or_id)
        return session.scalars(select(User).where(
            User.username == username_or_id.strip().lower())).first()


def set_password(store: Store, username: str, password: str | None = None) -> str:
    """Give the account a new password (the one given, or a generated one, returned)."""
    password = password or new_password()
    digest = _hash(password)
    with store.write() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise UserError(f"no user named {username!r}")
        user.password_hash = digest
    return password


def check_login(store: Store, username: str, password: str) -> User | None:
    """The account these credentials open (and its login time noted), or ``None``. As
    slow for an unknown username as for a wrong password."""
    user = get_user(store, username) if USERNAME.match(username.strip().lower()) else None
    digest = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    if not check_password_hash(digest, password) or user is None or \
            user.password_hash is None or user.disabled_at is not None:
        return None
    with store.write() as session:
        found = session.get(User, user.id)
        if found is not None:
            found.last_login_at = utcnow()
    return user


def set_disabled(store: Store, username: str, disabled: bool = True) -> User:
    """Lock the account out (``disabled``) or let it in again."""
    with store.write() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise UserError(f"no user named {username!r}")
        user.disabled_at = utcnow() if disabled else None
    return user


# --- courses ------------------------------------------------------------------------------

def create_course(store: Store, name: str, title: str = "",
                  instructor: User | None = None) -> Course:
    """A new course (``instructor`` its first instructor), with a join code for sign-up."""
    name = name.strip().lower()
    if not COURSE_NAME.match(name):
        raise UserError(f"bad course name {name!r}: lowercase letters, digits, '-' and '_'")
    with store.write() as session:
        if session.scalar(select(Course.id).where(Course.name == name)) is not None:
            raise UserError(f"a course named {name!r} exists already")
        course = Course(name=name, title=title.strip()[:300] or name,
                        join_code=secrets.token_urlsafe(12), created_at=utcnow())
        session.add(course)
        session.flush()
        if instructor is not None:
            _enroll(session, course, instructor, "instructor")
    return course


def get_course(store: Store, name: str) -> Course | None:
    """The course named ``name`` (with its members), or ``None``."""
    with store.read() as session:
        return session.scalars(select(Course).where(Course.name == name)).first()


def _enroll(session, course: Course, user: User, role: str) -> None:
    member = session.scalars(select(CourseMember).where(
        CourseMember.course_id == course.id, CourseMember.user_id == user.id)).first()
    if member is None:
        session.add(CourseMember(course_id=course.id, user_id=user.id, role=role))
    else:
        member.role = role


def enroll(store: Store, course_name: str, usernames: list[str], role: str = "student"
           ) -> list[str]:
    """Put these accounts in the course with ``role``; returns the usernames not found."""
    role = _check_role(role, COURSE_ROLES)
    missing = []
    with store.write() as session:
        course = session.scalars(select(Course).where(Course.name == course_name)).first()
        if course is None:
            raise UserError(f"no course named {course_name!r}")
        for username in usernames:
            user = session.scalars(select(User).where(
                User.username == username.strip().lower())).first()
            if user is None:
                missing.append(username)
            else:
                _enroll(session, course, user, role)
    return missing


def courses_of(store: Store, user: User) -> dict[int, str]:
    """The courses ``user`` is in: course id -> role there."""
    with store.read() as session:
        return dict(session.execute(select(CourseMember.course_id, CourseMember.role).where(
            CourseMember.user_id == user.id)).all())
