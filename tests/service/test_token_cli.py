"""``judgebox token create|revoke|list``."""

from __future__ import annotations

import json

from click.testing import CliRunner

from worker.cli.accounts import token_group


def test_token_lifecycle(tmp_path, monkeypatch):
    monkeypatch.setenv("JUDGEBOX_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()
    created = runner.invoke(token_group, ["create", "grader", "--rate-limit", "10/minute"])
    assert created.exit_code == 0, created.output
    secret = created.output.strip()
    assert secret.startswith("jb_")
    again = runner.invoke(token_group, ["create", "grader"])
    assert again.exit_code == 1 and "exists already" in again.output
    bad = runner.invoke(token_group, ["create", "x", "--rate-limit", "often"])
    assert bad.exit_code == 1 and "bad rate limit" in bad.output
    listed = json.loads(runner.invoke(token_group, ["list", "--json"]).output)
    assert [(t["name"], t["rate_limit"], t["revoked"]) for t in listed] == \
        [("grader", "10/minute", False)]
    assert secret not in runner.invoke(token_group, ["list"]).output
    assert runner.invoke(token_group, ["revoke", "grader"]).exit_code == 0
    listed = json.loads(runner.invoke(token_group, ["list", "--json"]).output)
    assert listed[0]["revoked"] is True
    missing = runner.invoke(token_group, ["revoke", "nobody"])
    assert missing.exit_code == 1 and "no token named" in missing.output
    assert (tmp_path / "judgebox.sqlite3").exists()


def test_scopes_update_and_a_given_value(tmp_path, monkeypatch):
    monkeypatch.setenv("JUDGEBOX_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    runner = CliRunner()
    assert runner.invoke(token_group, ["create", "grader"]).exit_code == 0
    made = runner.invoke(token_group, ["create", "boss", "--scope", "admin"])
    assert made.exit_code == 0, made.output
    both = runner.invoke(token_group, ["create", "teacher", "--scope", "submit,problems"])
    assert both.exit_code == 0, both.output
    wrong = runner.invoke(token_group, ["create", "x", "--scope", "root"])
    assert wrong.exit_code == 1 and "unknown scope" in wrong.output
    listed = {t["name"]: t["scopes"] for t in
              json.loads(runner.invoke(token_group, ["list", "--json"]).output)}
    assert listed == {"grader": ["submit"], "boss": ["admin"],
                      "teacher": ["submit", "problems"]}
    changed = runner.invoke(token_group, ["update", "grader", "--scope", "problems"])
    assert changed.exit_code == 0 and "scopes problems" in changed.output
    assert runner.invoke(token_group, ["update", "grader"]).exit_code == 2  # nothing to do
    # an existing Judge0 deployment's token, kept as it is
    kept = runner.invoke(token_group, ["create", "judge0-graders", "--value",
                                       "f6583e60-b13b-4228-b554-2eb332ca64e7"])
    assert kept.exit_code == 0 and kept.output.strip() == \
        "f6583e60-b13b-4228-b554-2eb332ca64e7"
    taken = runner.invoke(token_group, ["create", "again", "--value",
                                        "f6583e60-b13b-4228-b554-2eb332ca64e7"])
    assert taken.exit_code == 1 and "has that value" in taken.output
    short = runner.invoke(token_group, ["create", "short", "--value", "abc"])
    assert short.exit_code == 1 and "8 to 200" in short.output
    from web import create_app
    from worker.store.tokens import verify_token
    store = create_app().extensions["judgebox_store"]
    found = verify_token(store, "f6583e60-b13b-4228-b554-2eb332ca64e7")
    assert found.name == "judge0-graders" and found.scopes == "submit"
    assert "f6583e60-b13b" not in runner.invoke(token_group, ["list"]).output
