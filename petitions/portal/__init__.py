"""The public portal (群众端, DESIGN.md §7): online petitions, tracking with the query code,
evaluation, 复查/复核 requests and published replies, under /portal/ and without a login.

Writes go through ``petitions.services.portal``; this package holds the HTTP side (views, forms,
URLs), the captcha, the per-address limits and the read-only public selectors.
"""
