"""Gunicorn settings for `supportdesk web` and for the web child of `supportdesk run`.

The command line passes `--bind` and `--workers` (from SUPPORTDESK_WEB_BIND and
SUPPORTDESK_WEB_WORKERS, or its own flags); everything else is here. Loaded by gunicorn with
`-c python:config.gunicorn_conf`, so a bad value raises SettingError naming the variable; the
command line imports this module before it starts gunicorn, to report that as one line.

Why sync workers: on a 2-core machine a minimal Django JSON view over 1 M PostgreSQL rows served
2,300 req/s (p99 23 ms) under gunicorn sync workers and about 7x less under uvicorn with sync
views, where persistent connections also exhausted PostgreSQL. Our views are sync Django views
doing short queries; the numbers for supportdesk itself are in bench/RESULTS.md.
"""

from __future__ import annotations

import os

from config.env import env_bool, env_choice, env_int

wsgi_app = "config.wsgi:application"
worker_class = "sync"
proc_name = "supportdesk-web"

# Django and the project are imported once in the master, then forked: workers start fast and
# share memory, and an import or configuration error stops the master at once instead of
# making it respawn workers that fail to boot.
preload_app = True

# A request slower than this is stuck (a lock, a lost connection): the worker is replaced.
# A file sent through an upload link is one request: a worker takes it in at 80-120 MB/s on
# 2 cores (bench/uploads.py), so 30 s carries 2 to 3 GB from a buffering proxy.
timeout = env_int("SUPPORTDESK_WEB_TIMEOUT", 30, minimum=1)
# On SIGTERM a worker finishes the request it is serving; the supervisor waits 15 s.
graceful_timeout = 10
# Recycling workers now and then bounds the damage of a slow leak in any library.
max_requests = 5000
max_requests_jitter = 500

# The heartbeat files live in memory, not on a disk that may stall. Gunicorn creates them with
# mkstemp (unique name, mode 0600), so a shared directory is safe.
_SHARED_MEMORY = "/dev/shm"  # noqa: S108
worker_tmp_dir = _SHARED_MEMORY if os.path.isdir(_SHARED_MEMORY) else None

# Gunicorn 25+ opens a control socket at one fixed path per user ($HOME/.gunicorn/gunicorn.ctl):
# a second server on the machine (a test, another checkout) would take it over. Not used here.
control_socket_disable = True

# Access logs cost throughput and are usually written by the proxy in front; opt in.
accesslog = "-" if env_bool("SUPPORTDESK_WEB_ACCESS_LOG", False) else None
errorlog = "-"
loglevel = env_choice(
    "SUPPORTDESK_LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
).lower()
