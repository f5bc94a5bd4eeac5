"""gunicorn's settings for judgebox's web app (deploy/web.Dockerfile runs
``gunicorn -c /opt/judgebox/gunicorn.conf.py 'web:create_app()'``).

A gunicorn config file, read once when gunicorn starts. gthread workers: a request that waits
(``wait=true``, the pages' live view) holds a thread, not a process. With
``JUDGEBOX_LOG_FORMAT=json`` gunicorn's own lines (start-up, errors, the access log) are JSON
too, written by the same formatter as the app's (``worker.service.logs``).
"""

import os

bind = os.environ.get("JUDGEBOX_BIND", "0.0.0.0:2358")
worker_class = "gthread"
workers = int(os.environ.get("JUDGEBOX_WEB_WORKERS", "2"))
threads = int(os.environ.get("JUDGEBOX_WEB_THREADS", "16"))
timeout = 330  # above WAIT_TIMEOUT (300 s): a wait=true request answers before it is killed
accesslog = "-"
control_socket_disable = True  # no gunicornc; its default socket is one per home directory

if os.environ.get("JUDGEBOX_LOG_FORMAT", "text").strip('"') == "json":
    _stderr = {"class": "logging.StreamHandler", "formatter": "json",
               "filters": ["submission"], "stream": "ext://sys.stderr"}
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "worker.service.logs.JsonFormatter"}},
        "filters": {"submission": {"()": "worker.service.logs.SubmissionFilter"}},
        "handlers": {"stderr": _stderr},
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        },
    }
