"""The time limit of a package that gives none, derived as Kattis does.

- legacy: ``max(1, round(slowest accepted run x time_multiplier))`` whole seconds
  (problemtools rounds half up; ``time_multiplier`` defaults to 5);
- 2023-07 / 2025-09: the smallest positive multiple of ``time_resolution`` (default 1 s) that
  is at least ``slowest x ac_to_time_limit`` (default 2); it must also stay at most
  ``fastest time_limit_exceeded run / time_limit_to_tle`` (checked by ``judgebox verify``).
"""

from __future__ import annotations

import math

from .model import Problem

__all__ = ["derive_time_limit", "tle_margin_problem"]


def derive_time_limit(problem: Problem, slowest: float) -> float:
    """The time limit (seconds) for a package whose slowest accepted run took ``slowest``."""
    limits = problem.limits
    if problem.legacy:
        return float(max(1, int(0.5 + slowest * limits.time_multiplier)))
    resolution = limits.time_resolution
    steps = max(1, math.ceil(slowest * limits.ac_to_time_limit / resolution - 1e-9))
    return round(steps * resolution, 9)


def tle_margin_problem(problem: Problem, time_limit: float, tle_runtime: float) -> str:
    """Why a time_limit_exceeded run of ``tle_runtime`` s is too close to the limit, or ''.

    Only meaningful when that run's CPU time was measured beyond the limit (a run killed at
    the limit says nothing about how slow it really is).
    """
    margin = problem.limits.time_safety_margin if problem.legacy else \
        problem.limits.time_limit_to_tle
    if tle_runtime < time_limit * margin:
        return (f"time_limit_exceeded run of {tle_runtime:.3f} s is within the safety margin "
                f"({margin:g} x {time_limit:g} s)")
    return ""
