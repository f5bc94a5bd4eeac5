"""Batch grading: judge a folder or a zip of submissions on one problem, with a report.

Plain functions under ``judgebox batch`` (``worker/cli/batch.py``)::

    collect_submissions(path, options) -> list[BatchItem]    # what to judge, in order
    BatchState(path)                                        # what is already judged (resume)
    judge_locally(problem, items, ...) / judge_on_server(...) # -> BatchResult per item
    write_report(path, results)                             # CSV or JSON, by the extension

Layout of SUBMISSIONS (a folder, or a zip unpacked safely): a file at the top is one
submission (its submitter is the file's name without its extension); a folder at the top is one
submitter, and their newest file is judged (every file with ``all_files``). Hidden files and
``__MACOSX`` are ignored. The language comes from the extension unless an override says.

Resume: each finished item is appended to a state file (JSON lines, flushed and fsync'd) keyed
by the SHA-256 of the problem's fingerprint, the language and the file's bytes; a later run
with the same problem skips what is in it. A judge error (``SE``) is not stored: it is judged
again next time.

Errors (judgebox's own, not a submission's): :class:`BatchError` (bad input: an empty folder,
an unknown extension, a broken zip); :class:`ServerError` (``--server`` refused or
unreachable); ``PackageError`` for a broken problem package. A submission the sandbox could
not judge is a result (``SE``), not an exception.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .languages import Language, LanguageError, all_languages, get_language, language_for_file
from .problem import PackageError, extract_archive
from .sources import SourceError, SourceFiles, language_of, read_directory
from .spreadsheet import write_csv

__all__ = ["BatchError", "CollectOptions", "BatchItem", "BatchResult", "BatchState",
           "collect_submissions", "open_submissions", "problem_fingerprint", "item_key",
           "result_from_judgement", "result_from_api", "write_report", "report_rows",
           "render_report", "Stop", "judge_locally", "Server", "ServerError",
           "judge_on_server", "REPORT_FIELDS", "COMPILE_MESSAGE_CHARS", "trim_message",
           "SKIPPED"]

COMPILE_MESSAGE_CHARS = 500
REPORT_FIELDS = ("submitter", "file", "language", "verdict", "score", "max_score", "time",
                 "memory", "tests", "compile_output")


class BatchError(Exception):
    """Batch input judgebox cannot use (one line, says which file and why)."""


@dataclass(frozen=True)
class CollectOptions:
    """How to turn SUBMISSIONS into items. ``languages`` maps an extension (no dot, lower
    case) to a language id; the key ``"*"`` sets the language of every file. ``all_files``
    judges every file of a submitter folder instead of the newest; ``multi_file`` judges a
    submitter folder's files as one program of several files (``worker.core.sources``).
    ``skip_unknown`` skips files whose language is unknown instead of refusing the batch."""

    languages: dict[str, str] = field(default_factory=dict)
    all_files: bool = False
    skip_unknown: bool = False
    multi_file: bool = False


@dataclass(frozen=True)
class BatchItem:
    """One submission to judge: who sent it, its path relative to SUBMISSIONS, its bytes'
    path on disk (a submitter's folder for a program of several files) and its language id."""

    submitter: str
    file: str
    path: Path
    language: str

    def source(self) -> bytes | SourceFiles:
        """The submission's bytes, or its files (a folder: a program of several files)."""
        return read_directory(self.path) if self.path.is_dir() else self.path.read_bytes()

    def digest_input(self) -> bytes:
        """The submission as bytes to hash (a program's files and their names)."""
        source = self.source()
        return source.digest_input() if isinstance(source, SourceFiles) else source


@dataclass(frozen=True)
class BatchResult:
    """One line of the report. ``time`` is the slowest test's CPU seconds, ``memory`` the
    largest peak in KiB; ``tests`` is ``[{"name", "verdict", "time", "memory"}]``;
    ``compile_output`` is trimmed to :data:`COMPILE_MESSAGE_CHARS`; ``message`` says what
    failed for ``SE``."""

    submitter: str
    file: str
    language: str
    verdict: str
    score: float | None = None
    max_score: float | None = None
    time: float = 0.0
    memory: int = 0
    tests: list[dict] = field(default_factory=list)
    compile_output: str = ""
    message: str = ""

    def to_json(self) -> dict[str, object]:
        """The report's JSON object for this item."""
        return asdict(self)


# -- collecting ---------------------------------------------------------------------------

def _ignored(path: Path) -> bool:
    return path.name.startswith(".") or path.name == "__MACOSX"


def _language_of(path: Path, options: CollectOptions) -> Language | None:
    chosen = options.languages.get("*") or \
        options.languages.get(path.suffix.lstrip(".").lower())
    if chosen:
        return get_language(chosen)
    try:
        return language_for_file(str(path))  # the path: .m is told by its content
    except LanguageError:
        return None


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*")
                  if p.is_file() and not any(_ignored(Path(part))
                                             for part in p.relative_to(directory).parts))


SKIPPED = "skipped"  # a report line's verdict for a submitter with nothing judgebox can judge


def collect_submissions(root: Path, options: CollectOptions = CollectOptions(),
                        exclude: Iterable[Path] = (),
                        skipped: list[BatchResult] | None = None) -> list[BatchItem]:
    """The items of the unpacked SUBMISSIONS folder ``root``, submitter by submitter
    (``exclude``: files that are not submissions, e.g. the report written inside it).

    Raises :class:`BatchError` when there is nothing to judge, or (without ``skip_unknown``)
    when a file's language is unknown; ``LanguageError`` for an unknown override. With
    ``skip_unknown``, a submitter none of whose files has a language is added to ``skipped``
    as a report line (verdict :data:`SKIPPED`, the reason as its message), so the summary
    and the report still list them."""
    for lang_id in set(options.languages.values()):
        get_language(lang_id)
    skip = {Path(p).resolve() for p in exclude}
    items: list[BatchItem] = []
    unknown: list[str] = []
    for entry in sorted(p for p in root.iterdir() if not _ignored(p)):
        if entry.is_file():
            candidates = [(entry.stem, entry)]
        elif entry.is_dir() and options.multi_file:
            items.append(_program(root, entry, options))
            continue
        elif entry.is_dir():
            candidates = [(entry.name, f) for f in _files(entry)]
        else:
            continue
        candidates = [(who, f) for who, f in candidates if f.resolve() not in skip]
        known, theirs = [], []
        for submitter, path in candidates:
            language = _language_of(path, options)
            rel = path.relative_to(root).as_posix()
            if language is None:
                theirs.append(rel)
            else:
                known.append(BatchItem(submitter, rel, path, language.id))
        unknown += theirs
        if theirs and not known and skipped is not None:
            skipped.append(BatchResult(candidates[0][0], entry.relative_to(root).as_posix(),
                                       "", SKIPPED, message=f"no language for "
                                       f"{', '.join(theirs[:5])}" + (" ..." if len(theirs) > 5
                                                                      else "")))
        if entry.is_dir() and not options.all_files and known:
            # the newest file; the name breaks ties so the choice is the same every time
            known = [max(known, key=lambda i: (i.path.stat().st_mtime_ns, i.file))]
        items.extend(known)
    if unknown and not options.skip_unknown:
        shown = ", ".join(unknown[:5]) + (f" (and {len(unknown) - 5} more)"
                                          if len(unknown) > 5 else "")
        extensions = sorted({e for lang in all_languages() for e in lang.extensions})
        raise BatchError(f"no language for {shown}: known extensions are "
                         f"{' '.join('.' + e for e in extensions)}; use --lang EXT=ID, or "
                         f"--skip-unknown")
    if not items:
        raise BatchError("no submissions found (a file per submission, or a folder per "
                         "submitter)")
    return items


def _program(root: Path, folder: Path, options: CollectOptions) -> BatchItem:
    """A submitter's folder as one program of several files (BatchError when it is none)."""
    try:
        files = read_directory(folder)
        chosen = options.languages.get("*")
        language = get_language(chosen) if chosen else language_of(files)
    except (SourceError, LanguageError, OSError) as exc:
        raise BatchError(f"{folder.relative_to(root).as_posix()}: {exc}") from exc
    return BatchItem(folder.name, folder.relative_to(root).as_posix() + "/", folder,
                     language.id)


@contextmanager
def open_submissions(path: Path) -> Iterator[Path]:
    """SUBMISSIONS as a folder for the ``with`` block: a folder itself, or a zip extracted
    safely into a temporary folder (entries keep their zip timestamps, which decide the
    newest file of a submitter)."""
    path = Path(path)
    if path.is_dir():
        yield path
        return
    if not path.exists():
        raise BatchError(f"{path}: no such file or directory")
    if not zipfile.is_zipfile(path):
        raise BatchError(f"{path}: neither a folder nor a readable zip archive")
    with tempfile.TemporaryDirectory(prefix="judgebox-batch-") as tmp:
        dest = Path(tmp)
        try:
            extract_archive(path, dest)
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    if not info.is_dir():
                        stamp = datetime.datetime(*info.date_time).timestamp()
                        os.utime(dest / info.filename, (stamp, stamp))
        except PackageError as exc:
            raise BatchError(f"{path}: {exc.args[-1] if exc.args else exc}") from exc
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise BatchError(f"{path}: not a readable zip archive: {exc}") from exc
        yield _single_top(dest, path.stem)


def _single_top(dest: Path, stem: str) -> Path:
    """A zip of one folder holding the class (``class.zip`` of ``class/...``) counts as that
    folder: when the folder is named like the zip, or holds folders itself. Otherwise (one
    folder of files only) that folder is one submitter."""
    tops = [p for p in dest.iterdir() if not _ignored(p)]
    if len(tops) == 1 and tops[0].is_dir():
        inner = [p for p in tops[0].iterdir() if not _ignored(p)]
        if tops[0].name == stem or any(p.is_dir() for p in inner):
            return tops[0]
    return dest


# -- resume -------------------------------------------------------------------------------

def problem_fingerprint(package: Path, extra: str = "") -> str:
    """A hash of the problem package's bytes (a file, or every file of a folder with its
    relative path) and ``extra`` (options that change verdicts, e.g. the time limit)."""
    digest = hashlib.sha256()
    package = Path(package)
    paths = [package] if package.is_file() else _files(package)
    for path in paths:
        digest.update(path.relative_to(package).as_posix().encode() if package.is_dir()
                      else b"")
        digest.update(b"\0" + hashlib.sha256(path.read_bytes()).digest())
    digest.update(extra.encode())
    return digest.hexdigest()


def item_key(fingerprint: str, item: BatchItem) -> str:
    """The state file's key of one item: problem, language and the file's content."""
    digest = hashlib.sha256(f"{fingerprint}\0{item.language}\0".encode())
    digest.update(item.digest_input())
    return digest.hexdigest()


class BatchState:
    """The finished items of earlier runs (JSON lines ``{"key", "result"}``; also
    ``{"key", "pending": id}`` for a submission sent to a server and not yet finished).
    A torn last line (a crash while writing) is dropped."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.done: dict[str, dict] = {}
        self.pending: dict[str, str] = {}
        if self.path.exists():
            text = self.path.read_text(encoding="utf-8")
            if text and not text.endswith("\n"):  # torn by a crash: drop the partial line
                text = text[:text.rfind("\n") + 1]
                with open(self.path, "r+", encoding="utf-8") as handle:
                    handle.truncate(len(text.encode()))
            for line in text.splitlines():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if "result" in record:
                    self.done[record["key"]] = record["result"]
                    self.pending.pop(record["key"], None)
                elif "pending" in record:
                    self.pending[record["key"]] = record["pending"]

    def _append(self, record: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
            out.flush()
            os.fsync(out.fileno())

    def finished(self, key: str, result: BatchResult) -> None:
        """Record a finished item (judge errors are left to be judged again)."""
        if result.verdict == "SE":
            return
        self.done[key] = result.to_json()
        self._append({"key": key, "result": result.to_json()})

    def sent(self, key: str, submission_id: str) -> None:
        """Record that an item was sent to a server as ``submission_id``."""
        self.pending[key] = submission_id
        self._append({"key": key, "pending": submission_id})

    def result(self, key: str, item: BatchItem) -> BatchResult | None:
        """The stored result of this content, under this item's submitter and file name."""
        stored = self.done.get(key)
        if stored is None:
            return None
        return BatchResult(**{**stored, "submitter": item.submitter, "file": item.file})


# -- results ------------------------------------------------------------------------------

def trim_message(text: str, limit: int = COMPILE_MESSAGE_CHARS) -> str:
    """``text`` stripped and cut to ``limit`` characters (with "..." when cut)."""
    text = text.strip()
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def result_from_judgement(item: BatchItem, judgement) -> BatchResult:
    """A report line from a ``worker.core.judging.Judgement``."""
    tests = [{"name": t.name, "verdict": t.verdict, "time": round(t.time, 3),
              "memory": t.memory} for t in judgement.tests]
    return BatchResult(item.submitter, item.file, item.language, judgement.verdict,
                       judgement.score, judgement.max_score, round(judgement.time, 3),
                       judgement.memory, tests,
                       trim_message(judgement.compile_output),
                       judgement.message)


def result_from_api(item: BatchItem, data: dict) -> BatchResult:
    """A report line from a finished submission of the native API."""
    tests = [{"name": t.get("name") or str(t.get("index")), "verdict": t.get("verdict"),
              "time": t.get("time") or 0.0, "memory": t.get("memory") or 0}
             for t in data.get("tests") or []]
    verdict = data.get("verdict") or "SE"
    return BatchResult(item.submitter, item.file, item.language, verdict, data.get("score"),
                       data.get("max_score"), round(data.get("time") or 0.0, 3),
                       data.get("memory") or 0, tests,
                       trim_message(data.get("compile_output") or ""),
                       data.get("message") or "")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def report_rows(results: Iterable[BatchResult]) -> list[dict[str, str]]:
    """The report as CSV rows (``tests`` as ``name:VERDICT`` separated by spaces)."""
    return [{"submitter": r.submitter, "file": r.file, "language": r.language,
             "verdict": r.verdict, "score": _number(r.score),
             "max_score": _number(r.max_score), "time": f"{r.time:.3f}",
             "memory": str(r.memory),
             "tests": " ".join(f"{t['name']}:{t['verdict']}" for t in r.tests),
             "compile_output": r.compile_output or r.message} for r in results]


def render_report(results: list[BatchResult], fmt: str) -> str:
    """The report's text, ``fmt`` ``csv`` or ``json``."""
    if fmt == "json":
        return json.dumps([r.to_json() for r in results], indent=1) + "\n"
    return write_csv(REPORT_FIELDS, report_rows(results))


def write_report(path: Path, results: list[BatchResult]) -> None:
    """Write the report, CSV or JSON by ``path``'s extension (atomically: a temporary file
    renamed over it)."""
    path = Path(path)
    fmt = "json" if path.suffix.lower() == ".json" else "csv"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_report(results, fmt), encoding="utf-8")
    os.replace(tmp, path)


Progress = Callable[[BatchItem, BatchResult], None]


# -- judging --------------------------------------------------------------------------------

class Stop:
    """Set by the command line's first Ctrl-C: send no new item, let running ones finish."""

    def __init__(self) -> None:
        self.requested = False


def _judge_one(problem, item: BatchItem, options, checker) -> BatchResult:
    from sandbox import SandboxError

    from .compile import CompileSystemError
    from .judging import judge

    try:
        judgement = judge(problem, item.source(), get_language(item.language), options,
                          checker)
    except (SandboxError, CompileSystemError, OSError) as exc:
        return BatchResult(item.submitter, item.file, item.language, "SE",
                           message=" ".join(str(exc).split()))
    return result_from_judgement(item, judgement)


_CHILD: dict = {}


def _child_init(problem, options, checker) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    _CHILD.update(problem=problem, options=options, checker=checker)


def _child_judge(item: BatchItem) -> tuple[BatchItem, BatchResult]:
    return item, _judge_one(_CHILD["problem"], item, _CHILD["options"], _CHILD["checker"])


def judge_locally(problem, items: list[BatchItem], options, jobs: int, on_result: Progress,
                  stop: Stop) -> None:
    """Judge ``items`` on ``problem`` (``worker.core.judging`` with ``options``), ``jobs`` at a
    time, calling ``on_result`` for each as it finishes (in the calling process). Stops
    sending items once ``stop.requested``. The problem's checker is compiled once, here
    (``PackageError`` when it does not compile), and shared by the forked processes."""
    from .judging import prepare_checker

    with tempfile.TemporaryDirectory(prefix="judgebox-batch-") as tmp:
        checker = prepare_checker(problem, Path(tmp), options.compile_limits)
        if jobs <= 1 or len(items) <= 1:
            for item in items:
                if stop.requested:
                    return
                on_result(item, _judge_one(problem, item, options, checker))
        else:
            _judge_in_pool(items, (problem, options, checker), jobs, on_result, stop)


def _judge_in_pool(items: list[BatchItem], shared: tuple, jobs: int, on_result: Progress,
                   stop: Stop) -> None:
    """``jobs`` forked processes, at most ``jobs`` items handed out at a time (so a stop
    leaves nothing queued in the pool), results taken in this process as they arrive."""
    import multiprocessing
    import queue as queue_module

    done: queue_module.Queue = queue_module.Queue()
    pool = multiprocessing.get_context("fork").Pool(jobs, _child_init, shared)
    try:
        waiting, running = list(reversed(items)), 0
        while waiting or running:
            while waiting and running < jobs and not stop.requested:
                pool.apply_async(_child_judge, (waiting.pop(),), callback=done.put,
                                 error_callback=done.put)
                running += 1
            if not running:
                break
            finished = done.get()
            running -= 1
            if isinstance(finished, BaseException):
                raise finished
            on_result(*finished)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


class ServerError(Exception):
    """The judgebox server refused or failed a request (says which and why)."""


class Server:
    """A judgebox server's native API (``/api/v1``), with an optional token."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 30.0) -> None:
        import requests

        self.url = url.rstrip("/")
        self.session = requests.Session()
        if token:
            self.session.headers["X-Auth-Token"] = token
        self.timeout = timeout

    def call(self, method: str, path: str, **kwargs) -> dict:
        """One request; its JSON answer, or ``ServerError``. A rate-limited request (429)
        waits as ``Retry-After`` says and is tried again (up to 20 times)."""
        import time

        import requests

        for _ in range(20):
            try:
                answer = self.session.request(method, self.url + path, timeout=self.timeout,
                                              **kwargs)
            except requests.RequestException as exc:
                raise ServerError(f"{self.url}: cannot reach the server: {exc}") from exc
            if answer.status_code != 429:
                break
            try:
                time.sleep(min(60.0, max(0.5, float(answer.headers.get("Retry-After", 1)))))
            except ValueError:
                time.sleep(1.0)
        if answer.status_code >= 400:
            try:
                error = answer.json().get("error", answer.text)
            except ValueError:
                error = answer.text
            raise ServerError(f"{method} {path}: {answer.status_code} {error}")
        return answer.json() if answer.content else {}

    def problem(self, name: str) -> dict:
        """The server's problem of this name."""
        return self.call("GET", f"/api/v1/problems/{name}")


def api_program(item: BatchItem) -> dict:
    """The native API's fields for an item's program, losslessly: a UTF-8 source as
    ``source``; a folder's files (a program of several files), or a file that is not UTF-8,
    as ``files`` in base64."""
    source = item.source()
    if isinstance(source, bytes):
        try:
            return {"source": source.decode("utf-8")}
        except UnicodeDecodeError:
            source = SourceFiles(((item.path.name, source),))
    return {"files": [{"name": name, "content": base64.b64encode(data).decode("ascii"),
                       "encoding": "base64"} for name, data in source.files]}


def judge_on_server(server: Server, problem: str, items: list[tuple[str, BatchItem]],
                    state: BatchState, jobs: int, on_result: Progress, stop: Stop,
                    extra: dict | None = None, poll: float = 0.25,
                    assignment: str | None = None) -> None:
    """Judge ``(key, item)`` pairs on the server's problem ``problem`` through the batch
    queue (``extra``: more fields of each request, e.g. ``limits``, ``run_all``), at most
    ``jobs`` in flight; items sent by an earlier, interrupted run are polled
    rather than sent again. With ``assignment``, each counts there as its submitter's (a
    username of the assignment's course)."""
    import time

    waiting = list(reversed(items))
    flying: dict[str, tuple[str, BatchItem]] = {}
    while waiting or flying:
        while waiting and len(flying) < jobs and not stop.requested:
            key, item = waiting.pop()
            submission = state.pending.get(key)
            if submission is None:
                body = {"language": item.language, "problem": problem, "queue": "batch",
                        **api_program(item)}
                body.update(extra or {})
                if assignment is not None:
                    body.update(assignment=assignment, user=item.submitter)
                submission = server.call("POST", "/api/v1/submissions", json=body)["id"]
                state.sent(key, submission)
            flying[submission] = (key, item)
        if not flying:
            return
        time.sleep(poll)
        for submission, (key, item) in list(flying.items()):
            data = server.call("GET", f"/api/v1/submissions/{submission}")
            if data.get("state") == "done":
                del flying[submission]
                on_result(item, result_from_api(item, data))
