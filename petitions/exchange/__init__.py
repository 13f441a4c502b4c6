"""Signed data packages between levels (DESIGN.md §6).

``package`` holds the format (zip layout, manifest, signature, safe reading); the exporter
and the importer that touch the database are ``petitions.services.exchange``.
"""
