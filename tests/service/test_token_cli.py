"""``judgebox token create|revoke|list``."""

from __future__ import annotations

import json

from click.testing import CliRunner

from web.cli import token_group


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
