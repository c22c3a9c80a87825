"""gunicorn settings for production: `gunicorn -c clinic/gunicorn.conf.py clinic.wsgi`.

Override with GUNICORN_* environment variables or command-line flags.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# Load Django once in the master, then fork: workers start in milliseconds (after a crash or a
# recycle, below) and share memory. Nothing opens a database connection at import. A deploy restarts
# gunicorn (a HUP would keep the old code).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
# Recycle a worker now and then (a guard against slow memory growth); rarely, because a worker
# starting up answers its first requests slowly.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 10000))
max_requests_jitter = max_requests // 10
# Django logs requests itself without personal data; gunicorn's access log would print full
# URLs (manage links carry tokens), so it stays off unless asked for.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
