"""gunicorn for `make serve-prod`: sync workers, one per CPU core by default (WEB_CONCURRENCY overrides).

Measured with `make loadtest` (50 users, PostgreSQL on the same machine; docs/performance.md §5):
on 2 cores shared with other work, 2 workers served 9.5 requests/s with a median of 1.3 s,
3 workers 6.8 requests/s (2.5 s) and 5 workers (the textbook 2 × cores + 1) 4.7 requests/s
(5.1 s); on a quiet machine 2 workers serve the 50 users at a p95 of 89 ms. The requests are
CPU-bound (templates, ORM, password hashing at login) and PostgreSQL needs the same cores, so
workers beyond the core count only add context switches and memory. With the database on
its own machine, start from 2 × cores + 1 and measure again.
"""
import multiprocessing
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
timeout = 300  # synchronous Excel exports: 100,000 rows take ~4 s, a full sheet (1,048,576 rows) under a minute
keepalive = 5
accesslog = "-"
max_requests = 2000
max_requests_jitter = 200
