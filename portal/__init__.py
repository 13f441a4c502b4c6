"""The public portal (群众端, docs/architecture.md §7): online petitions, tracking with the query code,
evaluation, 复查/复核 requests and published replies, under /portal/ and without a login.

Writes go through ``portal.services``; this package holds the HTTP side (views, forms,
URLs), the browser check (a proof of work, ``captcha``), the per-address limits and the
read-only public selectors.
"""
