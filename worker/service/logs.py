"""Logs: plain text (the default) or one JSON object per line (``LOG_FORMAT=json``), each
record carrying the submission it is about, in the web app and in the workers alike.

The submission travels in a context variable: the web app sets it for a request that creates
or reads a submission, the judge task for the judgement it runs. :class:`SubmissionFilter`
copies it onto every record (``record.submission``) and :class:`JsonFormatter` writes it, so
``grep`` or a log pipeline can follow one submission from its POST to its verdict across
hosts. Set up at start (:func:`configure`, from ``create_app``), never at import.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
import socket
from collections.abc import Iterator

__all__ = ["configure", "JsonFormatter", "SubmissionFilter", "submission", "current_submission",
           "set_submission"]

_submission: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "judgebox_submission", default=None)
_HANDLER_NAME = "judgebox-json"
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "submission"}


def current_submission() -> str | None:
    """The submission the running code works on, if any."""
    return _submission.get()


def set_submission(token: str | None) -> None:
    """Say which submission the rest of this context (a request, a task) is about."""
    _submission.set(token)


@contextlib.contextmanager
def submission(token: str | None) -> Iterator[None]:
    """Within the block, records carry ``token``."""
    reset = _submission.set(token)
    try:
        yield
    finally:
        _submission.reset(reset)


class SubmissionFilter(logging.Filter):
    """Adds ``record.submission`` (the context's submission, or None); filters nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "submission", None) is None:
            record.submission = _submission.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, submission,
    host, process name and pid, and ``exception`` and any ``extra=`` fields when there are some."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
            .isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "submission": getattr(record, "submission", None) or _submission.get(),
            "host": socket.gethostname(),
            "process": record.processName,  # Celery's pool processes: ForkPoolWorker-<n>
            "pid": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        for key, value in record.__dict__.items():  # extra=... fields
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) \
                    else repr(value)
        return json.dumps(entry, ensure_ascii=False)


def configure(log_format: str, level: str | int = "INFO") -> None:
    """Set up the root logger once: with ``json``, one handler on stderr writing
    :class:`JsonFormatter` lines (replacing the other root handlers, so each record is written
    once); with ``text``, leave the handlers as they are (Celery's, gunicorn's, Flask's) and
    only add the submission to records. Calling it again changes nothing."""
    root = logging.getLogger()
    if log_format not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be 'json' or 'text', not {log_format!r}")
    if log_format == "text":
        return
    if any(h.get_name() == _HANDLER_NAME for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(SubmissionFilter())
    root.handlers = [handler]
    root.setLevel(level)
