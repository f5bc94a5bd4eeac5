"""Read-only queries and package reading for the pages: a problem's statement and samples,
pages of submissions, the status figures."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from html import escape
from pathlib import Path

import nh3
from flask import current_app
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from sqlalchemy import func, or_, select
from sqlalchemy.orm import lazyload

from worker.store import registry
from worker.store.db import DONE, QUEUED, Problem, Submission, utcnow
from worker.store.submissions import Visibility

from .. import feedback, services

__all__ = ["ProblemText", "problem_text", "package_root", "find_submissions", "status_figures"]

SAMPLE_MAX = 8 * 1024  # bytes of a sample shown on the page
STATEMENT_DIRS = ("statement", "problem_statement")


@dataclass(frozen=True)
class ProblemText:
    """What the problem page shows of the package: statement (safe HTML, or plain text),
    the PDF's file name, samples as (name, input, answer)."""

    html: str = ""
    text: str = ""
    pdf: str | None = None
    samples: tuple[tuple[str, str, str], ...] = ()


def package_root(problem: Problem) -> Path:
    """The problem's package, unpacked in this host's cache."""
    return feedback.package_root(problem.package_sha256)


def _math(content: str, options: dict) -> str:
    """Math stays TeX, between \\( \\) or \\[ \\], for KaTeX in the browser (Markdown's
    escapes and emphasis never touch it)."""
    return escape(f"\\[{content}\\]" if options.get("display_mode") else f"\\({content}\\)")


_markdown = (MarkdownIt("commonmark", {"html": False}).enable("table")
             .use(dollarmath_plugin, renderer=_math, allow_digits=False, double_inline=True))


def _statement_file(root: Path, suffix: str) -> Path | None:
    for folder in STATEMENT_DIRS:
        found = sorted((root / folder).glob(f"problem*.{suffix}")) \
            if (root / folder).is_dir() else []
        english = [p for p in found if p.name in (f"problem.en.{suffix}", f"problem.{suffix}")]
        if english or found:
            return (english or found)[0]
    return None


def _read(path: Path) -> str:
    with open(path, "rb") as f:
        data = f.read(SAMPLE_MAX + 1)
    text = data[:SAMPLE_MAX].decode("utf-8", "replace")
    return text + ("\n…" if len(data) > SAMPLE_MAX else "")


def _tex_as_text(source: str) -> str:
    """A LaTeX statement as readable text: the title macro goes (the page shows the title)."""
    lines = [line for line in source.splitlines() if not line.startswith("\\problemname")]
    return "\n".join(lines).strip()


@functools.lru_cache(maxsize=256)
def _problem_text(root: Path) -> ProblemText:
    from worker.core.problem import load_problem

    html, text = "", ""
    markdown = _statement_file(root, "md")
    if markdown is not None:  # markdown-it escapes raw HTML; nh3 is the second fence
        html = nh3.clean(_markdown.render(markdown.read_text("utf-8", "replace")))
    else:
        tex = _statement_file(root, "tex")
        if tex is not None:
            text = _tex_as_text(tex.read_text("utf-8", "replace"))
    pdf = _statement_file(root, "pdf")
    problem = load_problem(root)
    samples = tuple((case.name, _read(case.input), _read(case.answer))
                    for case in (problem.sample.cases if problem.sample else ()))
    return ProblemText(html, text, pdf.name if pdf else None, samples)


def problem_text(problem: Problem) -> ProblemText:
    """The problem's statement and samples (read once per package)."""
    return _problem_text(package_root(problem))


def find_submissions(*, tokens: list[str] | None, problem: str | None, language: str | None,
                     verdict: str | None, before: int | None, limit: int,
                     visible_to: Visibility | None = None) -> list[Submission]:
    """Newest first; ``tokens`` restricts to those submissions, and to those ``visible_to``
    may list as well (both ``None``: all). A re-judge's copies are left out (applied, their
    judgement is the original's)."""
    query = (select(Submission).order_by(Submission.id.desc()).limit(limit)
             .where(Submission.rejudge_of.is_(None))
             .options(lazyload(Submission.results), lazyload(Submission.tests)))
    if tokens is not None:
        mine = Submission.token.in_(tokens)
        query = query.where(or_(mine, visible_to.condition()) if visible_to else mine)
    for column, value in ((Submission.problem_name, problem), (Submission.language, language),
                          (Submission.verdict, verdict)):
        if value:
            query = query.where(column == value)
    if before is not None:
        query = query.where(Submission.id < before)
    with services.store().read() as session:
        return list(session.scalars(query).all())


def status_figures() -> dict:
    """Queue lengths, workers online, and how many submissions finished lately."""
    store = services.store()
    now = utcnow()
    with store.read() as session:
        states = dict(session.execute(select(Submission.state, func.count())
                                      .group_by(Submission.state)).all())
        queued = dict(session.execute(select(Submission.queue, func.count())
                                      .where(Submission.state == QUEUED)
                                      .group_by(Submission.queue)).all())
        finished = {}
        for label, minutes in (("last minute", 1), ("last 10 minutes", 10), ("last hour", 60)):
            since = now - dt.timedelta(minutes=minutes)
            finished[label] = session.scalar(
                select(func.count()).where(Submission.state == DONE,
                                           Submission.finished_at >= since))
    workers = registry.live_workers(store, float(current_app.config["WORKER_STALE"]))
    return {"states": states, "queued": queued, "finished": finished, "workers": workers,
            "queues": current_app.config["QUEUES"], "now": now}
