"""Configuration defaults. ``create_app`` loads these, then ``<DATA_DIR>/config.py`` (or the test
config), then the environment: ``JUDGEBOX_<KEY>`` for any key below (values parsed as JSON when
they can be: ``JUDGEBOX_LEASE_MARGIN=5``), and the conventional ``DATABASE_URL`` and
``REDIS_URL``. docs/service.md lists them all.
"""

from __future__ import annotations

import os

__all__ = ["Defaults", "JUDGE0_LIMITS", "derived"]


class Defaults:
    """Every setting, with its default."""

    # Where things live
    DATA_DIR = "/var/lib/judgebox"        # the SQLite file, config.py, a local redis' files
    DATABASE_URL = None                   # default: sqlite:///<DATA_DIR>/judgebox.sqlite3
    REDIS_URL = "redis://127.0.0.1:6379/0"  # broker, and the rate limiter's storage
    CACHE_DIR = None                      # default: $JUDGEBOX_CACHE_DIR or /var/cache/judgebox
    AUTO_MIGRATE = True                   # apply Alembic migrations when the app starts

    # Logs (worker.service.logs): "text" (as the servers write them) or "json" (one object a line,
    # with the submission id), and the level of the root logger when "json"
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"

    # Queues, in priority order: a worker empties the first before it takes from the next
    QUEUES = ("interactive", "batch")

    # Judging and reliability (seconds)
    LEASE_MARGIN = 15.0          # a step's lease = its own time bound + this
    MAX_ATTEMPTS = 3             # a submission whose worker died this often is SE
    RECONCILE_INTERVAL = 30.0    # how often workers report and stuck submissions are re-sent
    QUEUED_TIMEOUT = 300.0       # queued this long with its queue empty: the message was lost
    DATABASE_WAIT = 30.0         # a worker holds its work this long while the database is away
    MAX_JUDGEMENT = 3600         # the longest judgement; the broker's visibility timeout > it
    WORKER_LANGUAGES = ""        # comma-separated language ids a worker offers ("": all)
    WORKER_STALE = 120.0         # a worker not seen for this long is not live
    # stdout and stderr kept per test (KB) for feedback: an ad-hoc test's and a problem's
    # sample's; a problem's other tests' (shown only where their data may be)
    KEEP_OUTPUT_KB = 64
    KEEP_OUTPUT_HIDDEN_KB = 8

    # Size caps of requests
    MAX_SOURCE_KB = 256
    MAX_FILES_KB = 10 * 1024     # the files of one submission in all (Judge0's max_extract_size)
    MAX_STDIN_KB = 16 * 1024     # one test's stdin or expected output
    MAX_TESTS = 100              # ad-hoc tests of one submission
    MAX_TESTS_TOTAL_KB = 64 * 1024
    MAX_PACKAGE_MB = 64
    MAX_UNPACKED_MB = 1024       # what a package or batch zip may unpack to (zip bombs)
    MAX_QUEUE_SIZE = 10_000      # queued submissions beyond which new ones get 503

    # Native API run limits: defaults and maxima (requests above a maximum are clamped)
    TIME_LIMIT = 2.0             # CPU seconds
    MAX_TIME_LIMIT = 15.0
    MEMORY_LIMIT = 256           # MB (the whole box, the language runtime included)
    MAX_MEMORY_LIMIT = 1024
    OUTPUT_LIMIT = 64 * 1024     # KB of stdout (and of any file written)
    MAX_OUTPUT_LIMIT = 64 * 1024

    # Authentication, rate limits and quotas (web.access, web.quota; Redis storage)
    AUTH_HEADER = "X-Auth-Token"
    AUTH_REQUIRED = False        # False: no token is anonymous (limited by address)
    RATELIMIT_SUBMIT = "300/minute"     # submissions created per token (its own overrides)
    RATELIMIT_SUBMIT_ANONYMOUS = "60/minute"  # ... per address without a token (IPv6: /64)
    RATELIMIT_DEFAULT = "6000/minute"   # every request, per token (or per address)
    QUOTA_MB_PER_MINUTE = 256           # bytes stored (sources, tests) per token a minute
    QUOTA_ANONYMOUS_MB_PER_MINUTE = 16  # ... per address without a token
    QUOTA_MB_TOTAL = 10240              # what a token's submissions may hold in all (0: any)
    QUOTA_ANONYMOUS_MB_TOTAL = 256      # ... an address's anonymous submissions
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STORAGE_URI = None        # default: REDIS_URL
    RATELIMIT_SWALLOW_ERRORS = True     # Redis down: limit in memory, keep answering
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True

    # Pages (docs/web.md)
    SIGNUP = "closed"            # closed (accounts from class lists), invite (a join code), open
    RATELIMIT_LOGIN = "20/minute"  # log-in, sign-up and password tries per address
    DEFAULT_LANGUAGE = "cpp17"   # the submit form's language until the user picks one
    SECRET_KEY = None            # signs the session cookie; default: <DATA_DIR>/secret_key
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False    # set true behind HTTPS
    WTF_CSRF_CHECK_DEFAULT = False   # CSRF tokens are checked by the pages' blueprints only
    WTF_CSRF_TIME_LIMIT = None       # a form's CSRF token lasts as long as its session
    # Sent with every response (web.headers); pages load scripts from /static only
    CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; font-src 'self'; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

    # Judge0 compatibility
    CALLBACKS_ALLOW_PRIVATE = False  # allow callbacks to private/loopback/link-local addresses
    CALLBACKS_MAX_TRIES = 3
    CALLBACKS_TIMEOUT = 5.0
    WAIT_TIMEOUT = 300.0         # wait=true gives up (and answers what is there) after this
    ENABLE_SUBMISSION_DELETE = False
    MAINTENANCE_MODE = False
    SERVE_PACKAGES = False       # GET /api/v1/packages/<sha256> serves packages' bytes


# Judge0's defaults and maxima (its config_info); requests above a maximum get 422. The
# defaults are what a submission that asks for nothing gets (one source: config_info and the
# submission's own fields agree): Judge0's own, except memory_limit (Judge0: 128000 KB) and
# max_processes_and_or_threads (60), which are every language's own (the box holds the
# runtime too: a JVM needs its 256 MB and its threads).
JUDGE0_LIMITS = {
    "cpu_time_limit": 5.0, "max_cpu_time_limit": 15.0,
    "cpu_extra_time": 1.0, "max_cpu_extra_time": 5.0,
    "wall_time_limit": 10.0, "max_wall_time_limit": 20.0,
    "memory_limit": 262144, "max_memory_limit": 512000,
    "stack_limit": 64000, "max_stack_limit": 128000,
    "max_processes_and_or_threads": 64, "max_max_processes_and_or_threads": 120,
    "max_file_size": 1024, "max_max_file_size": 4096,
    "number_of_runs": 1, "max_number_of_runs": 20,
    "max_submission_batch_size": 20,
    "max_extract_size": 10240,
    "submission_cache_duration": 1.0,
}


def derived(config: dict) -> None:
    """Fill in the settings whose defaults depend on others."""
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{config['DATA_DIR']}/judgebox.sqlite3"
    if not config.get("CACHE_DIR"):
        config["CACHE_DIR"] = os.environ.get("JUDGEBOX_CACHE_DIR", "/var/cache/judgebox")
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]
    if isinstance(config.get("QUEUES"), str):
        config["QUEUES"] = tuple(q.strip() for q in config["QUEUES"].split(",") if q.strip())
    if not config.get("MAX_CONTENT_LENGTH"):  # base64 and JSON escaping make bodies larger
        config["MAX_CONTENT_LENGTH"] = max(
            config["MAX_PACKAGE_MB"] * 1024 * 1024,
            (config["MAX_SOURCE_KB"] + config["MAX_TESTS_TOTAL_KB"] + config["MAX_FILES_KB"])
            * 1024 * 2) + 1024 * 1024
