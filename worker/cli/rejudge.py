"""``judgebox rejudge``: judge a problem's submissions again on a judgebox server (after its
package changed), follow it, show and write the before/after diff, and apply it if asked.

The server does the work (``/api/v1/rejudges``, docs/batch.md); this command starts a
re-judge (or follows one with ``--follow``), shows its progress, and at the end prints the
verdict transitions and the submissions whose verdict changed, writes the diff (CSV or JSON)
and, with ``--apply``, gives the originals their new judgements.

Exit status: 0 when every submission was judged again (whatever the verdicts); 1 when judging
failed for some (``SE``: they are not applied) or the server refused; 2 for bad usage; 130
when interrupted (the re-judge goes on on the server: ``--follow ID`` picks it up again).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

import click

from worker.core.batch import Server, ServerError

from ._common import one_line, table

__all__ = ["rejudge_command", "print_diff"]

_DEFAULT_SERVER = "http://127.0.0.1:2358"
_VERDICTS = ("AC", "WA", "TLE", "MLE", "RE", "OLE", "CE", "SE")


def _when(value: str | None) -> str | None:
    """An ISO date or date-time (local time unless it says its zone), as UTC ISO text."""
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date (2026-11-29 or "
                                 f"2026-11-29T10:00)") from None
    return moment.astimezone(dt.timezone.utc).isoformat()


class _Follow:
    """Polls the re-judge until nothing is queued or running; a progress bar on a terminal,
    a line per change otherwise."""

    def __init__(self, api: Server, token: str, poll: float) -> None:
        self.api, self.token, self.poll = api, token, poll

    def run(self) -> dict:
        state = self.api.call("GET", f"/api/v1/rejudges/{self.token}")
        total = state["total"]
        bar = None
        if sys.stderr.isatty():
            bar = click.progressbar(length=total, label="re-judging", file=sys.stderr,
                                    show_pos=True, show_eta=True,
                                    item_show_func=lambda _: self._counts(state))
            bar.__enter__()
        shown = 0
        try:
            while True:
                done = state["done"]
                if bar is not None:
                    bar.update(done - shown)
                elif done != shown:
                    click.echo(f"[{done}/{total}] {self._counts(state)}", err=True)
                shown = done
                if state["state"] in ("done", "cancelled") or done >= total:
                    return state
                time.sleep(self.poll)
                state = self.api.call("GET", f"/api/v1/rejudges/{self.token}")
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)

    @staticmethod
    def _counts(state: dict) -> str:
        verdicts = state.get("verdicts") or {}
        changed = (state.get("summary") or {}).get("changed", 0)
        return " ".join(f"{v} {n}" for v, n in verdicts.items()) + f"  changed {changed}"


def print_diff(diff: dict, shown: int = 20, what: str = "judged again") -> None:
    """The diff's summary, its verdict transitions and the submissions that changed."""
    summary = diff["summary"]
    click.echo(f"{summary['done']} of {summary['total']} {what}: "
               f"{summary['changed']} changed, {summary['unchanged']} unchanged"
               + (f", {summary['pending']} not judged" if summary["pending"] else ""))
    if summary["transitions"]:
        click.echo("")
        rows = [("before", "after", "count")]
        rows += [(*key.split("->", 1), str(n)) for key, n in summary["transitions"].items()]
        for line in table(rows):
            click.echo(line)
    changed = [row for row in diff["submissions"] if row["changed"]]
    if changed:
        click.echo("")
        click.echo("changed:" if len(changed) <= shown else
                   f"changed (the first {shown} of {len(changed)}):")
        rows = [("submission", "language", "before", "after", "score")]
        rows += [(r["submission"], r["language"], r["before"] or "", r["after"] or "",
                  f"{_score(r['before_score'])} -> {_score(r['after_score'])}")
                 for r in changed[:shown]]
        for line in table(rows):
            click.echo(line)


def _score(value) -> str:
    return "" if value is None else f"{value:g}"


def _write(path: Path, api: Server, token: str) -> None:
    fmt = "json" if path.suffix.lower() == ".json" else "csv"
    answer = api.session.get(f"{api.url}/api/v1/rejudges/{token}/diff",
                             params={"format": fmt}, timeout=api.timeout)
    if answer.status_code != 200:
        raise ServerError(f"GET diff: {answer.status_code} {answer.text[:200]}")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(answer.text, encoding="utf-8")
    os.replace(tmp, path)


@click.command("rejudge")
@click.argument("problem")
@click.option("--server", envvar="JUDGEBOX_SERVER", default=_DEFAULT_SERVER,
              show_default=True, metavar="URL",
              help="The judgebox server holding the problem [env JUDGEBOX_SERVER].")
@click.option("--token", envvar="JUDGEBOX_TOKEN", default=None,
              help="API token [env JUDGEBOX_TOKEN].")
@click.option("--verdict", "verdicts", multiple=True, type=click.Choice(_VERDICTS),
              help="Only submissions with this verdict (repeatable).")
@click.option("--lang", "languages", multiple=True, metavar="ID",
              help="Only submissions in this language (repeatable).")
@click.option("--submission", "tokens", multiple=True, metavar="ID",
              help="Only this submission (repeatable).")
@click.option("--since", default=None, metavar="WHEN",
              help="Only submissions sent at or after WHEN (ISO date or date-time).")
@click.option("--until", default=None, metavar="WHEN",
              help="Only submissions sent before WHEN.")
@click.option("--stale", is_flag=True,
              help="Only submissions judged on another package than the current one.")
@click.option("--time-limit", type=click.FloatRange(min=0.001), default=None,
              help="CPU seconds per test [default: the problem's].")
@click.option("--dry-run", is_flag=True, help="Say how many submissions match; judge none.")
@click.option("--apply", "apply_", is_flag=True,
              help="When done, give the originals their new judgements (not SE ones).")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="The diff: .csv or .json [default: PROBLEM-rejudge.csv here].")
@click.option("--follow", "follow", default=None, metavar="ID",
              help="Follow (and diff, apply) an existing re-judge instead of starting one.")
@click.option("--poll", type=click.FloatRange(min=0.05), default=0.5, show_default=True,
              help="Seconds between progress requests.")
def rejudge_command(problem: str, server: str, token: str | None, verdicts: tuple[str, ...],
                    languages: tuple[str, ...], tokens: tuple[str, ...], since: str | None,
                    until: str | None, stale: bool, time_limit: float | None, dry_run: bool,
                    apply_: bool, out: str | None, follow: str | None, poll: float) -> None:
    """Judge PROBLEM's finished submissions again on the server (all, or those matching the
    filters) on its current package, and show what changed."""
    report = Path(out) if out else Path(f"{problem}-rejudge.csv")
    if report.suffix.lower() not in (".csv", ".json"):
        raise click.UsageError(f"--out {report}: the diff is a .csv or a .json file")
    body = {"problem": problem, "verdicts": list(verdicts), "languages": list(languages),
            "submissions": list(tokens), "since": _when(since), "until": _when(until),
            "stale": stale, "time_limit": time_limit, "dry_run": dry_run}
    api = Server(server, token)
    try:
        if dry_run:
            answer = api.call("POST", "/api/v1/rejudges", json=body)
            more = " (more than the server takes at once)" if answer.get("more") else ""
            click.echo(f"{answer['matched']} submission(s) of {problem} match{more}")
            return
        if follow is None:
            follow = api.call("POST", "/api/v1/rejudges", json=body)["id"]
            click.echo(f"re-judge {follow} started (follow it again with --follow {follow})",
                       err=True)
        final = _Follow(api, follow, poll).run()
        if final["problem"] != problem:
            raise click.UsageError(f"re-judge {follow} is of problem {final['problem']}, "
                                   f"not {problem}")
        diff = api.call("GET", f"/api/v1/rejudges/{follow}/diff")
        _write(report, api, follow)
        print_diff(diff)
        if apply_ and final["state"] != "cancelled":
            applied = api.call("POST", f"/api/v1/rejudges/{follow}/apply")
            skipped = ", ".join(f"{k} {n}" for k, n in applied["skipped"].items())
            click.echo(f"\napplied to {applied['applied']} submission(s)"
                       + (f"; not applied: {skipped}" if skipped else ""))
    except KeyboardInterrupt:
        click.echo(f"\njudgebox: stopped following; the re-judge goes on on the server "
                   f"(--follow {follow})", err=True)
        sys.exit(130)
    except (ServerError, OSError) as exc:
        raise click.ClickException(one_line(exc)) from exc
    click.echo(f"diff: {report}")
    failed = [r for r in diff["submissions"] if r["after"] == "SE"]
    if failed:
        click.echo(f"judgebox: judging failed for {len(failed)} submission(s), e.g. "
                   f"{failed[0]['submission']}: {failed[0]['message']}", err=True)
        sys.exit(1)
