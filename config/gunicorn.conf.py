"""gunicorn for `make serve-prod`: sync workers from the CPU count (measured: see docs/performance.md)."""
import multiprocessing
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = 120  # longest synchronous Excel export
keepalive = 5
accesslog = "-"
max_requests = 2000
max_requests_jitter = 200
