"""Re-judging: judge a problem's submissions again (after its package changed), compare, apply.

A re-judge never touches the submissions it re-judges until it is applied:

1. ``select_originals()`` picks the finished submissions of a problem that match a
   :class:`RejudgeFilter` (verdicts, languages, tokens, a time window, or only those judged
   on an older package). A re-judge's own copies and cancelled submissions are never picked.
2. the caller (``web.rejudge_services``) stores a *copy* of each (same source, language and
   options, the problem's current package and limits, ``rejudge_of`` = the original) on the
   batch queue, and ``create_rejudge()`` stores the re-judge: a batch of kind ``rejudge``
   whose items name the original and keep its judgement as it was (``before``).
3. ``diff_rows()`` compares before and after, item by item, while it runs and after;
   ``summary()`` counts verdict transitions (``WA->AC``).
4. ``apply_rejudge()`` copies each new judgement (verdict, score, times, memory, messages,
   per-test results, package) onto its original, once; an ``SE`` or unfinished copy is not
   applied (the original keeps its judgement, and the diff says so).

The diff is rendered by ``render_diff()`` as CSV or JSON (the API, and ``judgebox rejudge``).
Locally, without a server, ``judgebox batch ... --compare OLD_REPORT`` diffs two batch reports
in the same format (``read_report()``, ``diff_reports()``).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.orm import lazyload

from worker.core.batch import BatchResult, trim_message
from worker.core.spreadsheet import read_csv, write_csv

from .database import Store
from .db import DONE, Batch, BatchEntry, Submission, TestResult, utcnow

__all__ = ["RejudgeFilter", "select_originals", "before_of", "create_rejudge",
           "diff_rows", "summary", "render_diff", "apply_rejudge", "AlreadyApplied",
           "NotFinished", "Applied", "DIFF_FIELDS", "read_report", "diff_reports",
           "ReportError"]

# The judgement's columns a re-judge copies onto the original when applied.
_JUDGEMENT = ("verdict", "judge0_status", "score", "max_score", "time", "wall_time", "memory",
              "exit_code", "exit_signal", "message", "compile_output", "stdout", "stderr",
              "package_sha256", "limits", "test_count", "finished_at", "details")
_RESULT = ("index", "name", "group", "verdict", "status", "time", "wall_time", "memory",
           "exit_code", "signal", "checker_message", "stdout", "stderr")

DIFF_FIELDS = ["submission", "language", "submitted_at", "before", "after", "changed",
               "before_score", "after_score", "before_time", "after_time", "before_memory",
               "after_memory", "before_tests", "after_tests", "state", "applied",
               "rejudge_submission", "message"]


class AlreadyApplied(Exception):
    """The re-judge was applied already."""


class NotFinished(Exception):
    """The re-judge still has submissions being judged."""


@dataclass(frozen=True)
class RejudgeFilter:
    """Which finished submissions of a problem to judge again (every field narrows; empty
    fields do not): their ``verdicts``, ``languages``, ``tokens``; submitted at or after
    ``since`` and before ``until`` (naive UTC); ``stale``: only those judged on another
    package than the problem's current one."""

    verdicts: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    tokens: tuple[str, ...] = ()
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    stale: bool = False

    def to_json(self) -> dict[str, object]:
        """As stored with the re-judge and shown by the API."""
        return {"verdicts": list(self.verdicts), "languages": list(self.languages),
                "submissions": list(self.tokens),
                "since": self.since.isoformat() + "Z" if self.since else None,
                "until": self.until.isoformat() + "Z" if self.until else None,
                "stale": self.stale}


def select_originals(store: Store, problem_name: str, current_package: str,
                     wanted: RejudgeFilter, limit: int) -> list[Submission]:
    """The submissions to re-judge, oldest first (without their per-test results); at most
    ``limit + 1`` (so the caller can tell that more matched than it takes)."""
    query = (select(Submission)
             .where(Submission.problem_name == problem_name, Submission.state == DONE,
                    Submission.verdict.is_not(None), Submission.rejudge_of.is_(None),
                    Submission.package_sha256.is_not(None),
                    Submission.samples_only.is_(False))  # a run on samples grades nothing
             .order_by(Submission.id).limit(limit + 1)
             .options(lazyload(Submission.tests), lazyload(Submission.results)))
    if wanted.verdicts:
        query = query.where(Submission.verdict.in_(wanted.verdicts))
    if wanted.languages:
        query = query.where(Submission.language.in_(wanted.languages))
    if wanted.tokens:
        query = query.where(Submission.token.in_(wanted.tokens))
    if wanted.since is not None:
        query = query.where(Submission.created_at >= wanted.since)
    if wanted.until is not None:
        query = query.where(Submission.created_at < wanted.until)
    if wanted.stale:
        query = query.where(Submission.package_sha256 != current_package)
    with store.read() as session:
        return list(session.scalars(query).all())


def before_of(row: Submission, tests: str) -> dict[str, object]:
    """A submission's judgement as a re-judge keeps it (``BatchEntry.before``); ``tests``:
    its tests' verdicts, ``name:VERDICT ...``."""
    return {"token": row.token, "verdict": row.verdict, "score": row.score,
            "max_score": row.max_score, "time": row.time, "memory": row.memory,
            "package_sha256": row.package_sha256, "tests": tests,
            "created_at": row.created_at.isoformat() + "Z" if row.created_at else None}


def create_rejudge(store: Store, problem_name: str, pairs: list[tuple[Submission, str]],
                   options: dict, token_id: int | None) -> Batch:
    """Store a re-judge over ``(original, copy's token)`` pairs (the copies are stored
    already); returns it with its token."""
    tokens = [token for _, token in pairs]
    tests = _test_verdicts(store, [original.id for original, _ in pairs])
    with store.write() as session:
        ids = dict(session.execute(select(Submission.token, Submission.id)
                                   .where(Submission.token.in_(tokens))).all())
        batch = Batch(token=str(uuid.uuid4()), problem_name=problem_name, kind="rejudge",
                      item_count=len(pairs), options=dict(options), token_id=token_id,
                      created_at=utcnow())
        batch.items = [BatchEntry(index=i, submitter="", file=original.token,
                                  language=original.language, submission_id=ids.get(token),
                                  original_id=original.id,
                                  before=before_of(original, tests.get(original.id, "")))
                       for i, (original, token) in enumerate(pairs, 1)]
        session.add(batch)
    return batch


def _copies(store: Store, batch: Batch, results: bool = False) -> dict[int, Submission]:
    """The re-judge's copies by id (with their per-test results only when ``results``)."""
    ids = [item.submission_id for item in batch.items if item.submission_id is not None]
    query = select(Submission).where(Submission.id.in_(ids)).options(
        lazyload(Submission.tests))
    if not results:
        query = query.options(lazyload(Submission.results))
    with store.read() as session:
        return {row.id: row for row in session.scalars(query).all()}


def _test_verdicts(store: Store, ids: list[int]) -> dict[int, str]:
    """``name:VERDICT ...`` of each submission's tests (without loading their output)."""
    found: dict[int, list[str]] = {}
    with store.read() as session:
        for sid, index, name, verdict in session.execute(
                select(TestResult.submission_id, TestResult.index, TestResult.name,
                       TestResult.verdict).where(TestResult.submission_id.in_(ids))
                .order_by(TestResult.submission_id, TestResult.index)):
            found.setdefault(sid, []).append(f"{name or index}:{verdict}")
    return {sid: " ".join(parts) for sid, parts in found.items()}


def _state(copy: Submission | None) -> str:
    if copy is None:
        return "deleted"
    if copy.state == DONE and copy.verdict is None:
        return "cancelled"
    return copy.state


def _applicable(copy: Submission | None) -> bool:
    return copy is not None and copy.state == DONE and copy.verdict not in (None, "SE")


def _message(copy: Submission) -> str:
    """What a failed judgement says: the compiler's message (trimmed) or the system error."""
    if copy.verdict == "CE":
        return trim_message(copy.compile_output or copy.message or "")
    return (copy.message or "") if copy.verdict == "SE" else ""


def diff_rows(store: Store, batch: Batch) -> list[dict[str, object]]:
    """Before and after, one row per re-judged submission, in the re-judge's order."""
    copies = _copies(store, batch)
    tests = _test_verdicts(store, [row.id for row in copies.values() if row.state == DONE])
    rows = []
    for item in batch.items:
        before = item.before or {}
        copy = copies.get(item.submission_id)
        state = _state(copy)
        done = state == DONE
        after = copy.verdict if done else None
        after_score = copy.score if done else None
        rows.append({
            "submission": before.get("token") or item.file, "language": item.language,
            "submitted_at": before.get("created_at"), "before": before.get("verdict"),
            "after": after,
            "changed": done and (after != before.get("verdict")
                                 or after_score != before.get("score")),
            "before_score": before.get("score"), "after_score": after_score,
            "before_time": before.get("time"), "after_time": copy.time if done else None,
            "before_memory": before.get("memory"),
            "after_memory": copy.memory if done else None,
            "before_tests": before.get("tests") or "",
            "after_tests": tests.get(copy.id, "") if done else "",
            "state": state,
            "applied": batch.applied_at is not None and _applicable(copy),
            "rejudge_submission": copy.token if copy is not None else None,
            "message": _message(copy) if done else ""})
    return rows


def summary(rows: list[dict[str, object]]) -> dict[str, object]:
    """Counts: how many are done, changed, unchanged, still pending; and the verdict
    transitions of the changed ones (``{"WA->AC": 3}``)."""
    done = [r for r in rows if r["state"] == DONE]
    transitions: dict[str, int] = {}
    for row in done:
        if row["before"] != row["after"]:
            key = f"{row['before']}->{row['after']}"
            transitions[key] = transitions.get(key, 0) + 1
    changed = sum(1 for r in done if r["changed"])
    return {"total": len(rows), "done": len(done), "changed": changed,
            "unchanged": len(done) - changed,
            "pending": sum(1 for r in rows if r["state"] not in (DONE, "cancelled", "deleted")),
            "transitions": dict(sorted(transitions.items()))}


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def render_diff(rows: list[dict[str, object]], fmt: str) -> str:
    """The diff's text: ``csv`` (a line per submission) or ``json`` (the summary and the
    rows)."""
    if fmt == "json":
        return json.dumps({"summary": summary(rows), "submissions": rows}, indent=1) + "\n"
    return write_csv(DIFF_FIELDS, ({k: _cell(row.get(k)) for k in DIFF_FIELDS}
                                   for row in rows))


@dataclass
class Applied:
    """What ``apply_rejudge`` did: how many originals took their new judgement, and why
    the others did not (``{"SE": 1, "cancelled": 2}``)."""

    applied: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


def apply_rejudge(store: Store, batch: Batch) -> Applied:
    """Copy each finished, non-SE new judgement onto its original submission, once.

    Raises :class:`NotFinished` while copies are still queued or being judged and
    :class:`AlreadyApplied` when this re-judge was applied before (also by a concurrent
    request: the mark and the copies are one transaction)."""
    copies = _copies(store, batch, results=True)
    if any(_state(copies.get(i.submission_id)) not in (DONE, "cancelled", "deleted")
           for i in batch.items):
        raise NotFinished(f"re-judge {batch.token} is still judging")
    done = Applied()
    with store.write() as session:
        marked = session.execute(update(Batch).where(Batch.id == batch.id,
                                                     Batch.applied_at.is_(None))
                                 .values(applied_at=utcnow()))
        if marked.rowcount != 1:
            raise AlreadyApplied(f"re-judge {batch.token} was applied already")
        for item in batch.items:
            copy = copies.get(item.submission_id)
            original = session.scalar(select(Submission.id).where(
                Submission.id == item.original_id)) if item.original_id is not None else None
            if not _applicable(copy) or original is None:
                reason = "original deleted" if original is None else \
                    (copy.verdict or _state(copy)) if copy is not None else "deleted"
                done.skipped[reason] = done.skipped.get(reason, 0) + 1
                continue
            session.execute(update(Submission).where(Submission.id == original).values(
                **{name: getattr(copy, name) for name in _JUDGEMENT}))
            session.execute(delete(TestResult).where(TestResult.submission_id == original))
            session.add_all(TestResult(submission_id=original,
                                       **{name: getattr(r, name) for name in _RESULT})
                            for r in copy.results)
            done.applied += 1
    return done


# -- local: two batch reports -------------------------------------------------------------

class ReportError(Exception):
    """An earlier report cannot be read (says which and why)."""


def _float(value: object) -> float | None:
    if value in (None, ""):
        return None
    return float(value)  # type: ignore[arg-type]


def read_report(path: Path) -> dict[tuple[str, str], dict[str, object]]:
    """An earlier ``judgebox batch`` report (CSV or JSON) by (submitter, file): verdict,
    score, time, memory and per-test verdicts (``name:VERDICT ...``)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        if Path(path).suffix.lower() == ".json":
            rows = [{**r, "tests": " ".join(f"{t['name']}:{t['verdict']}"
                                           for t in r.get("tests") or [])}
                    for r in json.loads(text)]
        else:
            rows = read_csv(text)
        return {(str(r["submitter"]), str(r["file"])): {
            "verdict": r["verdict"], "score": _float(r.get("score")),
            "time": _float(r.get("time")), "memory": int(_float(r.get("memory")) or 0),
            "tests": r.get("tests") or ""} for r in rows}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReportError(f"{path}: not a judgebox batch report ({exc})") from exc


def diff_reports(before: dict[tuple[str, str], dict[str, object]],
                 results: list[BatchResult]) -> list[dict[str, object]]:
    """Rows of the diff (``DIFF_FIELDS``) of this run's results against an earlier report:
    ``submission`` is the submitter's file; one judged now but not before has no
    ``before``."""
    rows = []
    for result in results:
        old = before.get((result.submitter, result.file), {})
        done = result.verdict in ("AC", "WA", "TLE", "MLE", "RE", "OLE", "CE", "SE")
        rows.append({
            "submission": result.file, "language": result.language, "submitted_at": None,
            "before": old.get("verdict"), "after": result.verdict,
            "changed": bool(old) and (old.get("verdict") != result.verdict
                                      or old.get("score") != result.score),
            "before_score": old.get("score"), "after_score": result.score,
            "before_time": old.get("time"), "after_time": result.time,
            "before_memory": old.get("memory"), "after_memory": result.memory,
            "before_tests": old.get("tests") or "",
            "after_tests": " ".join(f"{t['name']}:{t['verdict']}" for t in result.tests),
            "state": DONE if done else result.verdict, "applied": None,
            "rejudge_submission": None,
            "message": result.compile_output or result.message})
    return rows

