"""``judgebox token`` and ``judgebox users``: API tokens and accounts, in the store.

- ``judgebox token create|update|revoke|list``: API tokens and their scopes.
- ``judgebox users import|list|create|passwd``: accounts (class lists).
"""

from __future__ import annotations

import json
import os

import click

from ._common import web_app

__all__ = ["token_group", "users_group"]


# --- judgebox token --------------------------------------------------------------------------

@click.group("token")
def token_group() -> None:
    """Create, change, revoke and list API tokens."""


def _check_rate_limit(rate_limit: str | None) -> None:
    if rate_limit:
        from limits import parse_many

        try:
            parse_many(rate_limit)
        except ValueError as exc:
            raise click.ClickException(f"bad rate limit {rate_limit!r}: {exc}") from exc


_SCOPE_HELP = ("What the token may do: submit (submissions and batches, its own), problems "
               "(upload problems, manage its own, see their hidden data; implies submit), "
               "admin (everything). Repeat or comma-separate. [default: submit]")


def _scope_list(values: tuple[str, ...]) -> list[str]:
    return [s for value in values for s in value.split(",") if s.strip()]


@token_group.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, metavar="SCOPE", help=_SCOPE_HELP)
@click.option("--rate-limit", default=None, metavar="LIMIT",
              help='This token\'s limit on creating submissions, e.g. "100/minute".')
@click.option("--user", "username", default=None, metavar="USERNAME",
              help="The account the token belongs to: it acts as that account, its scopes "
                   "within the account's role.")
@click.option("--value", default=None, metavar="SECRET",
              help="Use this value as the token (an existing Judge0 deployment's token, so "
                   "that its clients need no change); at least 8 characters. Also read from "
                   "$JUDGEBOX_TOKEN_VALUE, which keeps it out of the process list.")
def token_create(name: str, scopes: tuple[str, ...], rate_limit: str | None,
                 username: str | None, value: str | None) -> None:
    """Create a token NAME; prints the token (shown only this once)."""
    from worker.store.tokens import TokenError, create_token
    from worker.store.users import get_user

    _check_rate_limit(rate_limit)
    value = value if value is not None else os.environ.get("JUDGEBOX_TOKEN_VALUE") or None
    store = web_app().extensions["judgebox_store"]
    user = get_user(store, username) if username else None
    if username and user is None:
        raise click.ClickException(f"no user named {username!r}")
    try:
        _row, secret = create_token(store, name, rate_limit,
                                    _scope_list(scopes) or ["submit"], value,
                                    user.id if user else None)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(secret)


@token_group.command("update")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, metavar="SCOPE",
              help="The token's new scopes (they replace the old ones): submit, problems, "
                   "admin.")
@click.option("--rate-limit", default=None, metavar="LIMIT",
              help='A new limit on creating submissions ("" for the default).')
def token_update(name: str, scopes: tuple[str, ...], rate_limit: str | None) -> None:
    """Change the scopes or the rate limit of the token NAME (or id)."""
    from worker.store.tokens import TokenError, update_token

    if not scopes and rate_limit is None:
        raise click.UsageError("nothing to change: give --scope and/or --rate-limit")
    _check_rate_limit(rate_limit)
    try:
        row = update_token(web_app().extensions["judgebox_store"], name,
                           _scope_list(scopes) or None, rate_limit)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{row.name}: scopes {row.scopes}; {row.rate_limit or 'default limit'}")


@token_group.command("revoke")
@click.argument("name")
def token_revoke(name: str) -> None:
    """Revoke the token NAME (or id): it stops working at once."""
    from worker.store.tokens import TokenError, revoke_token

    try:
        row = revoke_token(web_app().extensions["judgebox_store"], name)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"revoked {row.name}")


@token_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def token_list(as_json: bool) -> None:
    """List the tokens (never the secrets)."""
    from worker.store.tokens import list_tokens

    rows = list_tokens(web_app().extensions["judgebox_store"])
    data = [{"id": r.id, "name": r.name, "prefix": r.prefix, "scopes": r.scopes.split(),
             "rate_limit": r.rate_limit,
             "created_at": r.created_at.isoformat(timespec="seconds") + "Z",
             "revoked": r.revoked_at is not None} for r in rows]
    if as_json:
        click.echo(json.dumps(data, indent=1))
        return
    for row in data:
        state = "revoked" if row["revoked"] else "active"
        click.echo(f"{row['id']:>4}  {row['name']:<24} {row['prefix']}...  {state:<8} "
                   f"{','.join(row['scopes']):<22} {row['rate_limit'] or 'default limit'}  "
                   f"{row['created_at']}")


# --- judgebox users -------------------------------------------------------------------------

@click.group("users")
def users_group() -> None:
    """Accounts: import a class list, list, create, give a new password."""


@users_group.command("import")
@click.argument("class_list", type=click.File("r", encoding="utf-8-sig"), metavar="CLASS.csv")
@click.option("--course", default=None, metavar="NAME",
              help="Also put everyone in this course (made when it does not exist): "
                   "instructors as instructors, the others as students.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
def users_import(class_list, course: str | None, as_json: bool) -> None:
    """Create or update the accounts of CLASS.csv (columns username,name,email,role and an
    optional password, a header line first). Passwords generated for new accounts are
    printed once: hand them out."""
    from worker.store import users

    store = web_app().extensions["judgebox_store"]
    try:
        if course and users.get_course(store, course) is None:
            users.create_course(store, course)
            click.echo(f"made the course {course}", err=True)
        done = users.import_users(store, class_list.read(), course)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps({"created": [{"username": n, "password": p or None}
                                           for n, p in done.created],
                               "updated": done.updated}, indent=1))
        return
    for name, password in done.created:
        click.echo(f"{name}\t{password or '(the password of the list)'}")
    click.echo(f"{len(done.created)} created, {len(done.updated)} updated", err=True)


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def users_list(as_json: bool) -> None:
    """List the accounts (never their passwords)."""
    from worker.store import users

    rows = [users.user_json(u) for u in users.list_users(web_app().extensions["judgebox_store"])]
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    for row in rows:
        click.echo(f"{row['username']:<20} {row['role']:<11} {row['name']:<30} {row['email']}")


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "instructor", "student"]),
              default="student", show_default=True)
@click.option("--name", default="")
@click.option("--email", default="")
def users_create(username: str, role: str, name: str, email: str) -> None:
    """Make an account; prints its generated password once."""
    from worker.store import users

    try:
        _user, password = users.create_user(web_app().extensions["judgebox_store"], username,
                                            role, name, email)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(password)


@users_group.command("passwd")
@click.argument("username")
def users_passwd(username: str) -> None:
    """Give USERNAME a new generated password; prints it once."""
    from worker.store import users

    try:
        click.echo(users.set_password(web_app().extensions["judgebox_store"], username))
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from exc
