"""Judge0's informational endpoints: ``/languages``, ``/statuses``, ``/about``, ``/version``,
``/config_info``, ``/system_info``, ``/workers``."""

from __future__ import annotations

import os
import platform

from flask import Blueprint, current_app, jsonify

from worker.core.languages import all_languages as every_language
from worker.service import judge0
from worker.service.celery_app import queue_lengths
from worker.store import registry, submissions

from .. import services
from ..errors import ApiError
from ._validate import judge0_limits

__all__ = ["bp"]

bp = Blueprint("info", __name__)


def _describe(j: judge0.Judge0Language, archived: bool = False) -> dict:
    lang = j.language
    values = lang.values(b"")
    command = lang.compile or lang.check
    return {"id": j.id, "name": j.name, "is_archived": archived,
            "source_file": values["source"],
            "compile_cmd": " ".join(lang.argv(command, values, lang.memory_mb))
            if command else None,
            "run_cmd": " ".join(lang.argv(lang.run, values, lang.memory_mb))}


@bp.get("/languages")
def languages():
    """The Judge0 language ids this server runs (enabled on a live worker)."""
    found = judge0.judge0_languages(services.offered_languages())
    return jsonify([{"id": j.id, "name": j.name} for j in found])


@bp.get("/languages/all")
def all_languages():
    """Every Judge0 id judgebox knows; those no live worker enables are ``is_archived``."""
    offered = services.offered_languages()
    enabled = {j.id for j in judge0.judge0_languages(offered)}
    every = judge0.judge0_languages({lang.id: offered.get(lang.id, {}) | {"enabled": True}
                                     for lang in every_language()})
    return jsonify([{"id": j.id, "name": j.name, "is_archived": j.id not in enabled}
                    for j in every])


@bp.get("/languages/<int:language_id>")
def language(language_id: int):
    """One language, with its source file name and commands."""
    for j in judge0.judge0_languages(services.offered_languages()):
        if j.id == language_id:
            return jsonify(_describe(j))
    raise ApiError(404, f"language with id {language_id} doesn't exist")


@bp.get("/statuses")
def statuses():
    """Status ids and descriptions."""
    return jsonify(judge0.statuses())


@bp.get("/about")
def about():
    """Judge0's ``/about``: the version clients check (1.13.1)."""
    return jsonify({"version": judge0.VERSION, "homepage": "judgebox",
                    "source_code": "judgebox (Judge0-compatible API)",
                    "maintainer": "judgebox"})


@bp.get("/version")
def version():
    """The version as plain text."""
    return judge0.VERSION, 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/config_info")
def config_info():
    """Every key Judge0 returns (the SDK requires all of them)."""
    config = current_app.config
    limits = judge0_limits()
    return jsonify({
        "maintenance_mode": bool(config["MAINTENANCE_MODE"]),
        "enable_wait_result": True,
        "enable_compiler_options": True,
        "allowed_languages_for_compile_options": [],
        "enable_command_line_arguments": True,
        "enable_submission_delete": bool(config["ENABLE_SUBMISSION_DELETE"]),
        "enable_callbacks": True,
        "callbacks_max_tries": int(config["CALLBACKS_MAX_TRIES"]),
        "callbacks_timeout": float(config["CALLBACKS_TIMEOUT"]),
        "enable_additional_files": True,
        "max_queue_size": int(config["MAX_QUEUE_SIZE"]),
        "cpu_time_limit": float(limits["cpu_time_limit"]),
        "max_cpu_time_limit": float(limits["max_cpu_time_limit"]),
        "cpu_extra_time": float(limits["cpu_extra_time"]),
        "max_cpu_extra_time": float(limits["max_cpu_extra_time"]),
        "wall_time_limit": float(limits["wall_time_limit"]),
        "max_wall_time_limit": float(limits["max_wall_time_limit"]),
        "memory_limit": int(limits["memory_limit"]),
        "max_memory_limit": int(limits["max_memory_limit"]),
        "stack_limit": int(limits["stack_limit"]),
        "max_stack_limit": int(limits["max_stack_limit"]),
        "max_processes_and_or_threads": int(limits["max_processes_and_or_threads"]),
        "max_max_processes_and_or_threads": int(limits["max_max_processes_and_or_threads"]),
        "enable_per_process_and_thread_time_limit": False,
        "allow_enable_per_process_and_thread_time_limit": False,
        "enable_per_process_and_thread_memory_limit": False,
        "allow_enable_per_process_and_thread_memory_limit": False,
        "max_file_size": int(limits["max_file_size"]),
        "max_max_file_size": int(limits["max_max_file_size"]),
        "number_of_runs": int(limits["number_of_runs"]),
        "max_number_of_runs": int(limits["max_number_of_runs"]),
        "redirect_stderr_to_stdout": False,
        "max_extract_size": int(limits["max_extract_size"]),
        "enable_batched_submissions": True,
        "max_submission_batch_size": int(limits["max_submission_batch_size"]),
        "submission_cache_duration": float(limits["submission_cache_duration"]),
        "use_docs_as_homepage": False,
        "allow_enable_network": False,
        "enable_network": False,
    })


def _meminfo() -> dict[str, str]:
    found = {}
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                found[key] = value.strip()
    except OSError:
        pass
    return found


@bp.get("/system_info")
def system_info():
    """The web host's CPU and memory, in the spirit of Judge0's (``lscpu`` and ``free``)."""
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f
                          if line.startswith("model name")), "")
    except OSError:
        pass
    mem = _meminfo()
    return jsonify({"Architecture": platform.machine(), "CPU(s)": str(os.cpu_count() or 1),
                    "Model name": model, "Mem": mem.get("MemTotal", ""),
                    "Swap": mem.get("SwapTotal", "")})


@bp.get("/workers")
def workers():
    """Each queue: waiting submissions and the workers serving it."""
    config = current_app.config
    store = services.store()
    live = registry.live_workers(store, float(config["WORKER_STALE"]))
    try:
        lengths = queue_lengths(current_app.extensions["celery"], list(config["QUEUES"]))
    except Exception:  # the broker is down: say so through the sizes
        lengths = {}
    states = submissions.counts(store)
    working = states.get("compiling", 0) + states.get("running", 0)
    out = []
    for queue in config["QUEUES"]:
        available = sum(w.concurrency for w in live if queue in (w.queues or []))
        busy = min(available, working)
        out.append({"queue": queue, "size": lengths.get(queue), "available": available,
                    "idle": max(0, available - busy), "working": busy, "paused": 0,
                    "failed": 0})
    return jsonify(out)
